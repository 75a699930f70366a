"""Rate limits: tickets per device and failed sign-ins per client address.

Counters are fixed windows. With `REDIS_URL` set they live in Redis, so several server
processes share one budget; when Redis does not answer, each process falls back to its own
memory for a few seconds rather than refusing tickets.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request

from ..engine.errors import DomainError

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


def _rules(app: Flask) -> tuple[Rule, Rule]:
    c = app.config
    return (
        Rule("tickets", int(c.get("RATE_LIMIT_TICKETS_PER_MIN", 60) or 0), 60),
        Rule(
            "login",
            int(c.get("RATE_LIMIT_LOGIN_FAILURES", 20) or 0),
            int(c.get("RATE_LIMIT_LOGIN_WINDOW_S", 600) or 600),
        ),
    )


_install_lock = threading.Lock()


def limiter() -> Limiter:
    """The app's limiter, built on first use from its config."""
    app = current_app
    lim = app.extensions.get("queuehall.ratelimit")
    if lim is None:
        with _install_lock:
            lim = app.extensions.get("queuehall.ratelimit")
            if lim is None:
                lim = Limiter(
                    app.config.get("REDIS_URL") or None,
                    str(app.config.get("SOCKETIO_CHANNEL") or "queuehall"),
                )
                app.extensions["queuehall.ratelimit"] = lim
    return lim


def client_address() -> str:
    """The caller's address; X-Forwarded-For is believed only behind a configured proxy."""
    hops = int(current_app.config.get("TRUSTED_PROXY_HOPS", 0) or 0)
    if hops > 0:
        forwarded = [
            a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


def before_issue(device_id: int) -> None:
    """Count one ticket for a kiosk; raise RateLimited past the per-minute budget."""
    rule = _rules(current_app)[0]
    if rule.limit <= 0:
        return
    hits, retry = limiter().count(rule, f"device{device_id}")
    if hits > rule.limit:
        raise RateLimited(
            f"this kiosk issued more than {rule.limit} tickets a minute; wait {retry} s", retry
        )


def before_login() -> None:
    """Refuse sign-ins from an address with too many recent failures."""
    rule = _rules(current_app)[1]
    if rule.limit <= 0:
        return
    hits, retry = limiter().count(rule, client_address(), add=0)
    if hits >= rule.limit:
        raise RateLimited(f"too many failed sign-ins from this address; wait {retry} s", retry)


def after_login_failure() -> None:
    """Count one failed sign-in against the caller's address."""
    rule = _rules(current_app)[1]
    if rule.limit > 0:
        limiter().count(rule, client_address())


def before_public_write(kind: str) -> None:
    """Count one anonymous write (a phone rating, a complaint) from the caller's address; past the
    hall's budget (`RATE_LIMIT_PUBLIC_WRITES`, default 10 per `RATE_LIMIT_PUBLIC_WINDOW_S` = 600 s)
    raise RateLimited, so one person cannot flood the hall's ratings or complaints."""
    c = current_app.config
    rule = Rule(
        "public-" + kind,
        int(c.get("RATE_LIMIT_PUBLIC_WRITES", 10) or 0),
        int(c.get("RATE_LIMIT_PUBLIC_WINDOW_S", 600) or 600),
    )
    if rule.limit <= 0:
        return
    hits, retry = limiter().count(rule, client_address())
    if hits > rule.limit:
        raise RateLimited(f"too many requests from this address; wait {retry} s", retry)
