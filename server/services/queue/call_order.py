"""People ahead of a ticket from the real call order (issue 19): the ticket page, the printed
ticket, the issue answer and the near-turn notice all read this one number.

A window's call order is what its successive call-nexts would take if nothing else happened
(services/queue/tickets.py call_next): tickets transferred to it first, then a checked-in booking within
its slot's call window (walk-ins never starved), then class (green, priority, normal) with the
priority ratio, the window's weight for the item, and issue time — over every item the window
serves, so two items sharing a window wait for each other. A ticket's people ahead is its place in
the order of the window that would reach it first, among the windows that serve its item (its own
target window only, when transferred; the windows not closed, or all of them while every one is).

Only the first `LIMIT` calls of a window are worked out (each step is the call order's own choice,
exact as long as no queue of the pool runs dry, which takes `LIMIT` calls); a ticket further back
is told the count of its own item's tickets ahead of it, and never fewer than `LIMIT`.

A running 延时/错时 period keeps the tickets it issues for its own windows (call-next's rule,
service_periods.reserved_for): the other windows' orders leave them out.

A new ticket (`new_ticket_ahead`, what issuing answers and prints) is placed from counts instead of
replays while no ticket is transferred to one of its windows, no booking is in play and no running
period keeps tickets from any of them: then each
window's order is the class rule's alone and a count per item and class says where the ticket
comes (ordering.place_in_sequence). The result is the replay's (tests/app/test_call_order_counts.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ...engine import ordering
from ...engine.numbering import local_time
from ...engine.states import Priority, TicketState, WindowState
from ...storage import statements
from ...storage.models import Appointment, Site, Ticket, Window, WindowService
from ...storage.uow import of as uow_of
from ..booking.booking_settings import settings_of, site_settings
from ..calendar import service_periods

LIMIT = 30


def _now(s: Session) -> datetime:
    clock = getattr(uow_of(s), "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


@cache
def _serving() -> Any:
    return (
        select(Window.id, Window.state)
        .join(WindowService, WindowService.window_id == Window.id)
        .where(
            Window.site_id == bindparam("site_id"),
            Window.active.is_(True),
            WindowService.service_id == bindparam("service_id"),
        )
        .order_by(Window.number)
    )


@cache
def _with_booking() -> Any:
    return select(Appointment.ticket_id).where(
        Appointment.ticket_id.in_(bindparam("ids", expanding=True))
    )


def serving_windows(s: Session, t: Ticket) -> list[Window]:
    """The windows that may call `t`: its target window, or the active windows serving its item
    that are not closed (all of them while every one is closed)."""
    if t.target_window_id is not None:
        w = s.get(Window, t.target_window_id)
        return [w] if w is not None else []
    rows = s.connection().execute(_serving(), {"site_id": t.site_id, "service_id": t.service_id})
    ids = [(wid, state) for wid, state in rows]
    working = [wid for wid, state in ids if state != WindowState.CLOSED] or [wid for wid, _ in ids]
    return [s.get_one(Window, wid) for wid in working]


def window_order(
    s: Session, site: Site, w: Window, day: date, now: datetime, limit: int = LIMIT
) -> list[int]:
    """The ids of the first `limit` tickets window `w` would call, in order. Like call-next, it
    leaves a running period's tickets to the period's windows (service_periods.reserved_for)."""
    from . import read_models, tickets

    weights = read_models.window_services(s, w.id)
    reserved = service_periods.reserved_for(s, site, w.id, local_time(now, site.timezone))
    pool = {
        c.ticket_id: c
        for c in tickets._candidates(s, site.id, day, w.id, weights, set(), per_queue=limit)
        if not (reserved and tickets._held(reserved, c, w.id))
    }
    conf = site_settings(site)
    booked: list[int] = []
    conn = s.connection()
    if weights:
        # the bookings a period holds are skipped: read as many as call-next does then
        wanted = max(limit, LIMIT) if reserved else limit
        rows = conn.execute(
            statements.booked_heads(False),
            statements.booked_params(site.id, day, sorted(weights), now, conf, wanted),
        )
        for tid, sid, prio, issued in rows:
            c = ordering.Candidate(tid, sid, Priority(prio), issued, None)
            if reserved and tickets._held(reserved, c, w.id):
                continue
            booked.append(tid)
            pool.setdefault(tid, c)
    # bookings matter to the order only while one is within its call window
    with_booking: set[int] = (
        set(conn.execute(_with_booking(), {"ids": list(pool)}).scalars()) if booked else set()
    )
    ratio = conf["booked_ratio"]
    return ordering.call_sequence(
        pool.values(),
        w.id,
        weights,
        w.priority_streak,
        site.priority_ratio,
        limit,
        booked=booked,
        with_booking=with_booking,
        booked_streak=tickets._booked_streak(s, w.id, day, ratio) if booked else 0,
        booked_ratio=ratio,
    )


class Orders:
    """Window orders worked out once and shared by several tickets (the near-turn notices of a
    call read many tickets of one hall)."""

    def __init__(self, s: Session, now: datetime | None = None, limit: int = LIMIT) -> None:
        self.s, self.now, self.limit = s, now or _now(s), limit
        self._orders: dict[tuple[int, date], list[int]] = {}

    def of(self, site: Site, w: Window, day: date) -> list[int]:
        key = (w.id, day)
        if key not in self._orders:
            self._orders[key] = window_order(self.s, site, w, day, self.now, self.limit)
        return self._orders[key]

    def best(self, t: Ticket) -> tuple[int, Window] | None:
        """`t`'s people ahead and the window that would reach it first, if it is within the first
        `limit` calls of a window serving it, else None."""
        site = self.s.get_one(Site, t.site_id)
        places = [
            (order.index(t.id), w.number, w)
            for w in serving_windows(self.s, t)
            if t.id in (order := self.of(site, w, t.day))
        ]
        if not places:
            return None
        place, _n, w = min(places, key=lambda p: (p[0], p[1]))
        return place, w

    def place(self, t: Ticket) -> int | None:
        """`t`'s people ahead if it is within the first `limit` calls of a window, else None."""
        best = self.best(t)
        return best[0] if best is not None else None


def same_item_ahead(s: Session, t: Ticket) -> int:
    """Waiting tickets of `t`'s own item that the call order takes before it (better class, then
    earlier): the lower bound used past `LIMIT`."""
    values: dict[str, Any] = {
        "site_id": t.site_id,
        "day": t.day,
        "service_id": t.service_id,
        "id": t.id,
        "issued_at": t.issued_at,
    }
    return int(
        s.connection().execute(statements.waiting_ahead(str(t.priority)), values).scalar() or 0
    )


def ahead(s: Session, t: Ticket, orders: Orders | None = None) -> int:
    """How many tickets would be called before `t` (0 unless it is waiting)."""
    if t.state != TicketState.WAITING:
        return 0
    # the orders are read through the connection, which does not autoflush: a command that has just
    # put `t` back in the queue (resume, rejoin, transfer) has its change still in the session
    s.flush()
    if t.target_window_id is None:
        own = same_item_ahead(s, t)
        if own >= LIMIT:
            return own  # past the worked-out calls of every window: its own item's count
    else:
        own = 0
    place = (orders or Orders(s)).place(t)
    return place if place is not None else max(LIMIT, own)


@cache
def _windows_with_weights() -> Any:
    """The active windows serving item `:service_id`, in number order: one row per item each of
    them serves, with its weight for it."""
    mine, every = aliased(WindowService), aliased(WindowService)
    return (
        select(Window.id, Window.state, Window.priority_streak, every.service_id, every.weight)
        .join(mine, and_(mine.window_id == Window.id, mine.service_id == bindparam("service_id")))
        .join(every, every.window_id == Window.id)
        .where(Window.site_id == bindparam("site_id"), Window.active.is_(True))
        .order_by(Window.number, Window.id)
    )


class HallRules(NamedTuple):
    """What a new ticket's place needs of its hall: the priority ratio, the settings (the booking
    ones among them), the time zone, and whether it has 延时/错时 periods. Issuing reads them with
    the item (statements.issue_context); statements.hall_rules otherwise."""

    priority_ratio: int
    settings: Any
    timezone: str
    has_periods: bool


@cache
def _transferred() -> Any:
    """A waiting ticket of the day sent to one of `:windows`, if any."""
    return (
        select(Ticket.id)
        .where(
            Ticket.site_id == bindparam("site_id"),
            Ticket.day == bindparam("day", type_=Ticket.day.type),
            Ticket.state == TicketState.WAITING.value,
            Ticket.target_window_id.in_(bindparam("windows", expanding=True)),
        )
        .limit(1)
    )


@cache
def _queue_counts() -> Any:
    """Waiting tickets of the day not sent to a window, other than `:id`, per item and class: all of
    them, and those that came before `:id` (issued earlier; the same instant, a lower id)."""
    issued = bindparam("issued_at", type_=Ticket.issued_at.type)
    tid = bindparam("id", type_=Ticket.id.type)
    earlier = or_(Ticket.issued_at < issued, and_(Ticket.issued_at == issued, Ticket.id < tid))
    return (
        select(
            Ticket.service_id,
            Ticket.priority,
            func.count(),
            func.coalesce(func.sum(case((earlier, 1), else_=0)), 0),
        )
        .where(
            Ticket.site_id == bindparam("site_id"),
            Ticket.day == bindparam("day", type_=Ticket.day.type),
            Ticket.state == TicketState.WAITING.value,
            Ticket.target_window_id.is_(None),
            Ticket.service_id.in_(bindparam("services", expanding=True)),
            Ticket.id != tid,
        )
        .group_by(Ticket.service_id, Ticket.priority)
    )


def new_ticket_ahead(s: Session, t: Ticket, rules: HallRules | None = None) -> int:
    """`ahead(s, t)` for a waiting ticket not sent to a window, in a session with no pending change
    to windows or tickets (issuing): from counts while no transfer, no booking and no running
    period that keeps tickets from some of them is in play in its windows, else from the replay.

    `rules`: its hall's (issuing has them with the item); read here when not given."""
    if t.state != TicketState.WAITING or t.target_window_id is not None:
        return ahead(s, t)
    own = same_item_ahead(s, t)
    if own >= LIMIT:
        return own
    conn = s.connection()
    windows: dict[int, tuple[str, int, dict[int, int]]] = {}
    for wid, state, streak, sid, weight in conn.execute(
        _windows_with_weights(), {"site_id": t.site_id, "service_id": t.service_id}
    ):
        windows.setdefault(wid, (state, int(streak or 0), {}))[2][int(sid)] = int(weight)
    working = [w for w, v in windows.items() if v[0] != WindowState.CLOSED] or list(windows)
    if not working:
        return max(LIMIT, own)
    values: dict[str, Any] = {"site_id": t.site_id, "day": t.day}
    if conn.execute(_transferred(), {**values, "windows": working}).first() is not None:
        # a transferred ticket goes first and moves the streak: replay
        return ahead(s, t)
    services = sorted({sid for w in working for sid in windows[w][2]})
    if rules is None:
        rules = HallRules(*conn.execute(statements.hall_rules(), {"site_id": t.site_id}).one())
    ratio, hall_settings, tz, has_periods = rules
    conf = settings_of(hall_settings)
    now = _now(s)
    if has_periods:
        running = service_periods.reserving(s, s.get_one(Site, t.site_id), local_time(now, tz))
        if any(wid not in p.window_ids for p in running for wid in working):
            # a running period keeps its tickets from some of these windows: replay
            return ahead(s, t)
    booked = conn.execute(
        statements.booked_heads(False),
        statements.booked_params(t.site_id, t.day, services, now, conf, 1),
    ).first()
    if booked is not None:
        # a booking within its call window goes ahead of the queue: replay
        return ahead(s, t)
    counts = conn.execute(
        _queue_counts(),
        {**values, "services": services, "id": t.id, "issued_at": t.issued_at},
    ).all()
    prio = Priority(t.priority)
    normal = prio == Priority.NORMAL
    best: int | None = None
    for wid in working:  # in number order: on a tie the lower-numbered window is the one
        _state, streak, weights = windows[wid]
        key = (ordering.PRIORITY_RANK[prio], -weights[t.service_id])
        before = others = 0
        for sid, p, n, early in counts:
            if sid not in weights:
                continue
            if (p == Priority.NORMAL.value) != normal:
                others += int(n)
                continue
            theirs = (ordering.PRIORITY_RANK[Priority(p)], -weights[sid])
            before += int(n) if theirs < key else int(early) if theirs == key else 0
        place = ordering.place_in_sequence(normal, before, others, streak, ratio, LIMIT)
        if place is not None and (best is None or place < best):
            best = place
    return best if best is not None else max(LIMIT, own)
