"""Call order: which waiting ticket a window takes next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from .booking import booked_first
from .states import Priority

PRIORITY_RANK = {Priority.GREEN: 0, Priority.PRIORITY: 1, Priority.NORMAL: 2}


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the call order sees it."""

    ticket_id: int
    service_id: int
    priority: Priority
    issued_at: datetime
    target_window_id: int | None = None


@dataclass(frozen=True)
class Booked:
    """What the booked-first rule (预约, issue 19) needs, loaded by the command that calls.

    `tickets`: waiting checked-in bookings this window serves whose slot's call window is on, the
    one to call first at the head; `streak`: the window's booked calls in a row today; `ratio`: the
    hall's limit on that run (0: none); `walk_in_waiting`: whether a ticket without a booking waits.
    """

    tickets: tuple[Candidate, ...] = ()
    streak: int = 0
    ratio: int = 0
    walk_in_waiting: bool = False


def pick_next(
    candidates: Iterable[Candidate],
    window_id: int,
    weights: Mapping[int, int],
    priority_streak: int,
    priority_ratio: int,
    booked: Booked | None = None,
) -> Candidate | None:
    """Choose the ticket `window_id` should call next, or None.

    Order: tickets transferred to this very window; then a checked-in booking within its slot
    (`booked`), unless the window called `booked.ratio` of them in a row and a walk-in waits; then
    priority class (green, priority, normal), except that after `priority_ratio` privileged calls
    in a row a waiting normal ticket goes first so normal visitors are never starved; then the
    window's weight for the item; then issue time.
    """
    mine: list[Candidate] = []
    open_queue: list[Candidate] = []
    for c in candidates:
        if c.target_window_id == window_id:
            mine.append(c)
        elif c.target_window_id is None and c.service_id in weights:
            open_queue.append(c)
    if mine:
        return min(mine, key=lambda c: (c.issued_at, c.ticket_id))
    if (
        booked is not None
        and booked.tickets
        and booked_first(booked.streak, booked.ratio, booked.walk_in_waiting)
    ):
        return booked.tickets[0]
    if not open_queue:
        return None
    if priority_ratio > 0 and priority_streak >= priority_ratio:
        normal = [c for c in open_queue if c.priority == Priority.NORMAL]
        if normal:
            open_queue = normal
    return min(
        open_queue,
        key=lambda c: (
            PRIORITY_RANK[Priority(c.priority)],
            -weights.get(c.service_id, 0),
            c.issued_at,
            c.ticket_id,
        ),
    )


def next_streak(streak: int, called: Priority) -> int:
    """The window's run of privileged calls after calling a ticket of class `called`."""
    return 0 if called == Priority.NORMAL else streak + 1


def call_sequence(
    candidates: Iterable[Candidate],
    window_id: int,
    weights: Mapping[int, int],
    priority_streak: int,
    priority_ratio: int,
    limit: int,
    *,
    booked: Sequence[int] = (),
    with_booking: Set[int] = frozenset(),
    booked_streak: int = 0,
    booked_ratio: int = 0,
) -> list[int]:
    """The first `limit` tickets `window_id` would call, in order, if nothing else happened: each
    step is the one a call-next makes (services/queue/tickets.py call_next).

    `booked`: the checked-in booked tickets within their slot's call window, in the order they go
    ahead of the queue (a window calls them first unless a ticket was transferred to it, and after
    `booked_ratio` booked calls in a row a waiting walk-in goes first); `with_booking`: every
    ticket with a booking (a booked call, whichever way it came, counts toward the booked streak).
    """
    pool = {c.ticket_id: c for c in candidates}
    order: list[int] = []
    p_streak, b_streak = priority_streak, booked_streak
    while pool and len(order) < limit:
        pick: Candidate | None = None
        if weights and not any(c.target_window_id == window_id for c in pool.values()):
            first = next((pool[i] for i in booked if i in pool), None)
            if first is not None:
                walk_in = any(
                    c.target_window_id is None
                    and c.service_id in weights
                    and c.ticket_id not in with_booking
                    for c in pool.values()
                )
                if booked_first(b_streak, booked_ratio, walk_in):
                    pick = first
        if pick is None:
            pick = pick_next(pool.values(), window_id, weights, p_streak, priority_ratio)
        if pick is None:
            break
        order.append(pick.ticket_id)
        del pool[pick.ticket_id]
        p_streak = next_streak(p_streak, pick.priority)
        b_streak = b_streak + 1 if pick.ticket_id in with_booking else 0
    return order


def place_in_sequence(
    normal: bool, before: int, others: int, priority_streak: int, priority_ratio: int, limit: int
) -> int | None:
    """Where an untargeted ticket comes in `call_sequence` (its people ahead), from counts alone,
    or None if not within the first `limit` calls; for a window with no ticket transferred to it
    and no booking in play (then the order is the class rule's alone).

    Normal and privileged tickets each leave in their own fixed order (class, the window's weight,
    issue time); only how the two interleave depends on the priority streak. `normal`: the ticket's
    side; `before`: tickets of its own side that precede it; `others`: every ticket of the other
    side. Equal to the ticket's index in `call_sequence` (tests/unit/test_call_order_counts.py).
    """
    streak, own, other = priority_streak, before, others
    for step in range(limit):
        forced = priority_ratio > 0 and streak >= priority_ratio  # a waiting normal goes first
        if normal:
            if forced or other == 0:  # a normal is taken: the ticket, once none precedes it
                if own == 0:
                    return step
                own, streak = own - 1, 0
            else:
                other, streak = other - 1, streak + 1
        elif forced and other > 0:
            other, streak = other - 1, 0
        else:
            if own == 0:
                return step
            own, streak = own - 1, streak + 1
    return None
