"""Ticket numbers: per site, per prefix, per business day with a reset hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

FORBIDDEN_PREFIXES = frozenset({"E", "I", "O"})  # E sounds like 一; I and O look like 1 and 0


def local_time(now_utc: datetime, tz: str) -> datetime:
    """The hall's wall-clock time for an aware UTC instant."""
    return now_utc.astimezone(ZoneInfo(tz))


def business_day(now_utc: datetime, tz: str, reset_hour: int = 0) -> date:
    """The business day `now_utc` belongs to: numbering restarts at `reset_hour` local time."""
    return (local_time(now_utc, tz) - timedelta(hours=reset_hour)).date()


def format_number(prefix: str, value: int) -> str:
    """A001 .. A999, then A1000: at least three digits, never truncated."""
    return f"{prefix}{value:03d}"


def validate_prefix(prefix: str) -> str | None:
    """Return why `prefix` is unusable, or None when it is fine."""
    if len(prefix) != 1 or not ("A" <= prefix <= "Z"):
        return "prefix must be one capital letter A-Z"
    if prefix in FORBIDDEN_PREFIXES:
        return f"prefix {prefix} is not allowed (E sounds like 一; I and O look like 1 and 0)"
    return None
