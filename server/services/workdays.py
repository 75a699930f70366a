"""The one place that says what a working day is for a hall (deadlines of ratings and complaints).

Until the hall calendar (issue 17) is merged, a working day is Monday to Friday and not one of the
hall's holidays (`Site.holidays`); plug the calendar in here and every deadline follows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..engine.workdays import IsWorkday, add_workdays, weekends_only
from ..storage.models import Site

DEFAULT_DAYS = {
    "rating_period_days": 3,
    "callback_days": 1,
    "feedback_days": 5,
    "complaint_reply_days": 5,
}


def checker(site: Site) -> IsWorkday:
    """`is_workday(date)` for this hall."""
    holidays = {str(h) for h in (site.holidays or [])}

    def is_workday(day: date) -> bool:
        return weekends_only(day) and day.isoformat() not in holidays

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
