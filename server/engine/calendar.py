"""The hall's working-day calendar and a case's promised-time clock (pure rules, no I/O).

A working day is Monday to Friday, minus the year's public holidays, plus the weekends the State
Council makes working days (调休). A promised item's due date is the acceptance date plus its
promised working days, the acceptance day not counted; working days a case spends waiting for the
applicant's materials (补正) do not count either, when the hall says so (the default).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and adjusted working days (any years); other days follow the weekday rule."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_workday(self, d: date) -> bool:
        """Whether the hall works on `d`."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The `n`th working day after `start` (`start` itself not counted); `start` when n <= 0.

        The one "add N working days" of the product: case due dates, rating call-backs and
        rectification feedback, complaint replies. Gives up after ten years of no working day.
        """
        d, left, idle = start, n, 0
        while left > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                left, idle = left - 1, 0
            else:
                idle += 1
                if idle > 3660:
                    raise ValueError("no working day in ten years: check the hall's calendar")
        return d

    def workdays_between(self, after: date, upto: date) -> int:
        """Working days d with after < d <= upto (0 when upto <= after)."""
        count = 0
        d = after
        while d < upto:
            d += timedelta(days=1)
            if self.is_workday(d):
                count += 1
        return count

    def closing(self, days: Iterable[date]) -> WorkCalendar:
        """This calendar with the hall's own closing days (never working days, even 调休 ones)."""
        closed = frozenset(days)
        return WorkCalendar(self.holidays | closed, self.workdays - closed)

    def merged(self, other: WorkCalendar) -> WorkCalendar:
        """This calendar with `other`'s days added (one year's entry over the rest)."""
        return WorkCalendar(self.holidays | other.holidays, self.workdays | other.workdays)


def parse_year(year: int, holidays: Iterable[str], workdays: Iterable[str]) -> WorkCalendar:
    """A year's calendar from ISO dates; raises ValueError naming a bad or out-of-year date, or a
    date listed both as a holiday and as a working day."""

    def days(values: Iterable[str], what: str) -> frozenset[date]:
        out = set()
        for v in values:
            try:
                d = date.fromisoformat(v)
            except (TypeError, ValueError):
                raise ValueError(f"{what}: {v!r} is not a date YYYY-MM-DD") from None
            if d.year != year:
                raise ValueError(f"{what}: {v} is not in {year}")
            out.add(d)
        return frozenset(out)

    h, w = days(holidays, "holidays"), days(workdays, "workdays")
    both = sorted(h & w)
    if both:
        raise ValueError(f"{both[0].isoformat()} is listed both as a holiday and as a working day")
    return WorkCalendar(h, w)


def bundled_year(year: int) -> dict[str, Any] | None:
    """The calendar shipped for `year` (`calendar_cn_<year>.json`, naming its notice), or None."""
    path = DATA_DIR / f"calendar_cn_{year}.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


# ---- a case's clock -------------------------------------------------------------------------

OPEN_STATES = frozenset({"accepted", "in_review", "awaiting_materials"})
DONE_STATES = frozenset({"ready", "rejected"})  # a decision is made: 办结 (准予 / 不予许可)


@dataclass
class CaseClock:
    """Where a case stands against its promised time on a given day."""

    due_date: date
    paused_days: int
    completed_day: date | None
    state: str
    overdue: bool
    on_time: bool | None  # None while no decision is made
    paused_spans: list[tuple[date, date | None]] = field(default_factory=list)


def case_clock(
    cal: WorkCalendar,
    accepted_day: date,
    promised_days: int,
    moves: list[tuple[date, str]],
    today: date,
    pause_awaiting: bool = True,
) -> CaseClock:
    """The due date, paused days and overdue flag of a case as of `today`.

    `moves`: (local day, new state) of each state change after acceptance, oldest first, up to
    `today`. A stretch waiting for materials pauses the clock for the working days after the day
    the materials were asked for, up to and including the day they arrived (like the acceptance
    day, the day of asking is already counted; while still waiting, up to `today`).
    """
    state = "accepted"
    spans: list[tuple[date, date | None]] = []
    completed: date | None = None
    waiting_since: date | None = None
    for day, new in moves:
        if day > today:
            break
        if new == "awaiting_materials" and waiting_since is None:
            waiting_since = day
        elif (
            state == "awaiting_materials"
            and new != "awaiting_materials"
            and waiting_since is not None
        ):
            spans.append((waiting_since, day))
            waiting_since = None
        if new in DONE_STATES and completed is None:
            completed = day
        state = new
    if waiting_since is not None:
        spans.append((waiting_since, None))
    paused = 0
    if pause_awaiting:
        paused = sum(cal.workdays_between(a, b if b is not None else today) for a, b in spans)
    due = cal.add_workdays(accepted_day, promised_days + paused)
    overdue = state not in DONE_STATES and state != "delivered" and today > due
    on_time = (completed <= due) if completed is not None else None
    return CaseClock(due, paused, completed, state, overdue, on_time, spans)


def due_within(cal: WorkCalendar, today: date, due: date, days: int = 1) -> bool:
    """Whether `due` is today or within the next `days` working days (and not yet past)."""
    return today <= due <= cal.add_workdays(today, days)
