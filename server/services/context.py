"""What every service function needs: the database, the clock, the event bus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine.clock import Clock, SystemClock
from ..storage.bus import Bus
from ..storage.db import Database
from ..storage.uow import UnitOfWork


@dataclass
class Context:
    """Dependencies of the service layer, built once by create_app."""

    db: Database
    clock: Clock = field(default_factory=SystemClock)
    bus: Bus = field(default_factory=Bus)
    config: dict[str, Any] = field(default_factory=dict)
    # token hash -> (valid until, monotonic; principal): spares a query on every request.
    # Cleared on every configuration change and sign-out, in every process sharing Redis at once;
    # without Redis other processes see a revocation within AUTH_CACHE_S seconds.
    auth_cache: dict[str, tuple[float, Any]] = field(default_factory=dict)
    queue_news: Any = None  # services/queue/queue_news.py: merges a hall's queue.changed in bursts
    revocations: Any = (
        None  # services/access/revocations.py: drops the cache in every process at once
    )
    # called after a revocation is published here or heard from another process (realtime: its
    # open sockets signed in with a token that no longer works are disconnected)
    on_revoked: list[Callable[[], None]] = field(default_factory=list)
    limiter: Any = None  # services/access/ratelimit.py: the rate-limit counters (memory or Redis)

    def uow(self, write: bool = True) -> UnitOfWork:
        """A new unit of work (a write transaction unless `write=False`)."""
        u = UnitOfWork(self.db, self.bus, write=write)
        u.clock = self.clock  # read models that depend on the time (call_order) use the app's clock
        return u
