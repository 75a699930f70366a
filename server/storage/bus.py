"""Subscribers to domain events, and the order committed events leave a process in.

`subscribe` is the one line a new consumer needs (notifications, cases, ...):

    bus.subscribe(handler)                      # every event, after commit
    bus.subscribe(handler, TicketCalled)        # only these types (and their subclasses)
    bus.subscribe(handler, TicketIssued, in_transaction=True)  # inside the transaction, before commit

An after-commit handler gets a list of committed events, in the order their commands recorded them.
An in-transaction handler gets the unit of work and the events, and writes in that same transaction
(a print job commits with its ticket or not at all); it must not fail for reasons of its own. It may
return a function to run once the transaction has committed, in its place in the order, after the
after-commit handlers: what it read inside the transaction travels with it (the notices read who
opted in on the command's own connection, and queue their notices after the commit).

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
from typing import Any, cast

from ..engine.events import Event

log = logging.getLogger(__name__)

AfterCommit = Callable[[Sequence[Event]], None]
Then = Callable[[], None]  # what an in-transaction handler leaves to run after the commit
InTransaction = Callable[[Any, Sequence[Event]], "Then | None"]


class Place:
    """A unit of work's place in the outbox: filled after its commit, or dropped if it failed."""

    __slots__ = ("events", "later", "ready")

    def __init__(self) -> None:
        self.events: Sequence[Event] = ()
        self.later: Sequence[Then] = ()
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
        self,
        handler: Callable[..., Any],
        *types: type[Event],
        in_transaction: bool = False,
    ) -> None:
        """Hand `handler` the events of `types` (all when none are named); see the module's docstring."""
        if in_transaction:
            self._during.append((cast(InTransaction, handler), types))
        else:
            self._after.append((cast(AfterCommit, handler), types))

    def unsubscribe(self, handler: Callable[..., Any]) -> None:
        """Stop handing events to `handler` (a worker that stops)."""
        self._after = [(h, t) for h, t in self._after if h != handler]
        self._during = [(h, t) for h, t in self._during if h != handler]

    # -- inside the transaction ---------------------------------------------------------------------
    def before_commit(self, uow: Any, events: Sequence[Event]) -> list[Then]:
        """Run the in-transaction handlers on the transaction's events; what they left to run
        after the commit (hand it to `deliver`)."""
        later: list[Then] = []
        for handler, types in self._during:
            mine = _only(events, types)
            if mine:
                then = handler(uow, mine)
                if then is not None:
                    later.append(then)
        return later

    # -- order ----------------------------------------------------------------------------------------
    def reserve(self) -> Place:
        """Take the next place in the outbox (call under the lock that ordered the transaction's seq)."""
        place = Place()
        with self._lock:
            self._queue.append(place)
        return place

    def deliver(
        self, place: Place | None, events: Sequence[Event], later: Sequence[Then] = ()
    ) -> None:
        """Hand over a committed transaction's events (and run what its in-transaction handlers
        left): at once if it holds no place, else in place order."""
        if place is None:
            self._dispatch(events, later)
            return
        with self._lock:
            place.events, place.later, place.ready = events, later, True
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
                if place.events or place.later:
                    self._dispatch(place.events, place.later)
            finally:
                with self._lock:
                    self._draining = False

    def _dispatch(self, events: Sequence[Event], later: Sequence[Then] = ()) -> None:
        for handler, types in self._after:
            mine = _only(events, types)
            if not mine:
                continue
            try:
                handler(mine)
            except Exception:  # the change is committed; a lost push is healed by the next snapshot
                log.exception("subscriber %s failed", getattr(handler, "__qualname__", handler))
        for then in later:
            try:
                then()
            except Exception:  # committed all the same
                log.exception("after-commit work %s failed", getattr(then, "__qualname__", then))


def _only(events: Sequence[Event], types: tuple[type[Event], ...]) -> Sequence[Event]:
    return events if not types else [e for e in events if isinstance(e, types)]
