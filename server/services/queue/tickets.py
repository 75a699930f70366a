"""Ticket commands: issue, call next, recall, start, finish, no-show, transfer, park."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from ...engine import events as ev
from ...engine import ordering
from ...engine.errors import (
    DailyCapReached,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QueueEmpty,
    ServiceUnavailable,
    WindowBusy,
    WindowNotOpen,
)
from ...engine.numbering import business_day, format_number, local_time
from ...engine.states import Action, Outcome, Priority, TicketState, WindowState, next_state
from ...storage import statements
from ...storage.models import (
    Appointment,
    Counter,
    Service,
    ServiceDayCount,
    Site,
    Ticket,
    TicketEvent,
    Window,
)
from ...storage.uow import UnitOfWork, of
from ..access.principal import Forbidden, Principal, check_may_issue
from ..booking import booking_settings
from ..calendar import service_periods
from ..context import Context
from ..printing import printing
from . import call_order, read_models
from .queue_events import queue_changed, record, ref, ticket_called, ticket_changed

ROOM_SITE = "site:{}"  # kept for callers outside the queue; the realtime subscriber owns room names


def _bump(uow: UnitOfWork, model: Any, **keys: Any) -> int:
    """Bump a counter row (Counter or ServiceDayCount) by one in one atomic statement; its new value."""
    return int(uow.execute(statements.bump(model, uow.db.dialect), keys).scalar_one())


@cache
def _claim() -> Any:
    """Claim waiting ticket `:id` for a window by compare-and-set; the ticket, if this call won it."""
    return (
        update(Ticket)
        .where(Ticket.id == bindparam("tid"), Ticket.state == TicketState.WAITING.value)
        .values(
            state=TicketState.CALLED.value,
            window_id=bindparam("window_id"),
            staff_id=bindparam("staff_id"),
            called_at=bindparam("now"),
            target_window_id=None,
        )
        .returning(Ticket)
    )


@cache
def _skip_locked() -> Any:
    return select(Ticket.id).where(Ticket.id == bindparam("tid")).with_for_update(skip_locked=True)


@cache
def _window_locked() -> Any:
    """A window, locked, with its hall (one statement: the hall is needed by every call)."""
    return (
        select(Window, Site)
        .join(Site, Site.id == Window.site_id)
        .where(Window.id == bindparam("wid"))
        .with_for_update(of=Window)
    )


@cache
def _ticket_locked() -> Any:
    """A ticket, locked, with its hall (one statement). Not its window: that is read once the lock is
    held, so a take-over that committed while we waited is seen (a joined row would be the old one)."""
    return (
        select(Ticket, Site)
        .join(Site, Site.id == Ticket.site_id)
        .where(Ticket.id == bindparam("tid"))
        .with_for_update(of=Ticket)
    )


@cache
def _ticket_with_window() -> Any:
    """A ticket with its hall and its window, in one statement: where the transaction already holds
    the database's one write lock (SQLite: BEGIN IMMEDIATE), no take-over can commit in between,
    so the joined window is the current one."""
    return (
        select(Ticket, Site, Window)
        .join(Site, Site.id == Ticket.site_id)
        .outerjoin(Window, Window.id == Ticket.window_id)
        .where(Ticket.id == bindparam("tid"))
    )


Vouch = Callable[[Session, Site, Ticket, datetime], None]


def issue(
    ctx: Context,
    who: Principal,
    service_id: int,
    priority: str = "normal",
    vouch: Vouch | None = None,
) -> dict[str, Any]:
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
    check_may_issue(who, prio.value, vouched=vouch is not None)
    now = ctx.clock.now()
    device_id = None if who.is_staff else who.id
    with ctx.uow() as uow:
        # what issuing needs to know of the item, its hall and the kiosk's printer, in one row, in the
        # transaction (a reader connection of its own cost four times this statement)
        item = uow.execute(
            statements.issue_context(), {"service_id": service_id, "device_id": device_id}
        ).first()
        if item is None or item.site_id != who.site_id:
            raise NotFound(f"no service {service_id}", field="service_id")
        if not item.active or not item.department_active:
            raise ServiceUnavailable(f"{item.name} is not available now")
        local = local_time(now, item.timezone)
        # the ordinary hours (the hall's, the item's own), else a 延时/错时 period taking the item
        service_periods.admit(uow.session, item, service_id, local)
        day = business_day(now, item.timezone, item.reset_hour)
        if item.daily_cap is not None:
            if _bump(uow, ServiceDayCount, service_id=service_id, day=day) > item.daily_cap:
                raise DailyCapReached(
                    f"{item.name} has reached today's limit of {item.daily_cap} tickets"
                )
        value = _bump(uow, Counter, site_id=item.site_id, prefix=item.prefix, day=day)
        fields: dict[str, Any] = {
            "public_id": secrets.token_urlsafe(12),
            "site_id": item.site_id,
            "service_id": service_id,
            "number": format_number(item.prefix, value),
            "prefix": item.prefix,
            "seq_no": value,
            "day": day,
            "priority": prio.value,
            "state": TicketState.WAITING.value,
            "device_id": device_id,
            "issued_at": now,
            "queued_at": now,
            "print_state": "queued" if item.printer else None,
            "recall_count": 0,
            "transfer_count": 0,
        }
        # one INSERT of the columns we have: the ORM's flush of a new object costs several times it
        tid = uow.execute(statements.insert_row(Ticket, tuple(fields), True), fields).scalar_one()
        t = Ticket(
            id=tid, **fields
        )  # the row as written (not read back, not attached to the session)
        uow.add_log(
            {
                "site_id": item.site_id,
                "ticket_id": tid,
                "type": "issued",
                "from_state": None,
                "to_state": TicketState.WAITING.value,
                "at": now,
                "day": local.date(),
                "hour": local.hour,
                "service_id": service_id,
                "window_id": None,
                "staff_id": who.id if who.is_staff else None,
                "device_id": device_id,
                "duration_s": None,
                "elapsed_s": 0.0,
                "wait_s": None,
                "data": {"priority": prio.value},
            }
        )
        if vouch is not None:
            s = uow.session
            vouch(s, s.get_one(Site, item.site_id), s.get_one(Ticket, tid), now)
        if item.printer and device_id is not None:
            printing.enqueue(
                uow, t, device_id, item.printer, now
            )  # same transaction; printed off the request path
        queue_changed(uow, item.site_id, day, ctx.queue_news)
        # Its place in the real call order (items sharing its windows count too: call_order.py),
        # read once its number is taken. On PostgreSQL the number's counter row is then locked until
        # the commit, so a kiosk issuing the same letter meanwhile waits, and reads this ticket
        # once it is there. Read before the number (5e2f6d5, to shorten that lock), two kiosks
        # issuing at once were both told 0 ahead.
        rules = call_order.HallRules(
            item.priority_ratio, item.site_settings, item.timezone, bool(item.has_periods)
        )
        ahead = call_order.new_ticket_ahead(uow.session, t, rules)
        out = read_models.ticket_dict(uow.session, t, ahead=ahead)
        uow.record(
            ev.TicketIssued(site_id=item.site_id, ticket=ref(t), view=out, device_id=device_id)
        )
        uow.created(tid)
        uow.commit()
        return out


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
    w = _window_and_site(s, who, window_id)[0] if lock else s.get(Window, window_id)
    if w is None or w.site_id != who.site_id:
        raise NotFound(f"no window {window_id}")
    return w


def _window_and_site(s: Session, who: Principal, window_id: int) -> tuple[Window, Site]:
    """The window, locked, and its hall. The caller keeps the hall: the session holds its objects
    only while something refers to them, and a hall dropped here was read again by the next
    `get_one(Site, ...)`."""
    row = s.execute(_window_locked(), {"wid": window_id}).first()
    if row is None or row[0].site_id != who.site_id:
        raise NotFound(f"no window {window_id}")
    return row[0], row[1]


def _candidates(
    s: Session,
    site_id: int,
    day: date,
    window_id: int,
    weights: dict[int, int],
    skip: set[int],
    per_queue: int = 1,
) -> list[ordering.Candidate]:
    """Waiting tickets this window may call: the oldest `per_queue` of each (item, class) queue it
    serves, and every ticket transferred to it (`skip`: tickets another window is taking).

    The call order only ever takes the oldest ticket of a queue, so these are all it can choose
    from, found with one index step per queue (statements.queue_heads)."""
    services = sorted(weights)
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            statements.queue_heads_pg(),
            statements.queue_heads_pg_params(site_id, day, window_id, services, skip, per_queue),
        )
    else:
        rows = conn.execute(
            statements.queue_heads(len(services), bool(skip)),
            statements.queue_heads_params(site_id, day, window_id, services, skip, per_queue),
        )
    return [ordering.Candidate(r[0], r[1], Priority(r[2]), r[3], r[4]) for r in rows]


def check_may_call(s: Session, who: Principal, w: Window) -> None:
    """A call at `w` by `who`: only its clerk, while it is open and holds no ticket."""
    if not works_at(who, w):
        raise Forbidden("only the clerk who opened this window, and is assigned to it, may call")
    if w.state != WindowState.OPEN:
        raise WindowNotOpen(f"window {w.number} is {w.state}", state=w.state)
    held = read_models.held_ticket(s, w.id)
    if held is not None:
        raise WindowBusy(
            f"window {w.number} still holds {held.number} ({held.state})", ticket_id=held.id
        )


def claim(uow: UnitOfWork, ticket_id: int, w: Window, who: Principal, now: datetime) -> Any:
    """Claim waiting ticket `ticket_id` for `w` by compare-and-set; the ticket, or None if it no
    longer waits (another window won it). The claim answers with the row it changed."""
    return uow.session.scalars(
        _claim(),
        {"tid": ticket_id, "window_id": w.id, "staff_id": who.id, "now": now},
        execution_options={"synchronize_session": False},
    ).first()


def announce_call(
    uow: UnitOfWork,
    site: Site,
    t: Ticket,
    w: Window,
    who: Principal,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """After `t` was claimed for `w`: the window's streak, the call's event and log row, committed;
    the ticket's view. One call is one event (`TicketCalled` carries the hall's waiting counts)."""
    w.priority_streak = ordering.next_streak(w.priority_streak, Priority(t.priority))
    out = read_models.ticket_dict(uow.session, t)
    called = ticket_called(uow, site, t, w, out, recall=False, day=read_models.today(site, now))
    record(
        uow.session,
        site,
        t,
        "called",
        TicketState.WAITING,
        now,
        who,
        window_id=w.id,
        duration_s=(now - t.queued_at).total_seconds(),
        seq=called,
        data=data,
    )
    uow.commit()
    return out


def call_next(ctx: Context, who: Principal, window_id: int) -> dict[str, Any]:
    """Call the next ticket at a window: claimed by compare-and-set, never handed out twice."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        # row lock: one call-next per window at a time
        w, site = _window_and_site(s, who, window_id)
        check_may_call(s, who, w)
        day = read_models.today(site, now)
        weights = read_models.window_services(s, w.id)
        skip: set[int] = set()
        postgres = uow.db.is_postgres
        # a running 延时/错时 period's own tickets go to its windows (service_periods.reserved_for)
        reserved = service_periods.reserved_for(s, site, w.id, local_time(now, site.timezone))
        while True:
            cands = _candidates(s, site.id, day, w.id, weights, skip)
            booked = _booked(s, site, w.id, weights, day, now, skip, reserved)
            if reserved:
                cands = [c for c in cands if not _held(reserved, c, w.id)]
            pick = ordering.pick_next(
                cands, w.id, weights, w.priority_streak, site.priority_ratio, booked
            )
            if pick is None:
                raise QueueEmpty("no ticket is waiting for this window")
            if postgres and uow.execute(_skip_locked(), {"tid": pick.ticket_id}).first() is None:
                # another window is calling it right now: take the next one
                skip.add(pick.ticket_id)
                continue
            t = claim(uow, pick.ticket_id, w, who, now)
            if t is not None:
                break
            skip.add(pick.ticket_id)  # another window won it
        return announce_call(uow, site, t, w, who, now)


def _held(reserved: list[service_periods.Reserved], c: ordering.Candidate, window_id: int) -> bool:
    """Whether a period's windows keep `c` from `window_id` (a ticket transferred to it is its)."""
    if c.target_window_id == window_id:
        return False
    return any(r.holds(c.service_id, c.issued_at) for r in reserved)


@cache
def _walk_in_waits() -> Any:
    """Whether a walk-in (a ticket without a booking) waits for the window's items."""
    return select(
        exists().where(
            statements.waiting_for(bindparam("services", expanding=True)),
            ~exists().where(Appointment.ticket_id == Ticket.id),
        )
    )


def _booked(
    s: Session,
    site: Site,
    window_id: int,
    weights: dict[int, int],
    day: date,
    now: datetime,
    skip: set[int],
    reserved: list[service_periods.Reserved] | None = None,
) -> ordering.Booked | None:
    """What the call order's booked-first rule needs (预约, issue 19), or None when no checked-in
    booking this window serves is within its slot's call window (settings call_before_min and
    call_after_min): the soonest such booking, the window's run of booked calls, and whether a
    walk-in waits. A booking a running period keeps for its own windows (`reserved`) is not this
    window's: the soonest of the others is."""
    if not weights:
        return None
    conf = booking_settings.site_settings(site)
    params = statements.booked_params(
        site.id, day, list(weights), now, conf, call_order.LIMIT if reserved else 1
    )
    if skip:
        params["skip"] = sorted(skip)
    head: ordering.Candidate | None = None
    for tid, sid, prio, issued in s.execute(statements.booked_heads(bool(skip)), params):
        c = ordering.Candidate(tid, sid, Priority(prio), issued, None)
        if not (reserved and _held(reserved, c, window_id)):
            head = c
            break
    if head is None:
        return None
    ratio = conf["booked_ratio"]
    walk_in = bool(s.scalar(_walk_in_waits(), params))
    return ordering.Booked(
        (head,),
        _booked_streak(s, window_id, day, ratio),
        ratio,
        walk_in,
    )


@cache
def _last_calls() -> Any:
    """Window `:window_id`'s last `:ratio` calls on `:day`, newest first, with their bookings."""
    return (
        select(TicketEvent.ticket_id, Appointment.id)
        .outerjoin(Appointment, Appointment.ticket_id == TicketEvent.ticket_id)
        .where(
            TicketEvent.window_id == bindparam("window_id"),
            TicketEvent.day == bindparam("day"),
            TicketEvent.type == "called",
        )
        .order_by(TicketEvent.id.desc())
        .limit(bindparam("ratio"))
    )


def _booked_streak(s: Session, window_id: int, day: date, ratio: int) -> int:
    """How many of the window's last calls today, in a row, were booked tickets."""
    if ratio <= 0:
        return 0
    rows = s.execute(_last_calls(), {"window_id": window_id, "day": day, "ratio": ratio}).all()
    streak = 0
    for _tid, appt in rows:
        if appt is None:
            break
        streak += 1
    return streak


def _load_for_action(
    s: Session, who: Principal, ticket_id: int
) -> tuple[Ticket, Site, Window | None]:
    if not of(s).db.is_postgres:
        whole = s.execute(_ticket_with_window(), {"tid": ticket_id}).first()
        if whole is None or whole[0].site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        return whole[0], whole[1], whole[2]
    row = s.execute(_ticket_locked(), {"tid": ticket_id}).first()
    if row is None or row[0].site_id != who.site_id:
        raise NotFound(f"no ticket {ticket_id}")
    t, site = row
    w = s.get(Window, t.window_id) if t.window_id else None
    return t, site, w


def _check_clerk(who: Principal, w: Window | None) -> None:
    """Clerk of the ticket's window (the one who opened it), or a supervisor."""
    if who.is_supervisor:
        return
    if w is None or not works_at(who, w):
        raise Forbidden("only the clerk of this ticket's window or a supervisor may do this")


# ---- life-cycle actions: one small command per action ------------------------------------------


@dataclass
class Step:
    """One action on a locked ticket: what the command reads, and what it leaves for the log row."""

    t: Ticket
    now: datetime
    outcome: str | None
    reason: str | None
    duration: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # the event's own fields


def _recall(a: Step) -> None:
    a.t.recall_count += 1
    a.t.called_at = a.t.called_at or a.now


def _start(a: Step) -> None:
    a.t.started_at = a.now


def _end(a: Step, outcome: str) -> None:
    """Finish or park: the outcome, and the time served (the cases subscriber adds to the log row)."""
    t = a.t
    t.finished_at = a.now
    a.duration = (a.now - t.started_at).total_seconds() if t.started_at else None
    t.outcome = outcome
    if t.outcome == Outcome.REFUSED and not a.reason:
        raise InvalidInput("a refusal (不予受理) needs a reason", field="reason")
    t.note = a.reason or t.note
    a.data = {"outcome": t.outcome, **({"reason": a.reason} if a.reason else {})}


def _finish(a: Step) -> None:
    _end(a, a.outcome or Outcome.DONE.value)
    a.extra["outcome"] = a.t.outcome


def _park(a: Step) -> None:
    _end(a, Outcome.PARKED.value)


def _no_show(a: Step) -> None:
    a.t.finished_at = a.now


def _cancel(a: Step) -> None:
    a.t.finished_at = a.now
    a.data = {"reason": a.reason} if a.reason else {}


def _rejoin(a: Step) -> None:
    """Back in the queue (resume, reactivate): the visitor keeps the original issue time."""
    t = a.t
    t.queued_at = a.now
    t.window_id = None
    t.called_at = t.started_at = t.finished_at = None
    t.outcome = None


@dataclass(frozen=True)
class Command:
    run: Callable[[Step], None]
    log_type: str  # the ticket's log row (ticket_events.type)
    event: type[ev.TicketEvent]
    changes_waiting: bool = False  # the hall's waiting counts change whatever the state before
    rejoins: bool = False  # the ticket waits again: only on its own day


COMMANDS: dict[Action, Command] = {
    Action.RECALL: Command(_recall, "recalled", ev.TicketRecalled),
    Action.START: Command(_start, "started", ev.TicketStarted),
    Action.FINISH: Command(_finish, "finished", ev.TicketFinished),
    Action.PARK: Command(_park, "parked", ev.TicketParked, changes_waiting=True),
    Action.NO_SHOW: Command(_no_show, "no_show", ev.TicketNoShow),
    Action.CANCEL: Command(_cancel, "cancelled", ev.TicketCancelled, changes_waiting=True),
    Action.RESUME: Command(
        _rejoin, "resumed", ev.TicketResumed, changes_waiting=True, rejoins=True
    ),
    Action.REACTIVATE: Command(
        _rejoin, "reactivated", ev.TicketReactivated, changes_waiting=True, rejoins=True
    ),
}


def _check_may_act(who: Principal, t: Ticket, w: Window | None, action: Action) -> None:
    """Reactivating, and cancelling a waiting ticket, are a supervisor's; the rest its clerk's."""
    if action == Action.REACTIVATE or (action == Action.CANCEL and t.state == TicketState.WAITING):
        if not who.is_supervisor:
            raise Forbidden("only a supervisor may do this")
    else:
        _check_clerk(who, w)


def act(
    ctx: Context,
    who: Principal,
    ticket_id: int,
    action: Action,
    *,
    outcome: str | None = None,
    reason: str | None = None,
    case_input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply a life-cycle action (recall, start, finish, no-show, cancel, park, resume, reactivate).

    `case_input` (an applicant, missing materials, a note) travels with a finish or park to the
    in-transaction subscribers of `TicketEnded` (the cases one, registered in create_app)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t, site, w = _load_for_action(s, who, ticket_id)
        _check_may_act(who, t, w, action)
        if action == Action.FINISH and outcome == Outcome.PARKED:
            action = Action.PARK
        command = COMMANDS[action]
        before = t.state
        t.state = next_state(before, action)
        today = read_models.today(site, now)
        if command.rejoins and t.day != today:
            raise InvalidTransition(
                "a ticket from an earlier day cannot rejoin today's queue; issue a new one"
            )
        step = Step(t, now, outcome, reason)
        command.run(step)
        out = read_models.ticket_dict(s, t)
        happened: ev.TicketEvent
        if action == Action.RECALL and w is not None:
            happened = ticket_called(uow, site, t, w, out, recall=True, day=today)
        elif issubclass(command.event, ev.TicketEnded):
            happened = ticket_changed(
                uow,
                command.event,
                site,
                t,
                out,
                details=case_input or {},
                log=step.data,
                by=who,
                at=now,
                **step.extra,
            )
        else:
            happened = ticket_changed(uow, command.event, site, t, out, **step.extra)
        record(
            s,
            site,
            t,
            command.log_type,
            before,
            now,
            who,
            window_id=w.id if w else None,
            duration_s=step.duration,
            data=step.data,
            seq=happened if action == Action.RECALL else None,
        )
        if command.changes_waiting or before == TicketState.WAITING:
            queue_changed(uow, site.id, today, ctx.queue_news)
        uow.commit()
        return out


def transfer(
    ctx: Context,
    who: Principal,
    ticket_id: int,
    *,
    service_id: int | None = None,
    window_id: int | None = None,
    note: str | None = None,
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
                raise InvalidInput(
                    "a ticket cannot be transferred to its own window", field="window_id"
                )
            t.target_window_id = target.id
            data["to_window_id"] = target.id
        if note:
            data["note"] = note
            t.note = note
        t.first_window_id = t.first_window_id or w.id
        t.transfer_count += 1
        served = (now - t.started_at).total_seconds() if t.started_at else None
        record(
            s,
            site,
            t,
            "transferred",
            before,
            now,
            who,
            window_id=w.id,
            duration_s=served,
            data=data,
        )
        t.window_id = None
        t.queued_at = now
        t.called_at = t.started_at = None
        t.recall_count = (
            0  # recalls count per window: the first call at the next one is not a recall
        )
        out = read_models.ticket_dict(s, t)
        ticket_changed(uow, ev.TicketTransferred, site, t, out, from_window_id=w.id)
        queue_changed(uow, site.id, read_models.today(site, now), ctx.queue_news)
        uow.commit()
        return out


def get(ctx: Context, who: Principal, ticket_id: int) -> dict[str, Any]:
    """One ticket, as staff and devices see it."""
    with ctx.uow(write=False) as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        return read_models.ticket_dict(uow.session, t)


def history(ctx: Context, who: Principal, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's events, oldest first."""
    with ctx.uow(write=False) as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        evs = uow.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)
        )
        return [
            {
                "type": e.type,
                "from": e.from_state,
                "to": e.to_state,
                "at": read_models.iso(e.at),
                "window_id": e.window_id,
                "staff_id": e.staff_id,
                "device_id": e.device_id,
                "data": e.data,
            }
            for e in evs
        ]


def waiting_list(
    ctx: Context, who: Principal, window_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """Waiting tickets a window may serve, in the order it would call them."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        w = _window_for_clerk(s, who, window_id, lock=False)
        if not may_see(who, w):
            raise Forbidden(
                f"only the clerks assigned to window {w.number} and supervisors see its queue"
            )
        site = s.get_one(Site, w.site_id)
        # the window's real call order, booked-first included (call_order.py: the ticket page's too)
        order = call_order.window_order(s, site, w, read_models.today(site, now), now, limit)
        found = (
            {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_(order)))}
            if order
            else {}
        )
        return [read_models.ticket_dict(s, found[i], with_ahead=False) for i in order]
