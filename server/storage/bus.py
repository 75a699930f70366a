"""Subscribers to domain events, and the order committed events leave a process in.

`subscribe` is the one line a new consumer needs (notifications, cases, ...):

    bus.subscribe(handler)                      # every event, after commit
    bus.subscribe(handler, TicketCalled)        # only these types (and their subclasses)
    bus.subscribe(handler, TicketIssued, in_transaction=True)  # inside the transaction, before commit

An after-commit handler gets a list of committed events, in the order their commands recorded them.
An in-transaction handler gets the unit of work and the events, and writes in that same transaction
(a print job commits with its ticket or not at all); it must not fail for reasons of its own.

Order: events that carry a site `seq` are numbered at commit, under the lock that serialises a
site's writers (SQLite's write lock; the site row's lock elsewhere). The unit of work takes its place
in `Outbox` there, still under that lock, and hands its events over after the commit; the outbox
passes them on in the order the places were taken. So no subscriber of a process sees a site's
`seq` N+1 before N, even when two clerks commit at the same moment and their threads race to publish.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from ..engine.events import Event

log = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[Event]], None]
InTransaction = Callable[[Any, Sequence[Event]], None]


class Place:
    """A unit of work's place in the outbox: filled after its commit, or dropped if it failed."""

    __slots__ = ("events", "ready")

    def __init__(self) -> None:
        self.events: Sequence[Event] = ()
        self.ready = False


class Bus:
    """The subscribers of one app, and its outbox."""

    def __init__(self) -> None:
        self._after: list[tuple[AfterCommit, tuple[type[Event], ...]]] = []
        self._during: list[tuple[InTransaction, tuple[type[Event], ...]]] = []
        self._queue: deque[Place] = deque()
        self._lock = threading.Lock()
        self._draining = False

    def subscribe(
        self, handler: Callable[..., None], *types: type[Event], in_transaction: bool = False
    ) -> None:
        """Hand `handler` the events of `types` (all when none are named); see the module's docstring."""
        if in_transaction:
            self._during.append((handler, types))
        else:
            self._after.append((handler, types))

    def unsubscribe(self, handler: Callable[..., None]) -> None:
        """Stop handing events to `handler` (a worker that stops)."""
        self._after = [(h, t) for h, t in self._after if h != handler]
        self._during = [(h, t) for h, t in self._during if h != handler]

    # -- inside the transaction ---------------------------------------------------------------------
    def before_commit(self, uow: Any, events: Sequence[Event]) -> None:
        """Run the in-transaction handlers on the transaction's events."""
        for handler, types in self._during:
            mine = _only(events, types)
            if mine:
                handler(uow, mine)

    # -- order ----------------------------------------------------------------------------------------
    def reserve(self) -> Place:
        """Take the next place in the outbox (call under the lock that ordered the transaction's seq)."""
        place = Place()
        with self._lock:
            self._queue.append(place)
        return place

    def deliver(self, place: Place | None, events: Sequence[Event]) -> None:
        """Hand over a committed transaction's events: at once if it holds no place, else in place order."""
        if place is None:
            self._dispatch(events)
            return
        with self._lock:
            place.events, place.ready = events, True
        self._drain()

    def drop(self, place: Place) -> None:
        """The transaction did not commit: its place holds nothing, and must hold no one up."""
        self.deliver(place, ())

    def _drain(self) -> None:
        # One thread at a time sends, the head of the queue first; a thread that finds another one
        # sending leaves its events to it (that thread looks at the head again before it stops).
        while True:
            with self._lock:
                if self._draining or not self._queue or not self._queue[0].ready:
                    return
                self._draining = True
                place = self._queue.popleft()
            try:
                if place.events:
                    self._dispatch(place.events)
            finally:
                with self._lock:
                    self._draining = False

    def _dispatch(self, events: Sequence[Event]) -> None:
        for handler, types in self._after:
            mine = _only(events, types)
            if not mine:
                continue
            try:
                handler(mine)
            except Exception:  # the change is committed; a lost push is healed by the next snapshot
                log.exception("subscriber %s failed", getattr(handler, "__qualname__", handler))


def _only(events: Sequence[Event], types: tuple[type[Event], ...]) -> Sequence[Event]:
    return events if not types else [e for e in events if isinstance(e, types)]
