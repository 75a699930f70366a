"""What a visitor may see of their case and of the counter's written notices (no personal data).

- progress: the case's steps with dates and the due date in plain Chinese (十公开: 许可审批进度),
  on the ticket's own page `/t/<id>` and through the case lookup (number + last four of the phone);
- the 一次性告知书 of a 补正 and the 不予受理告知书 of a refusal, as printable pages.
"""

from __future__ import annotations

import hmac
from datetime import date
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

STATE_TEXT = {
    "accepted": "已受理",
    "in_review": "审查中",
    "awaiting_materials": "待补正",
    "ready": "已办结，待领取",
    "delivered": "已送达",
    "rejected": "不予许可",
}


def cn_date(d: date | None) -> str:
    """2026年12月3日"""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _window(s: Session, window_id: int | None) -> Window | None:
    return s.get(Window, window_id) if window_id else None


def _step_text(s: Session, c: Case, ev_type: str, data: dict[str, Any]) -> str:
    if ev_type == "accepted":
        return "已受理"
    if ev_type == "review_started":
        return "审查中"
    if ev_type == "materials_requested":
        return "待补正：请补交" + "、".join(data.get("materials") or [])
    if ev_type == "materials_received":
        return "补正材料已收到，继续审查"
    if ev_type == "approved":
        w = _window(s, c.first_window_id)
        return f"已办结，请到{w.number}号窗口领取" if w else "已办结，请到首问窗口领取"
    if ev_type == "rejected":
        return "不予许可：" + (data.get("reason") or "")
    if ev_type == "delivered":
        if data.get("method") == "post":
            return "已送达（邮寄" + (f"，{data['note']}" if data.get("note") else "") + "）"
        return "已送达（窗口领取）"
    return ev_type


def progress(s: Session, c: Case, today: date) -> dict[str, Any]:
    """The case's public progress: steps, due date, state in words; never the applicant."""
    site = s.get_one(Site, c.site_id)
    d = cases.case_dict(s, c, calendar.load(s, site.id), today, cases.pause_awaiting(site))
    sv = s.get(Service, c.service_id)
    w = _window(s, c.first_window_id)
    due = date.fromisoformat(d["due_date"])
    due_text = f"承诺办结日期：{cn_date(due)}（{c.promised_days}个工作日，不含受理当日"
    due_text += f"；待补正的{d['paused_days']}个工作日不计）" if d["paused_days"] else "）"
    steps = [
        {
            "type": e["type"],
            "text": _step_text(s, c, e["type"], e["data"]),
            "day": e["day"],
            "date_text": cn_date(date.fromisoformat(e["day"])),
        }
        for e in d["events"]
    ]
    state_text = STATE_TEXT[c.state]
    if c.state == CaseState.READY:
        state_text = f"已办结，请到{w.number}号窗口领取" if w else "已办结，请到首问窗口领取"
    return {
        "number": c.number,
        "service": sv.name if sv else "",
        "state": c.state,
        "state_text": state_text,
        "accepted_on": c.day.isoformat(),
        "due_date": d["due_date"],
        "due_text": due_text,
        "overdue": d["overdue"],
        "paused_days": d["paused_days"],
        "materials": d["materials"],
        "pickup_window": {"number": w.number, "name": w.name} if w else None,
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
        return progress(s, c, read_models.today(s.get_one(Site, c.site_id), now))


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
