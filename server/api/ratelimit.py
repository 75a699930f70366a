"""Rate limits of the request: tickets per kiosk, failed sign-ins and public calls per client address.

The counters and rules are server/services/access/ratelimit.py; this module knows the request (the caller's
address, the app's settings) and is the one place a public, rate-limited handler asks for its budget
(`per_address`): bookings, case lookups, phone ratings and complaints.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from ..services.access.ratelimit import Limiter, RateLimited, Rule, limiter_of
from ..services.context import Context

__all__ = [
    "Budget",
    "Limiter",
    "RateLimited",
    "Rule",
    "after_login_failure",
    "before_issue",
    "before_login",
    "before_public_write",
    "client_address",
    "limiter",
    "per_address",
    "public_write",
]


def _ctx() -> Context:
    ctx: Context = current_app.extensions["queuehall"]
    return ctx


def limiter() -> Limiter:
    """The app's limiter."""
    return limiter_of(_ctx())


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


def per_address(
    name: str, setting: str, default: int, window_s: int = 60, message: str | None = None
) -> None:
    """Count one call of a public handler against the caller's address; past the budget the
    setting allows (`setting` in the config, else `default` calls per `window_s`; 0 = off)
    raise RateLimited (429). `message` may use {limit} and {retry}."""
    limit = int(current_app.config.get(setting, default) or 0)
    if limit <= 0:
        return
    hits, retry = limiter().count(Rule(name, limit, window_s), client_address())
    if hits > limit:
        text = message or "more than {limit} requests a minute from this address; wait {retry} s"
        raise RateLimited(text.format(limit=limit, retry=retry), retry)


@dataclass(frozen=True)
class Budget:
    """What a public endpoint may be called per client address: `default` calls (or the `setting`)
    per `window_s` seconds (or the `window_setting`), counted under `name`; 0 switches it off.
    `Api.public` (api/core.py) spends one before each call."""

    name: str
    setting: str
    default: int
    window_s: int = 60
    window_setting: str | None = None
    message: str | None = None

    def spend(self) -> None:
        """Count one call from the caller's address; RateLimited (429) past the budget."""
        window = self.window_s
        if self.window_setting:
            window = int(current_app.config.get(self.window_setting, window) or window)
        per_address(self.name, self.setting, self.default, window, self.message)


# the public writes of ratings and complaints share one budget setting, each its own counter
PUBLIC_WRITE_MESSAGE = "too many requests from this address; wait {retry} s"


def public_write(kind: str) -> Budget:
    """The budget of an anonymous write (a phone rating, a complaint): `RATE_LIMIT_PUBLIC_WRITES`,
    default 10 per `RATE_LIMIT_PUBLIC_WINDOW_S` = 600 s, so one person cannot flood the hall."""
    return Budget(
        "public-" + kind,
        "RATE_LIMIT_PUBLIC_WRITES",
        10,
        600,
        "RATE_LIMIT_PUBLIC_WINDOW_S",
        PUBLIC_WRITE_MESSAGE,
    )


def before_issue(device_id: int) -> None:
    """Count one ticket for a kiosk; raise RateLimited past the per-minute budget."""
    limit = int(current_app.config.get("RATE_LIMIT_TICKETS_PER_MIN", 60) or 0)
    if limit <= 0:
        return
    hits, retry = limiter().count(Rule("tickets", limit, 60), f"device{device_id}")
    if hits > limit:
        raise RateLimited(
            f"this kiosk issued more than {limit} tickets a minute; wait {retry} s", retry
        )


def _login_rule() -> Rule:
    c = current_app.config
    return Rule(
        "login",
        int(c.get("RATE_LIMIT_LOGIN_FAILURES", 20) or 0),
        int(c.get("RATE_LIMIT_LOGIN_WINDOW_S", 600) or 600),
    )


def before_login() -> None:
    """Refuse sign-ins from an address with too many recent failures."""
    rule = _login_rule()
    if rule.limit <= 0:
        return
    hits, retry = limiter().count(rule, client_address(), add=0)
    if hits >= rule.limit:
        raise RateLimited(f"too many failed sign-ins from this address; wait {retry} s", retry)


def after_login_failure() -> None:
    """Count one failed sign-in against the caller's address."""
    rule = _login_rule()
    if rule.limit > 0:
        limiter().count(rule, client_address())


def before_public_write(kind: str) -> None:
    """Spend one anonymous write of `kind` (see `public_write`)."""
    public_write(kind).spend()
