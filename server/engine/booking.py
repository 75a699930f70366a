"""预约 rules without I/O: a day's slots, whether a check-in is in time, and the booked call order.

A slot is bookable on the hall's working days only (holidays closed, a weekend made a working day
open, with the item's Saturday capacity: halls staff such days thinly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .calendar import WorkCalendar


@dataclass(frozen=True)
class Slot:
    start: time
    end: time
    capacity: int


def _hm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def validate_periods(periods: Sequence[Sequence[str]], slot_min: int) -> str | None:
    """Why a rule's periods are malformed, or None."""
    if not 5 <= slot_min <= 240:
        return "slot_min must be between 5 and 240 minutes"
    last: time | None = None
    for span in periods:
        try:
            a, b = (_hm(x) for x in span)
        except (ValueError, TypeError):
            return 'periods are ["HH:MM", "HH:MM"]'
        if a >= b:
            return f"{span[0]} is not before {span[1]}"
        if last is not None and a < last:
            return "periods must be in order and not overlap"
        last = b
    return None


def day_slots(
    cal: WorkCalendar,
    day: date,
    periods: Sequence[Sequence[str]],
    slot_min: int,
    capacity: int,
    saturday_capacity: int,
) -> list[Slot]:
    """The bookable slots of `day` (none on a day the hall does not work); a slot never runs past
    the end of its period."""
    if not cal.is_workday(day):
        return []
    cap = saturday_capacity if day.weekday() == 5 else capacity
    if cap <= 0:
        return []
    out: list[Slot] = []
    step = timedelta(minutes=slot_min)
    for a, b in periods:
        t = datetime.combine(day, _hm(a))
        end = datetime.combine(day, _hm(b))
        while t + step <= end:
            out.append(Slot(t.time(), (t + step).time(), cap))
            t += step
    return out


def check_in_verdict(
    now: datetime, start: datetime, end: datetime, early_min: int, late_min: int
) -> str:
    """ "ok" from `early_min` before the slot to `late_min` after its start; else too_early / too_late."""
    if now < start - timedelta(minutes=early_min):
        return "too_early"
    if now > start + timedelta(minutes=late_min):
        return "too_late"
    return "ok"


def booked_first(booked_streak: int, ratio: int, walk_in_waiting: bool) -> bool:
    """Whether a window calls a booked ticket ahead of the queue now: yes, unless it has called
    `ratio` booked tickets in a row and a walk-in is waiting (walk-ins are never starved; like
    the priority order's ratio, 0 switches the protection off)."""
    return not (ratio > 0 and booked_streak >= ratio and walk_in_waiting)
