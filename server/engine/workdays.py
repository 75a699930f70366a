"""Working-day arithmetic for deadlines (回访 in 1 working day, 整改反馈 in 5, replies to complaints).

The hall's calendar (holidays and adjusted workdays) decides what a working day is; this module
only counts with whatever `is_workday` it is given, so the calendar can be plugged in at one
place (services/workdays.py) without touching the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

IsWorkday = Callable[[date], bool]


def weekends_only(day: date) -> bool:
    """Monday to Friday are working days (the default until the hall's calendar says more)."""
    return day.weekday() < 5


def add_workdays(start: date, n: int, is_workday: IsWorkday = weekends_only) -> date:
    """The day on which a deadline of `n` working days counted from `start` falls.

    The day of the event itself does not count (a rating on Friday due in 1 working day is due on
    Monday); `n` = 0 is `start` itself. Gives up after ten years of no working day.
    """
    if n <= 0:
        return start
    day, left = start, n
    for _ in range(3660):
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
            if left == 0:
                return day
    raise ValueError("no working day in ten years: check the hall's calendar")


def workdays_between(start: date, end: date, is_workday: IsWorkday = weekends_only) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        n += is_workday(day)
    return n
