"""Ticket commands: issue, call next, recall, start, finish, no-show, transfer, park."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..engine import ordering
from ..engine.errors import (
    DailyCapReached,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OutsideHours,
    QueueEmpty,
    ServiceUnavailable,
    WindowBusy,
    WindowNotOpen,
)
from ..engine.hours import is_open
from ..engine.numbering import business_day, format_number, local_time
from ..engine.states import Action, Outcome, Priority, TicketState, WindowState, next_state
from ..storage import fast, seqs, statements
from ..storage.db import UnitOfWork
from ..storage.models import (
    Counter,
    Service,
    ServiceDayCount,
    Site,
    Ticket,
    TicketEvent,
    Window,
)
from . import appointment_checkin, case_outcomes, printing, views
from .context import Context
from .principal import Forbidden, Principal

ROOM_SITE = "site:{}"


def _bump(session: Session, model: Any, **keys: Any) -> int:
    """Bump a counter row (Counter or ServiceDayCount) by one in one atomic statement; its new value."""
    return int(fast.scalar(session, statements.bump, keys, (model, fast.dialect_name(session))))


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (a CursorResult's rowcount; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)


def record(
    s: Session,
    site: Site,
    t: Ticket,
    type_: str,
    from_state: str | None,
    now: datetime,
    who: Principal | None,
    *,
    window_id: int | None = None,
    duration_s: float | None = None,
    data: dict[str, Any] | None = None,
    seq: Any = None,
) -> TicketEvent:
    """Append one TicketEvent: who did what to which ticket, where and when."""
    local = local_time(now, site.timezone)
    wait = None
    if type_ == "called" and s.scalar(select(TicketEvent.id).where(
            TicketEvent.ticket_id == t.id, TicketEvent.type == "called").limit(1)) is None:
        # the report's wait is per ticket, first call − arrival; later calls (after a transfer,
        # a 补正 or a reactivation) keep their queue wait in duration_s only
        wait = (now - t.issued_at).total_seconds()
    ev = TicketEvent(
        site_id=site.id,
        ticket_id=t.id,
        type=type_,
        from_state=from_state,
        to_state=t.state,
        at=now,
        day=local.date(),
        hour=local.hour,
        service_id=t.service_id,
        window_id=window_id if window_id is not None else t.window_id,
        staff_id=who.id if who is not None and who.is_staff else None,
        device_id=who.id if who is not None and not who.is_staff else None,
        duration_s=duration_s,
        elapsed_s=(now - t.issued_at).total_seconds(),
        wait_s=wait,
        data=data or {},
    )
    seqs.attach(s, seq, ev)  # the number itself is taken at commit
    s.add(ev)
    return ev


def _emit_queue(uow: UnitOfWork, site: Site, now: datetime) -> dict[str, int]:
    s = uow.session
    waiting = views.waiting_counts(s, site.id, views.today(site, now))
    uow.emit("queue.changed", {"seq": views.next_seq(s, site.id), "waiting": waiting}, ROOM_SITE.format(site.id))
    return waiting


def _emit_ticket(uow: UnitOfWork, site: Site, t: Ticket, body: dict[str, Any] | None = None,
                 called: bool = False) -> None:
    """`ticket.updated` to the hall and to the ticket's own page (`body`: its dict, if already made).

    After a call (`called`) the hall is told by `ticket.called`, which every screen and clerk page
    acts on; a second event to each of a hall's hundreds of connections would only slow the next
    call's delivery, so then only the ticket's own page hears it (with no site `seq`, which that
    page, knowing nothing else of the hall, does not follow)."""
    s = uow.session
    body = body if body is not None else views.ticket_dict(s, t)
    if called:
        uow.emit("ticket.updated", {"ticket": body}, f"ticket:{t.public_id}")
        return
    payload = {"seq": views.next_seq(s, site.id), "ticket": body}
    uow.emit("ticket.updated", payload, ROOM_SITE.format(site.id))
    uow.emit("ticket.updated", payload, f"ticket:{t.public_id}")


def _emit_window(uow: UnitOfWork, site: Site, w: Window) -> None:
    s = uow.session
    payload = {"seq": views.next_seq(s, site.id), "window": views.window_dict(s, w)}
    uow.emit("window.changed", payload, ROOM_SITE.format(site.id))


Vouch = Callable[[Session, Site, Ticket, datetime], None]


def issue(ctx: Context, who: Principal, service_id: int, priority: str = "normal",
          vouch: Vouch | None = None) -> dict[str, Any]:
    """Issue a numbered ticket for an item: atomic, gapless, within the daily cap and hours.

    `vouch`, when given, runs inside the same unit of work once the ticket exists (a staff
    confirmation code is claimed there); if it raises, nothing is written and no number is used.
    """
    if who.is_staff is False and who.role != "kiosk":
        raise Forbidden("only kiosks and staff issue tickets")
    try:
        prio = Priority(priority)
    except ValueError:
        raise InvalidInput("priority must be normal, priority or green", field="priority") from None
    now = ctx.clock.now()
    # Issuing is the hall's busiest write, and on SQLite its time inside the write lock is the hall's
    # ceiling. So the item, its hours and the kiosk's printer are read before the lock (a change of
    # the catalogue racing a ticket is as if it came a moment later), and the write runs prebuilt
    # statements on the driver's cursor (storage/fast.py), without an ORM session unless a
    # confirmation code must be claimed.
    item = fast.read_first(ctx.db.reader, statements.issue_context,
                           {"service_id": service_id, "device_id": None if who.is_staff else who.id})
    if item is None or item.site_id != who.site_id:
        raise NotFound(f"no service {service_id}", field="service_id")
    if not item.active or not item.department_active:
        raise ServiceUnavailable(f"{item.name} is not available now")
    local = local_time(now, item.timezone)
    if item.enforce_hours and not is_open(item.site_hours, local, item.holidays):
        raise OutsideHours("the hall is not taking tickets at this time")
    if item.hours and not is_open(item.hours, local, item.holidays):
        raise OutsideHours(f"{item.name} is taken only in its own hours", service_id=service_id,
                           hours=item.hours)
    day = business_day(now, item.timezone, item.reset_hour)
    with ctx.uow(lean=vouch is None) as uow:
        s = uow.session
        if item.daily_cap is not None:
            if _bump(s, ServiceDayCount, service_id=service_id, day=day) > item.daily_cap:
                raise DailyCapReached(f"{item.name} has reached today's limit of {item.daily_cap} tickets")
        value = _bump(s, Counter, site_id=item.site_id, prefix=item.prefix, day=day)
        printer = item.printer
        fields: dict[str, Any] = {
            "public_id": secrets.token_urlsafe(12), "site_id": item.site_id, "service_id": service_id,
            "number": format_number(item.prefix, value), "prefix": item.prefix, "seq_no": value, "day": day,
            "priority": prio.value, "state": TicketState.WAITING.value, "device_id": None if who.is_staff else who.id,
            "issued_at": now, "queued_at": now, "print_state": "queued" if printer else None,
            "recall_count": 0, "transfer_count": 0,
        }
        fields["id"] = fast.scalar(s, statements.insert_row, fields, (Ticket, tuple(fields), True))
        event = {
            "site_id": item.site_id, "ticket_id": fields["id"], "type": "issued", "from_state": None,
            "to_state": TicketState.WAITING.value, "at": now, "day": local.date(), "hour": local.hour,
            "service_id": service_id, "window_id": None, "staff_id": who.id if who.is_staff else None,
            "device_id": None if who.is_staff else who.id, "duration_s": None, "elapsed_s": 0.0, "wait_s": None,
            "data": {"priority": prio.value}, "seq": None}
        fast.run(s, statements.insert_row, event, (TicketEvent, tuple(event)))
        if vouch is not None:
            vouch(s, s.get_one(Site, item.site_id), s.get_one(Ticket, fields["id"]), now)
        t = views.TicketRow(**fields)
        if printer:
            printing.enqueue(uow, t, who.id, printer, now)  # same transaction; printed off the request path
        waiting = views.waiting_counts(s, item.site_id, day)
        uow.emit("queue.changed", {"seq": views.next_seq(s, item.site_id), "waiting": waiting},
                 ROOM_SITE.format(item.site_id))
        # a new normal ticket is behind everyone waiting for its item; others need the query
        ahead = waiting.get(str(service_id), 1) - 1 if prio == Priority.NORMAL else None
        if ahead is None:
            ahead = views.waiting_ahead(s, t)  # needs the transaction; the rest of the answer does not
        uow.created(t.id)
        uow.commit()
        return views.ticket_dict(s, t, ahead=ahead)


def works_at(who: Principal, w: Window) -> bool:
    """True when `who` opened `w` and may still work there.

    Opening is not enough: a clerk whose assignment an admin removed keeps no rights at the
    window, even in the seconds before the window is released (supervisors need no assignment).
    """
    return who.is_staff and w.staff_id == who.id and (who.is_supervisor or w.id in who.window_ids)


def may_see(who: Principal, w: Window) -> bool:
    """Who may read a window's waiting list: its assigned clerks, supervisors and admins."""
    return who.is_supervisor or (who.is_staff and w.id in who.window_ids)




def _window_for_clerk(s: Session, who: Principal, window_id: int, lock: bool = True) -> Window:
    q = select(Window).where(Window.id == window_id)
    if lock:
        q = q.with_for_update()
    w = s.scalar(q)
    if w is None or w.site_id != who.site_id:
        raise NotFound(f"no window {window_id}")
    return w


def _candidates(s: Session, site_id: int, day: date, window_id: int, weights: dict[int, int],
                skip: set[int], per_queue: int = 1) -> list[ordering.Candidate]:
    """Waiting tickets this window may call: the oldest `per_queue` of each (item, class) queue it
    serves, and every ticket transferred to it (`skip`: tickets another window is taking).

    The call order only ever takes the oldest ticket of a queue, so these are all it can choose
    from, found with one index step per queue (statements.queue_heads)."""
    services = sorted(weights)
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(statements.queue_heads_pg(),
                            statements.queue_heads_pg_params(site_id, day, window_id, services, skip, per_queue))
    else:
        rows = conn.execute(statements.queue_heads(len(services), bool(skip)),
                            statements.queue_heads_params(site_id, day, window_id, services, skip, per_queue))
    return [ordering.Candidate(r[0], r[1], Priority(r[2]), r[3], r[4]) for r in rows]


def call_next(ctx: Context, who: Principal, window_id: int) -> dict[str, Any]:
    """Call the next ticket at a window: claimed by compare-and-set, never handed out twice."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        w = _window_for_clerk(s, who, window_id)  # row lock: one call-next per window at a time
        if not works_at(who, w):
            raise Forbidden("only the clerk who opened this window, and is assigned to it, may call")
        if w.state != WindowState.OPEN:
            raise WindowNotOpen(f"window {w.number} is {w.state}", state=w.state)
        held = views.held_ticket(s, w.id)
        if held is not None:
            raise WindowBusy(f"window {w.number} still holds {held.number} ({held.state})", ticket_id=held.id)
        site = s.get_one(Site, w.site_id)
        day = views.today(site, now)
        weights = views.window_services(s, w.id)
        skip: set[int] = set()
        postgres = s.get_bind().dialect.name == "postgresql"
        while True:
            cands = _candidates(s, site.id, day, w.id, weights, skip)
            # --- booking hook (issue 19): a checked-in booking within its slot goes first, walk-ins
            # never starved (services/appointment_checkin.py); move onto the subscriber registry
            pick = appointment_checkin.booked_pick(s, site, w.id, weights, day, now, skip, cands)
            if pick is None:
                pick = ordering.pick_next(cands, w.id, weights, w.priority_streak, site.priority_ratio)
            if pick is None:
                raise QueueEmpty("no ticket is waiting for this window")
            if postgres and s.scalar(select(Ticket.id).where(Ticket.id == pick.ticket_id)
                                     .with_for_update(skip_locked=True)) is None:
                skip.add(pick.ticket_id)  # another window is calling it right now: take the next one
                continue
            claimed = _rowcount(s.execute(
                update(Ticket)
                .where(Ticket.id == pick.ticket_id, Ticket.state == TicketState.WAITING)
                .values(state=TicketState.CALLED, window_id=w.id, staff_id=who.id, called_at=now, target_window_id=None)
            ))
            if claimed == 1:
                break
            skip.add(pick.ticket_id)  # another window won it
        t = s.get_one(Ticket, pick.ticket_id, populate_existing=True)
        w.priority_streak = ordering.next_streak(w.priority_streak, pick.priority)
        seq = views.next_seq(s, site.id)
        record(s, site, t, "called", TicketState.WAITING, now, who, window_id=w.id,
               duration_s=(now - t.queued_at).total_seconds(), seq=seq)
        text = views.call_text(site, t.number, w.number)
        uow.emit("ticket.called", views.call_payload(seq, t, w, False, text), ROOM_SITE.format(site.id))
        out = views.ticket_dict(s, t)
        _emit_ticket(uow, site, t, out, called=True)
        _emit_queue(uow, site, now)
        uow.commit()
        return out


def _load_for_action(s: Session, who: Principal, ticket_id: int) -> tuple[Ticket, Site, Window | None]:
    t = s.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if t is None or t.site_id != who.site_id:
        raise NotFound(f"no ticket {ticket_id}")
    site = s.get_one(Site, t.site_id)
    w = s.get(Window, t.window_id) if t.window_id else None
    return t, site, w


def _check_clerk(who: Principal, w: Window | None) -> None:
    """Clerk of the ticket's window (the one who opened it), or a supervisor."""
    if who.is_supervisor:
        return
    if w is None or not works_at(who, w):
        raise Forbidden("only the clerk of this ticket's window or a supervisor may do this")


def act(
    ctx: Context, who: Principal, ticket_id: int, action: Action, *, outcome: str | None = None,
    reason: str | None = None, case_input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply a life-cycle action (recall, start, finish, no-show, cancel, park, resume, reactivate)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t, site, w = _load_for_action(s, who, ticket_id)
        if action in (Action.REACTIVATE,) or (action == Action.CANCEL and t.state == TicketState.WAITING):
            if not who.is_supervisor:
                raise Forbidden("only a supervisor may do this")
        else:
            _check_clerk(who, w)
        if action == Action.FINISH and outcome == Outcome.PARKED:
            action = Action.PARK
        before = t.state
        t.state = next_state(before, action)
        if action in (Action.RESUME, Action.REACTIVATE) and t.day != views.today(site, now):
            raise InvalidTransition("a ticket from an earlier day cannot rejoin today's queue; issue a new one")
        duration: float | None = None
        data: dict[str, Any] = {}
        opened: dict[str, Any] | None = None
        was_waiting_change = action in (Action.CANCEL, Action.RESUME, Action.REACTIVATE, Action.PARK)
        if action == Action.RECALL:
            t.recall_count += 1
            t.called_at = t.called_at or now
        elif action == Action.START:
            t.started_at = now
        elif action in (Action.FINISH, Action.PARK):
            t.finished_at = now
            duration = (now - t.started_at).total_seconds() if t.started_at else None
            t.outcome = Outcome.PARKED.value if action == Action.PARK else (outcome or Outcome.DONE.value)
            if t.outcome == Outcome.REFUSED and not reason:
                raise InvalidInput("a refusal (不予受理) needs a reason", field="reason")
            t.note = reason or t.note
            data = {"outcome": t.outcome, **({"reason": reason} if reason else {})}
            # ---- cases (issue 17): 受理 opens a case; 补正 records the missing materials ----
            opened = case_outcomes.on_finish(uow, site, t, w, who, now, case_input or {}, data)
        elif action == Action.NO_SHOW:
            t.finished_at = now
        elif action == Action.CANCEL:
            t.finished_at = now
            data = {"reason": reason} if reason else {}
        elif action in (Action.RESUME, Action.REACTIVATE):
            # back in the queue: keep the original issue time so the visitor keeps their place
            t.queued_at = now
            t.window_id = None
            t.called_at = t.started_at = t.finished_at = None
            t.outcome = None
        event_type = {Action.RECALL: "recalled", Action.START: "started", Action.FINISH: "finished",
                      Action.NO_SHOW: "no_show", Action.CANCEL: "cancelled", Action.PARK: "parked",
                      Action.RESUME: "resumed", Action.REACTIVATE: "reactivated"}[action]
        seq = None
        if action == Action.RECALL and w is not None:
            seq = views.next_seq(s, site.id)
            text = views.call_text(site, t.number, w.number)
            uow.emit("ticket.called", views.call_payload(seq, t, w, True, text), ROOM_SITE.format(site.id))
        record(s, site, t, event_type, before, now, who, window_id=w.id if w else None,
               duration_s=duration, data=data, seq=seq)
        out = views.ticket_dict(s, t)
        if opened is not None:  # cases (issue 17): the case that 受理 opened
            out["case"] = opened
        _emit_ticket(uow, site, t, out, called=action == Action.RECALL and w is not None)
        if was_waiting_change or before == TicketState.WAITING:
            _emit_queue(uow, site, now)
        uow.commit()
        return out


def transfer(
    ctx: Context, who: Principal, ticket_id: int, *, service_id: int | None = None,
    window_id: int | None = None, note: str | None = None,
) -> dict[str, Any]:
    """Send a ticket to another item or window with the same number; the first-ask window stays responsible."""
    if (service_id is None) == (window_id is None):
        raise InvalidInput("give either service_id or window_id", field="service_id")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t, site, w = _load_for_action(s, who, ticket_id)
        if w is None or not (who.is_supervisor or works_at(who, w)):
            raise Forbidden("only the clerk of this ticket's window may transfer it")
        before = t.state
        t.state = next_state(before, Action.TRANSFER)
        data: dict[str, Any] = {"from_window_id": w.id, "from_service_id": t.service_id}
        if service_id is not None:
            svc = s.get(Service, service_id)
            if svc is None or svc.site_id != site.id or not svc.active or not svc.department.active:
                raise NotFound(f"no active service {service_id}", field="service_id")
            t.service_id = svc.id
            t.target_window_id = None
            data["to_service_id"] = svc.id
        else:
            target = s.get(Window, window_id)
            if target is None or target.site_id != site.id or not target.active:
                raise NotFound(f"no window {window_id}", field="window_id")
            if target.id == w.id:
                raise InvalidInput("a ticket cannot be transferred to its own window", field="window_id")
            t.target_window_id = target.id
            data["to_window_id"] = target.id
        if note:
            data["note"] = note
            t.note = note
        t.first_window_id = t.first_window_id or w.id
        t.transfer_count += 1
        served = (now - t.started_at).total_seconds() if t.started_at else None
        record(s, site, t, "transferred", before, now, who, window_id=w.id, duration_s=served, data=data)
        t.window_id = None
        t.queued_at = now
        t.called_at = t.started_at = None
        out = views.ticket_dict(s, t)
        _emit_ticket(uow, site, t)
        _emit_queue(uow, site, now)
        uow.commit()
        return out


def get(ctx: Context, who: Principal, ticket_id: int) -> dict[str, Any]:
    """One ticket, as staff and devices see it."""
    with ctx.uow(write=False) as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        return views.ticket_dict(uow.session, t)


def history(ctx: Context, who: Principal, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's events, oldest first."""
    with ctx.uow(write=False) as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        evs = uow.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))
        return [
            {"type": e.type, "from": e.from_state, "to": e.to_state, "at": views.iso(e.at), "window_id": e.window_id,
             "staff_id": e.staff_id, "device_id": e.device_id, "data": e.data}
            for e in evs
        ]


def waiting_list(ctx: Context, who: Principal, window_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Waiting tickets a window may serve, in the order it would call them."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        w = _window_for_clerk(s, who, window_id, lock=False)
        if not may_see(who, w):
            raise Forbidden(f"only the clerks assigned to window {w.number} and supervisors see its queue")
        site = s.get_one(Site, w.site_id)
        weights = views.window_services(s, w.id)
        # the first `limit` calls come from at most the first `limit` tickets of each queue
        pool = _candidates(s, site.id, views.today(site, now), w.id, weights, set(), per_queue=limit)
        order: list[int] = []
        streak = w.priority_streak
        while pool and len(order) < limit:
            pick = ordering.pick_next(pool, w.id, weights, streak, site.priority_ratio)
            if pick is None:
                break
            order.append(pick.ticket_id)
            streak = ordering.next_streak(streak, pick.priority)
            pool = [c for c in pool if c.ticket_id != pick.ticket_id]
        found = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(order)))} if order else {}
        return [views.ticket_dict(s, found[i], with_ahead=False) for i in order]
