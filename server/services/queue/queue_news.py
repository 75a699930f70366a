"""`queue.changed` in bursts: at most one per hall and interval, without a gap in `seq`.

When eight kiosks issue at once, each ticket changes the hall's waiting counts, and each change
would send every screen of the hall a `queue.changed`. Screens only need the latest counts.

The contract (API.md) says `seq` rises by one for each event of a site and a client that sees a
gap asks for the snapshot. So a change that is merged into a later message must not have taken a
`seq` of its own: a number taken and never sent is a gap on every screen. Merging is therefore
decided *before* the number is taken, inside the command's transaction, never after it in the
outbox:

* The command asks `lead(site)`. If the hall sent no `queue.changed` in the last `every_s` seconds
  and none is due, the command leads: it records a `QueueChanged` in its own transaction, which
  takes its `seq` with the command's other events and reads the counts at commit, under the lock
  that orders the hall's numbers (so the counts are those as of that `seq`). A change in a quiet
  hall is announced at once, at no extra cost: exactly as before.
* Otherwise the command records a `WaitingChanged`, which takes no `seq` and sends nothing. Once it
  has committed, this subscriber notes the hall as changed and, if no send is due yet, schedules
  one for `every_s` after the last. That send is a unit of work of its own: it records one
  `QueueChanged`, takes the next `seq` at its commit and reads the counts there, so it covers every
  change committed before it, in order with every other event of the hall (the bus's outbox).

Every number taken belongs to a message that is sent, so the merged stream has no gap; and the
last change of a burst is always followed by a send that reads the counts after it, so screens end
on the right counts. A hall in a burst hears at most one leading and one trailing `queue.changed`
per interval instead of one per ticket. Calls carry their own counts (`ticket.called`'s `waiting`)
and need none of this. Each process merges its own commands' changes; processes sharing a hall
each take their numbers from the same site row, so the numbers stay gapless across them too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...engine import events as ev
from ...storage.models import Site
from . import read_models

if TYPE_CHECKING:
    from ...storage.uow import UnitOfWork
    from ..context import Context

log = logging.getLogger(__name__)


def record_counts(uow: UnitOfWork, site_id: int, day: Any) -> ev.QueueChanged:
    """Record a `QueueChanged` of hall `site_id` whose counts are read at commit, as of its `seq`."""
    event = ev.QueueChanged(site_id=site_id, waiting={})
    uow.record(event)

    def fill() -> None:
        event.waiting.update(read_models.waiting_counts(uow.session, site_id, day))

    uow.when_numbered(fill)
    return event


class QueueNews:
    """Merges a hall's waiting-count changes into at most one `queue.changed` per `every_s`."""

    RETRIES = 5  # failed sends in a row before giving up (the screens' next snapshot heals it)
    IDLE_S = 30.0  # the sender leaves after this long with no send scheduled

    def __init__(self, ctx: Context, every_s: float) -> None:
        self.ctx = ctx
        self.every_s = every_s
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}  # site -> when its last queue.changed was decided
        self._due: set[int] = set()  # sites with a send scheduled or running
        self._changed: set[int] = set()  # sites with a change no send has read yet
        self.sent = 0  # trailing sends made (for tests and figures)
        self._failures: dict[int, int] = {}
        # The sender: one thread (a greenlet under gevent) that makes the scheduled sends. It is
        # started by the first schedule and leaves after IDLE_S with nothing to do.
        self._at: dict[int, float] = {}  # site -> when (monotonic) its send is due
        self._wake = threading.Event()
        self._sender: threading.Thread | None = None

    # -- in the command's transaction ----------------------------------------------------------------
    def lead(self, site_id: int) -> bool:
        """True when the command should record the hall's `QueueChanged` itself (see the docstring)."""
        if self.every_s <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            if site_id in self._due or now - self._last.get(site_id, -1e18) < self.every_s:
                return False
            self._last[site_id] = now
            return True

    # -- after commit -----------------------------------------------------------------------------
    def on_events(self, events: Sequence[ev.Event]) -> None:
        """The bus subscriber (`WaitingChanged`): schedule the hall's next send."""
        for site_id in {e.site_id for e in events}:
            with self._lock:
                self._changed.add(site_id)
                if site_id in self._due:
                    continue  # the send that is due reads the counts after this commit
                self._due.add(site_id)
                delay = max(0.0, self._last.get(site_id, -1e18) + self.every_s - time.monotonic())
            self._start(site_id, delay)

    def _start(self, site_id: int, delay: float) -> None:
        """Schedule hall `site_id`'s send `delay` seconds from now, without waiting for anything.

        This runs in the committing request. It used to start a `threading.Timer` per send; under
        gevent, starting a thread waits until the new greenlet has run, which parks the request
        behind every other ready greenlet: 250-460 ms once a second for one kiosk in eight in
        bench/serving_bench.py. Now the request only writes down the time and wakes the sender.
        """
        with self._lock:
            self._at[site_id] = time.monotonic() + delay
            sender = None
            if self._sender is None:
                sender = self._sender = threading.Thread(
                    target=self._run, name="queuehall-queue-news", daemon=True
                )
        if sender is not None:
            sender.start()  # once per process (or per burst after IDLE_S of quiet)
        self._wake.set()

    def _run(self) -> None:
        """The sender: make each scheduled send when it is due; leave when idle for IDLE_S."""
        idle_since = time.monotonic()
        while True:
            now = time.monotonic()
            with self._lock:
                due = [s for s, at in self._at.items() if at <= now]
                for s in due:
                    del self._at[s]
                if not due and not self._at and now - idle_since >= self.IDLE_S:
                    self._sender = None  # the next schedule starts another
                    return
                wait = min(self._at.values(), default=idle_since + self.IDLE_S) - now
            for site_id in due:
                try:
                    self._send(site_id)
                except Exception:  # never let one hall's failure stop the others' sends
                    log.exception("queue.changed sender: hall %s", site_id)
            if due:
                idle_since = time.monotonic()
                continue
            self._wake.wait(max(0.0, wait))
            self._wake.clear()  # whatever woke us is in self._at, read at the top of the loop

    def _send(self, site_id: int) -> None:
        with self._lock:
            self._changed.discard(site_id)
            self._last[site_id] = time.monotonic()
        try:
            with self.ctx.uow() as uow:
                site = uow.session.get_one(Site, site_id)
                record_counts(uow, site_id, read_models.today(site, self.ctx.clock.now()))
                uow.commit()
            self.sent += 1
            self._failures.pop(site_id, None)
        except Exception:  # the database was busy: try again after the interval, a few times
            failures = self._failures[site_id] = self._failures.get(site_id, 0) + 1
            log.exception("could not send hall %s its waiting counts (%d)", site_id, failures)
            if failures < self.RETRIES:
                with self._lock:
                    self._changed.add(site_id)
        with self._lock:
            if site_id not in self._changed:
                self._due.discard(site_id)
                return
        self._start(site_id, max(self.every_s, 0.05))
