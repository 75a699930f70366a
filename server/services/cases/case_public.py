"""What a visitor may see of their case and of the counter's written notices (no personal data).

- progress: the case's steps with dates and the due date in plain Chinese (十公开: 许可审批进度),
  on the ticket's own page `/t/<id>` and through the case lookup (number + last four of the phone);
- the 一次性告知书 of a 补正 and the 不予受理告知书 of a refusal, as printable pages.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.cases import CaseState
from ...engine.errors import InvalidInput, NotFound
from ...storage.models import Case, Service, Site, Staff, Ticket, TicketEvent, Window
from ..calendar import calendar
from ..context import Context
from ..queue import read_models
from . import cases

LANGS = ("zh", "en")


def _t(lang: str, key: str, **kw: Any) -> str:
    """A progress text in `lang` from the cases package's translations (`cases.pg.*`)."""
    from ...i18n import translate

    return translate("cases.pg." + key, lang, **kw)


def cn_date(d: date | None) -> str:
    """2026年12月3日"""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def date_text(d: date | None, lang: str) -> str:
    """2026年12月3日 in Chinese, 3 December 2026 in English."""
    if d is None:
        return ""
    if lang != "en":
        return cn_date(d)
    return f"{d.day} {_t(lang, f'month.{d.month}')} {d.year}"


def _window(s: Session, window_id: int | None) -> Window | None:
    return s.get(Window, window_id) if window_id else None


def _pickup_text(w: Window | None, lang: str) -> str:
    return _t(lang, "ready_at", n=w.number) if w else _t(lang, "ready_first")


def _step_text(s: Session, c: Case, ev_type: str, data: dict[str, Any], lang: str = "zh") -> str:
    if ev_type in ("accepted", "review_started", "materials_received"):
        return _t(lang, "ev." + ev_type)
    if ev_type == "materials_requested":
        sep = "、" if lang != "en" else ", "
        return _t(lang, "ev.materials_requested", materials=sep.join(data.get("materials") or []))
    if ev_type == "approved":
        return _pickup_text(_window(s, c.first_window_id), lang)
    if ev_type == "rejected":
        return _t(lang, "ev.rejected", reason=data.get("reason") or "")
    if ev_type == "delivered":
        if data.get("method") == "post":
            if data.get("note"):
                return _t(lang, "ev.delivered_post_note", note=data["note"])
            return _t(lang, "ev.delivered_post")
        return _t(lang, "ev.delivered_window")
    return ev_type


def _days(n: int, lang: str) -> str:
    """ "5个工作日" / "5 working days" / "1 working day"."""
    return _t(lang, "working_day" if n == 1 else "working_days", n=n)


def _due_text(due: date, promised: int, paused: int, lang: str) -> str:
    due_text = _t(lang, "due", date=date_text(due, lang), days=_days(promised, lang))
    if paused:
        due_text += _t(lang, "due_paused", days=_days(paused, lang))
    return due_text + _t(lang, "due_end")


def progress(s: Session, c: Case, today: date) -> dict[str, Any]:
    """The case's public progress: steps, due date, state in words; never the applicant.

    The texts are Chinese (`state_text`, `due_text`, each step's `text` and `date_text`), each with
    its English twin (`..._en`) for a page in English; materials and reasons stay as the window wrote them.
    """
    site = s.get_one(Site, c.site_id)
    d = cases.case_dict(s, c, calendar.load(s, site.id), today, cases.pause_awaiting(site))
    sv = s.get(Service, c.service_id)
    w = _window(s, c.first_window_id)
    due = date.fromisoformat(d["due_date"])
    steps = []
    for e in d["events"]:
        day = date.fromisoformat(e["day"])
        steps.append(
            {
                "type": e["type"],
                "text": _step_text(s, c, e["type"], e["data"], "zh"),
                "text_en": _step_text(s, c, e["type"], e["data"], "en"),
                "day": e["day"],
                "date_text": date_text(day, "zh"),
                "date_text_en": date_text(day, "en"),
            }
        )
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        state = _t(lang, "state." + c.state)
        if c.state == CaseState.READY:
            state = _pickup_text(w, lang)
        texts[lang] = {
            "state_text": state,
            "due_text": _due_text(due, c.promised_days, d["paused_days"], lang),
        }
    return {
        "number": c.number,
        "service": sv.name if sv else "",
        "service_en": (sv.name_en or sv.name) if sv else "",
        "state": c.state,
        "state_text": texts["zh"]["state_text"],
        "state_text_en": texts["en"]["state_text"],
        "accepted_on": c.day.isoformat(),
        "due_date": d["due_date"],
        "due_text": texts["zh"]["due_text"],
        "due_text_en": texts["en"]["due_text"],
        "overdue": d["overdue"],
        "paused_days": d["paused_days"],
        "materials": d["materials"],
        "pickup_window": {"number": w.number, "name": w.name, "name_en": w.name_en or w.name}
        if w
        else None,
        "steps": steps,
    }


def for_ticket(ctx: Context, public_id: str) -> dict[str, Any] | None:
    """The progress of the case a ticket opened, or None."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        c = s.scalar(select(Case).where(Case.ticket_id == t.id))
        if c is None:
            return None
        return progress(s, c, read_models.today(s.get_one(Site, c.site_id), now))


def lookup(ctx: Context, site_id: int, number: str, phone_last4: str) -> dict[str, Any]:
    """A case's progress by its number and the last four digits of the applicant's phone (404 otherwise,
    the same answer for a wrong number and a wrong phone, so neither can be guessed alone)."""
    number = number.strip().upper()
    if not phone_last4.isdigit() or len(phone_last4) != 4:
        raise InvalidInput("give the last four digits of the phone", field="phone_last4")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        c = s.scalar(select(Case).where(Case.number == number, Case.site_id == site_id))
        digits = "".join(ch for ch in (c.applicant_phone if c else "") if ch.isdigit())
        if c is None or not hmac.compare_digest(digits[-4:], phone_last4):
            raise NotFound("no case with this number and phone")
        site = s.get_one(Site, c.site_id)
        return {
            **progress(s, c, read_models.today(site, now)),
            "rating": _lookup_rating(s, site, c, now),
        }


def _lookup_rating(s: Session, site: Site, c: Case, now: datetime) -> dict[str, Any]:
    """办件送达后评价 from the lookup page: the case ticket's rating state (case_rating.status), and the
    ticket's public id (the key the rating is posted with) only while the case can be rated, so the
    lookup hands out no lasting link to the ticket's page. Nothing about the applicant."""
    from ..ratings import case_rating

    t = s.get_one(Ticket, c.ticket_id)
    st = case_rating.status(s, site, t, now) or {}
    is_open = bool(st.get("open"))
    return {
        "open": is_open,
        "until": st.get("until"),
        "given": st.get("given"),
        "reasons": st.get("reasons") if is_open else [],
        "reasons_en": st.get("reasons_en") if is_open else [],
        "ticket": t.public_id if is_open else None,
    }


def _clerk(s: Session, staff_id: int | None) -> dict[str, str]:
    st = s.get(Staff, staff_id) if staff_id else None
    return {"name": st.name if st else "", "badge": st.badge if st else ""}


def notice(ctx: Context, public_id: str, kind: str) -> dict[str, Any]:
    """What the 一次性告知书 (`kind` "parked") or the 不予受理告知书 (`kind` "refused") says, from the
    ticket's own event: item, materials or reason, window, clerk's name and badge, date."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        ev_type = "parked" if kind == "parked" else "finished"
        ev = s.scalar(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == t.id, TicketEvent.type == ev_type)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
        if ev is None or (kind == "refused" and (ev.data or {}).get("outcome") != "refused"):
            raise NotFound("this visit has no such notice")
        site = s.get_one(Site, t.site_id)
        sv = s.get_one(Service, t.service_id)
        w = _window(s, ev.window_id)
        data = ev.data or {}
        guide = sv.disclosure or {}
        return {
            "kind": kind,
            "ticket_number": t.number,
            "site": site.name,
            "address": (site.settings or {}).get("address", ""),
            "phone": (site.settings or {}).get("phone", ""),
            "service": sv.name,
            "department": sv.department.name,
            "basis": guide.get("basis", ""),
            "materials": data.get("materials") or [],
            "note": data.get("note") or "",
            "reason": data.get("reason") or "",
            "window": {"number": w.number, "name": w.name} if w else None,
            "clerk": _clerk(s, ev.staff_id),
            "date_text": cn_date(ev.day),
            "day": ev.day.isoformat(),
        }


def page_extras(ctx: Context, public_id: str, t: dict[str, Any]) -> dict[str, Any]:
    """What the ticket's phone page adds (issue 17): the case's progress, the 一次性告知 of a 补正,
    the link to a 不予受理告知书."""
    out: dict[str, Any] = {"case": None, "notice": None, "refusal": False}
    if t.get("outcome") == "accepted":
        out["case"] = for_ticket(ctx, public_id)
    elif t.get("state") == "parked":
        try:
            n = notice(ctx, public_id, "parked")
        except NotFound:
            return out
        out["notice"] = {"materials": n["materials"], "note": n["note"], "window": n["window"]}
    elif t.get("outcome") == "refused":
        out["refusal"] = True
    return out
