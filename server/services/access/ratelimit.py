"""Rate-limit counters: rules and the limiter (fixed windows), without the request.

What is counted against whom (a kiosk's tickets, an address's failed sign-ins, public writes) is
decided where the request is known: server/api/ratelimit.py. Services that count something of
their own (a kiosk's wrong confirm codes) take the app's limiter from their context.

Counters are fixed windows. With `REDIS_URL` set they live in Redis, so several server
processes share one budget; when Redis does not answer, each process falls back to its own
memory for a few seconds rather than refusing tickets.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...engine.errors import DomainError

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)

REDIS_RETRY_S = 5.0


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # 0 switches the rule off
    window_s: int


class Limiter:
    """Fixed-window counters keyed by rule and subject (device id, client address)."""

    def __init__(self, redis_url: str | None = None, prefix: str = "queuehall") -> None:
        self.prefix = prefix
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[int, float]] = {}
        self._redis: Any = None
        self._redis_down_until = 0.0
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_connect_timeout=0.5, socket_timeout=0.5
            )

    def _window(self, rule: Rule, now: float) -> tuple[int, float]:
        start = int(now // rule.window_s) * rule.window_s
        return start, start + rule.window_s

    def count(self, rule: Rule, subject: str, add: int = 1) -> tuple[int, int]:
        """Add `add` hits (0 only reads) and return (hits in this window, seconds until it ends)."""
        now = time.time()
        start, end = self._window(rule, now)
        retry = max(1, int(end - now + 0.999))
        key = f"{self.prefix}:rl:{rule.name}:{subject}:{start}"
        if self._redis is not None and now >= self._redis_down_until:
            try:
                if add:
                    pipe = self._redis.pipeline()
                    pipe.incrby(key, add)
                    pipe.expire(key, rule.window_s + 5)
                    hits = int(pipe.execute()[0])
                else:
                    hits = int(self._redis.get(key) or 0)
                return hits, retry
            except Exception as exc:  # Redis gone: keep issuing, count in memory for a while
                log.warning("rate limits fall back to process memory: %s", exc)
                self._redis_down_until = now + REDIS_RETRY_S
        with self._lock:
            hits, expires = self._memory.get(key, (0, end))
            hits += add
            if add:
                self._memory[key] = (hits, expires)
            if len(self._memory) > 10_000:
                self._memory = {k: v for k, v in self._memory.items() if v[1] > now}
        return hits, retry


_install_lock = threading.Lock()


def limiter_of(ctx: Context) -> Limiter:
    """The app's limiter (one per context), built on first use from its config."""
    lim: Limiter | None = ctx.limiter
    if lim is None:
        with _install_lock:
            lim = ctx.limiter
            if lim is None:
                lim = ctx.limiter = Limiter(
                    ctx.config.get("REDIS_URL") or None,
                    str(ctx.config.get("SOCKETIO_CHANNEL") or "queuehall"),
                )
    return lim
