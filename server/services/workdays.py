"""The one place that says what a working day is for a hall (deadlines of ratings and complaints).

A working day is one of the hall calendar's (services/calendar.py: Monday to Friday, less the
State Council's holidays, plus its adjusted working weekends, entered by year) that is not one of
the hall's own closing days (`Site.holidays`). Ratings, complaints and the assessment count their
deadlines here, cases theirs on the same calendar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import object_session

from ..engine.calendar import WorkCalendar
from ..engine.workdays import IsWorkday, add_workdays
from ..storage.models import Site
from . import calendar

DEFAULT_DAYS = {
    "rating_period_days": 3,
    "callback_days": 1,
    "feedback_days": 5,
    "complaint_reply_days": 5,
}


def checker(site: Site) -> IsWorkday:
    """`is_workday(date)` for this hall (the site must belong to a session: its calendar is read)."""
    holidays = {str(h) for h in (site.holidays or [])}
    session = object_session(site)
    cal = calendar.load(session, site.id) if session is not None else WorkCalendar()

    def is_workday(day: date) -> bool:
        return cal.is_workday(day) and day.isoformat() not in holidays

    return is_workday


def setting_days(site: Site, key: str) -> int:
    """A day-count setting of the hall (`settings[key]`), else its default."""
    raw: Any = (site.settings or {}).get(key, DEFAULT_DAYS[key])
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return DEFAULT_DAYS[key]


def due(site: Site, start: date, key: str) -> date:
    """The deadline `settings[key]` working days after `start`."""
    return add_workdays(start, setting_days(site, key), checker(site))
