"""Business hours and holidays of a hall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Hours = Mapping[str, Sequence[Sequence[str]]]


def _parse(hhmm: str) -> time:
    h, m = hhmm.split(":")
    return time(int(h), int(m))


def validate_hours(hours: Hours) -> str | None:
    """Return why a weekly timetable is malformed, or None."""
    for key, spans in hours.items():
        if key not in DAY_KEYS:
            return f"unknown day {key!r}; use {', '.join(DAY_KEYS)}"
        for span in spans:
            try:
                start, end = (_parse(x) for x in span)
            except (ValueError, TypeError):
                return f'{key}: spans are ["HH:MM", "HH:MM"]'
            if start >= end:
                return f"{key}: {span[0]} is not before {span[1]}"
    return None


def is_open(hours: Hours | None, local_now: datetime, holidays: Sequence[str] = ()) -> bool:
    """True when the hall takes tickets at `local_now` (no timetable: always open)."""
    if not hours:
        return True
    if local_now.date().isoformat() in holidays:
        return False
    spans = hours.get(DAY_KEYS[local_now.weekday()], ())
    now = local_now.time()
    return any(_parse(a) <= now < _parse(b) for a, b in spans)


def next_opening(
    hours: Hours | None, local_now: datetime, holidays: Sequence[str] = (), horizon_days: int = 62
) -> datetime | None:
    """The next moment after `local_now` at which the hall takes tickets (None: none within the horizon)."""
    if not hours:
        return None
    for offset in range(horizon_days + 1):
        day = (local_now + timedelta(days=offset)).date()
        if day.isoformat() in holidays:
            continue
        starts = sorted(_parse(a) for a, _b in hours.get(DAY_KEYS[day.weekday()], ()))
        for start in starts:
            at = datetime.combine(day, start, local_now.tzinfo)
            if at > local_now:
                return at
    return None


def closing_time(
    hours: Hours | None, local_now: datetime, holidays: Sequence[str] = ()
) -> time | None:
    """When the span the hall is open in at `local_now` ends (None when closed or without a timetable)."""
    if not hours or not is_open(hours, local_now, holidays):
        return None
    now = local_now.time()
    ends = [
        _parse(b)
        for a, b in hours.get(DAY_KEYS[local_now.weekday()], ())
        if _parse(a) <= now < _parse(b)
    ]
    return min(ends) if ends else None
