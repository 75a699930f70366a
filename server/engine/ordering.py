"""Call order: which waiting ticket a window takes next."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

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


def pick_next(
    candidates: Iterable[Candidate],
    window_id: int,
    weights: Mapping[int, int],
    priority_streak: int,
    priority_ratio: int,
) -> Candidate | None:
    """Choose the ticket `window_id` should call next, or None.

    Order: tickets transferred to this very window; then priority class (green,
    priority, normal), except that after `priority_ratio` privileged calls in a
    row a waiting normal ticket goes first so normal visitors are never starved;
    then the window's weight for the item; then issue time.
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
