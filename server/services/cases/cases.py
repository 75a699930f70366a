"""Cases (办件): open one at the counter, move it through review to delivery, read it.

Every change writes one CaseEvent (who, where, when); the due date, paused days and the overdue
flag are computed from those events and the hall's calendar (engine/calendar.py), never stored
guesses. Personal data (the applicant's name and phone) is shown in full only to staff who may
work on the case; everywhere else it is masked.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine import states
from ...engine.calendar import OPEN_STATES, CaseClock, WorkCalendar, case_clock
from ...engine.cases import CaseState, format_case_number, mask_name, mask_phone, next_case_state
from ...engine.errors import InvalidInput, NotFound
from ...engine.numbering import local_time
from ...storage.models import Case, CaseEvent, Service, Site, Staff, Ticket, Window, WindowService
from ...storage.uow import UnitOfWork
from ..access.principal import Forbidden, Principal
from ..calendar import calendar
from ..context import Context
from ..notices import notices
from ..queue import read_models
from . import case_numbers
from .case_settings import pause_awaiting


def is_promised(sv: Service) -> bool:
    """An item with a promised time (承诺件, also joint and agency items with days): it opens a case."""
    return states.is_promised(sv.mode, sv.promised_days)


def _event(
    s: Session,
    site: Site,
    c: Case,
    type_: str,
    before: str | None,
    now: datetime,
    who: Principal | None,
    window_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    ev = CaseEvent(
        site_id=site.id,
        case_id=c.id,
        type=type_,
        from_state=before,
        to_state=c.state,
        at=now,
        day=local_time(now, site.timezone).date(),
        staff_id=who.id if who and who.is_staff else None,
        window_id=window_id,
        data=data or {},
    )
    s.add(ev)
    return ev


def open_case(
    uow: UnitOfWork,
    site: Site,
    t: Ticket,
    w: Window | None,
    who: Principal,
    now: datetime,
    applicant: dict[str, str],
) -> dict[str, Any]:
    """受理: open the case of a promised item finished at the counter (inside the ticket's unit of work)."""
    s = uow.session
    sv = s.get_one(Service, t.service_id)
    if not is_promised(sv):
        raise InvalidInput(
            f"{sv.name} is not a promised item (承诺件): finish it as done or refused",
            field="outcome",
        )
    name, phone = (applicant.get("name") or "").strip(), (applicant.get("phone") or "").strip()
    if not name or not phone:
        raise InvalidInput(
            "an accepted case needs the applicant's name and phone", field="applicant"
        )
    day = local_time(now, site.timezone).date()
    seq_no = case_numbers.next_number(s, site.id, day)
    cal = calendar.load(s, site.id)
    c = Case(
        site_id=site.id,
        number=format_case_number(day.isoformat(), seq_no),
        day=day,
        seq_no=seq_no,
        service_id=sv.id,
        ticket_id=t.id,
        window_id=w.id if w else None,
        staff_id=who.id if who.is_staff else None,
        first_window_id=t.first_window_id or (w.id if w else None),
        applicant_name=name[:100],
        applicant_phone=phone[:30],
        notify=bool(applicant.get("notify")),
        state=CaseState.ACCEPTED.value,
        promised_days=sv.promised_days,
        accepted_at=now,
        due_date=cal.add_workdays(day, sv.promised_days),
        paused_days=0,
        materials=[],
        delivery={},
    )
    s.add(c)
    s.flush()
    _event(
        s,
        site,
        c,
        "accepted",
        None,
        now,
        who,
        c.window_id,
        {"promised_days": sv.promised_days, "due_date": c.due_date.isoformat()},
    )
    _emit(uow, site, t.public_id, c)
    return {"id": c.id, "number": c.number, "due_date": c.due_date.isoformat(), "state": c.state}


def _windows_serving(s: Session, service_id: int, window_ids: frozenset[int]) -> bool:
    if not window_ids:
        return False
    return (
        s.scalar(
            select(WindowService.window_id)
            .where(WindowService.service_id == service_id, WindowService.window_id.in_(window_ids))
            .limit(1)
        )
        is not None
    )


def may_work(s: Session, who: Principal, c: Case) -> bool:
    """Staff of a window that serves the case's item, and supervisors."""
    return who.is_supervisor or (who.is_staff and _windows_serving(s, c.service_id, who.window_ids))


def may_deliver(s: Session, who: Principal, c: Case) -> bool:
    """Supervisors, and clerks of the first-ask window or of a comprehensive window (统一送达)."""
    if who.is_supervisor:
        return True
    if not who.is_staff or not who.window_ids:
        return False
    if c.first_window_id in who.window_ids:
        return True
    return (
        s.scalar(
            select(Window.id)
            .where(Window.id.in_(who.window_ids), Window.kind == "comprehensive")
            .limit(1)
        )
        is not None
    )


def may_reveal(s: Session, who: Principal, c: Case) -> bool:
    """Who may see the applicant in full: those who may work on or deliver the case."""
    return may_work(s, who, c) or may_deliver(s, who, c)


def _load(s: Session, who: Principal, case_id: int, lock: bool = False) -> Case:
    q = select(Case).where(Case.id == case_id)
    c = s.scalar(q.with_for_update() if lock else q)
    if c is None or c.site_id != who.site_id:
        raise NotFound(f"no case {case_id}")
    return c


def clock_of(s: Session, c: Case, cal: WorkCalendar, today: date, pause: bool) -> CaseClock:
    """The case's clock from its events."""
    evs = s.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.id))
    moves = [(e.day, e.to_state) for e in evs if e.type != "accepted"]
    return case_clock(cal, c.day, c.promised_days, moves, today, pause)


def move(
    ctx: Context,
    who: Principal,
    case_id: int,
    action: str,
    *,
    materials: list[str] | None = None,
    note: str | None = None,
    reason: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    """Move a case (review, request-materials, materials-received, approve, reject, deliver)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        c = _load(s, who, case_id, lock=True)
        allowed = may_deliver(s, who, c) if action == "deliver" else may_work(s, who, c)
        if not allowed:
            raise Forbidden(
                "deliver: the first-ask or a comprehensive window; other moves: the item's windows"
                if action == "deliver"
                else "only staff of a window serving this item, or a supervisor"
            )
        target, event_type = next_case_state(c.state, action)
        data: dict[str, Any] = {}
        if action == "request-materials":
            wanted = [m.strip() for m in (materials or []) if m and m.strip()]
            if not wanted:
                raise InvalidInput("name the missing materials", field="materials")
            c.materials = wanted
            data["materials"] = wanted
        elif action == "materials-received":
            data["materials"] = list(c.materials or [])
            c.materials = []
        elif action == "reject":
            if not reason or not reason.strip():
                raise InvalidInput("a rejection (不予许可) needs a reason", field="reason")
            c.reason = reason.strip()
            data["reason"] = c.reason
        elif action == "deliver":
            if method not in ("window", "post"):
                raise InvalidInput("method must be window or post", field="method")
            if method == "post" and not (note and note.strip()):
                raise InvalidInput("delivery by post needs the tracking note", field="note")
            c.delivery = {"method": method, "note": (note or "").strip()}
            c.delivered_at = now
            data.update(c.delivery)
        if note and action != "deliver":
            data["note"] = note.strip()
        before = c.state
        c.state = target.value
        if target in (CaseState.READY, CaseState.REJECTED):
            c.completed_at = now
        site = s.get_one(Site, c.site_id)
        # where the move was made: the window this clerk has open, if any (supervisors: none)
        window_id = (
            s.scalar(
                select(Window.id)
                .where(Window.staff_id == who.id, Window.id.in_(who.window_ids))
                .limit(1)
            )
            if who.is_staff and who.window_ids
            else None
        )
        _event(s, site, c, event_type, before, now, who, window_id, data)
        if target == CaseState.READY:
            notices.case_ready(s, site, c, now)  # stored with the move, sent after commit
        s.flush()
        cal = calendar.load(s, site.id)
        clk = clock_of(s, c, cal, read_models.today(site, now), pause_awaiting(site))
        c.due_date, c.paused_days = clk.due_date, clk.paused_days
        t = s.get_one(Ticket, c.ticket_id)
        _emit(uow, site, t.public_id, c)
        out = case_dict(s, c, cal, read_models.today(site, now), pause_awaiting(site))
        out["can_reveal"] = may_reveal(s, who, c)
        uow.commit()
        return out


def _emit(uow: UnitOfWork, site: Site, public_id: str, c: Case) -> None:
    """Tell the ticket's own page and the hall that a case changed (no personal data)."""
    body = {
        "id": c.id,
        "number": c.number,
        "state": c.state,
        "ticket_id": c.ticket_id,
        "due_date": c.due_date.isoformat(),
    }
    uow.emit("case.updated", {"case": body}, f"ticket:{public_id}")
    uow.emit(
        "case.updated",
        {"seq": read_models.next_seq(uow.session, site.id), "case": body},
        f"site:{site.id}",
    )


def case_dict(
    s: Session,
    c: Case,
    cal: WorkCalendar,
    today: date,
    pause: bool,
    *,
    with_events: bool = True,
) -> dict[str, Any]:
    """A case as staff see it, the applicant masked (`reveal` shows it in full, audited)."""
    evs = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id).order_by(CaseEvent.id)))
    moves = [(e.day, e.to_state) for e in evs if e.type != "accepted"]
    clk = case_clock(cal, c.day, c.promised_days, moves, today, pause)
    sv = s.get(Service, c.service_id)
    out: dict[str, Any] = {
        "id": c.id,
        "number": c.number,
        "service_id": c.service_id,
        "service_name": sv.name if sv else "",
        "service_name_en": (sv.name_en or sv.name) if sv else "",
        "ticket_id": c.ticket_id,
        "state": c.state,
        "accepted_at": read_models.iso(c.accepted_at),
        "due_date": clk.due_date.isoformat(),
        "completed_at": read_models.iso(c.completed_at),
        "delivered_at": read_models.iso(c.delivered_at),
        "overdue": clk.overdue,
        "paused_days": clk.paused_days,
        "first_window_id": c.first_window_id,
        "window_id": c.window_id,
        "staff_id": c.staff_id,
        "promised_days": c.promised_days,
        "materials": list(c.materials or []),
        "reason": c.reason,
        "delivery": c.delivery or None,
        "on_time": clk.on_time,
        "applicant": {
            "name": mask_name(c.applicant_name),
            "phone": mask_phone(c.applicant_phone),
        },
    }
    if with_events:
        names = _staff_names(s, {e.staff_id for e in evs if e.staff_id})
        out["events"] = [
            {
                "type": e.type,
                "from": e.from_state,
                "to": e.to_state,
                "at": read_models.iso(e.at),
                "day": e.day.isoformat(),
                "staff_id": e.staff_id,
                "staff_name": names.get(e.staff_id or 0),
                "window_id": e.window_id,
                "data": e.data,
            }
            for e in evs
        ]
    return out


def _staff_names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {st.id: st.name for st in s.scalars(select(Staff).where(Staff.id.in_(ids)))}


def get(ctx: Context, who: Principal, case_id: int) -> dict[str, Any]:
    """One case with its events, the applicant masked."""
    if not who.is_staff:
        raise Forbidden("cases are for staff")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        c = _load(s, who, case_id)
        site = s.get_one(Site, c.site_id)
        out = case_dict(
            s, c, calendar.load(s, site.id), read_models.today(site, now), pause_awaiting(site)
        )
        out["can_reveal"] = may_reveal(s, who, c)
        return out


def reveal(ctx: Context, who: Principal, case_id: int) -> dict[str, Any]:
    """The applicant's name and phone in full, for staff who may work on or deliver the case.

    A write unit of work on purpose: the API's audit row of this call (who, which case, when) is
    written by its commit, so the data is never answered without the record of who asked for it.
    The row keeps the request, never the answer."""
    if not who.is_staff:
        raise Forbidden("cases are for staff")
    with ctx.uow() as uow:
        s = uow.session
        c = _load(s, who, case_id)
        if not may_reveal(s, who, c):
            raise Forbidden(
                "only staff of a window serving this item, the first-ask or a comprehensive "
                "window, or a supervisor may see the applicant in full"
            )
        out = {
            "id": c.id,
            "number": c.number,
            "applicant": {"name": c.applicant_name, "phone": c.applicant_phone},
        }
        uow.commit()
        return out


def list_cases(
    ctx: Context,
    who: Principal,
    state: str | None = None,
    overdue: bool | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Cases of the hall, newest first, with the applicant masked; `overdue=True`: only overdue ones."""
    if not who.is_staff:
        raise Forbidden("cases are for staff")
    if state is not None and state not in {st.value for st in CaseState}:
        raise InvalidInput(f"unknown state {state}", field="state")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        q = select(Case).where(Case.site_id == site.id)
        if state:
            q = q.where(Case.state == state)
        if overdue:
            q = q.where(Case.state.in_(OPEN_STATES))
        cal, today, pause = (
            calendar.load(s, site.id),
            read_models.today(site, now),
            pause_awaiting(site),
        )
        out = []
        for c in s.scalars(q.order_by(Case.id.desc()).limit(limit)):
            d = case_dict(s, c, cal, today, pause, with_events=False)
            if overdue is None or d["overdue"] == overdue:
                out.append(d)
        return out
