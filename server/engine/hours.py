"""Business hours and holidays of a hall, and its extra service periods (延时 / 错时服务)."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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


@dataclass(frozen=True)
class Days:
    """The hall calendar as the timetable sees it: a holiday (public, or the hall's own closing
    day) closes the hall; an adjusted working weekend day (调休上班日) keeps the ordinary weekday
    timetable (see `workday_key`); every other day keeps its weekday's."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    # the weekday an adjusted working weekend day counts as for the service periods: the one whose
    # timetable the hall's hours keep on it (workday_key of the hall's hours)
    periods_as: str = "mon"

    @classmethod
    def of(cls, holidays: Days | Iterable[str] | None) -> Days:
        """`holidays` as Days: already Days, or the ISO dates of `Site.holidays` (odd ones skipped)."""
        if isinstance(holidays, Days):
            return holidays
        out = set()
        for v in holidays or ():
            try:
                out.add(date.fromisoformat(str(v)))
            except ValueError:
                continue
        return cls(frozenset(out))

    def key(self, hours: Hours | None, day: date) -> str | None:
        """Whose timetable in `hours` `day` keeps (a DAY_KEYS entry), or None when it is a holiday."""
        if day in self.workdays:
            return DAY_KEYS[day.weekday()] if day.weekday() < 5 else workday_key(hours)
        if day in self.holidays:
            return None
        return DAY_KEYS[day.weekday()]

    def spans(self, hours: Hours, day: date) -> Sequence[Sequence[str]]:
        key = self.key(hours, day)
        return () if key is None else hours.get(key, ())


def workday_key(hours: Hours | None) -> str:
    """The weekday whose timetable an adjusted working weekend day keeps: "上班日 follows the
    normal weekday schedule", so the timetable most of Monday to Friday share (a hall that closes
    on Friday afternoons still opens the whole adjusted Saturday); on a tie the earliest weekday."""
    weekdays = DAY_KEYS[:5]
    spans = {k: [list(s) for s in (hours or {}).get(k, ())] for k in weekdays}
    return max(
        weekdays, key=lambda k: (sum(spans[j] == spans[k] for j in weekdays), -weekdays.index(k))
    )


Holidays = Days | Sequence[str]


def is_open(hours: Hours | None, local_now: datetime, holidays: Holidays = ()) -> bool:
    """True when the hall takes tickets at `local_now` (no timetable: always open)."""
    if not hours:
        return True
    now = local_now.time()
    return any(
        _parse(a) <= now < _parse(b) for a, b in Days.of(holidays).spans(hours, local_now.date())
    )


def next_opening(
    hours: Hours | None, local_now: datetime, holidays: Holidays = (), horizon_days: int = 62
) -> datetime | None:
    """The next moment after `local_now` at which the hall takes tickets (None: none within the horizon)."""
    if not hours:
        return None
    days = Days.of(holidays)
    for offset in range(horizon_days + 1):
        day = (local_now + timedelta(days=offset)).date()
        starts = sorted(_parse(a) for a, _b in days.spans(hours, day))
        for start in starts:
            at = datetime.combine(day, start, local_now.tzinfo)
            if at > local_now:
                return at
    return None


def closing_time(hours: Hours | None, local_now: datetime, holidays: Holidays = ()) -> time | None:
    """When the span the hall is open in at `local_now` ends (None when closed or without a timetable)."""
    if not hours:
        return None
    now = local_now.time()
    ends = [
        _parse(b)
        for a, b in Days.of(holidays).spans(hours, local_now.date())
        if _parse(a) <= now < _parse(b)
    ]
    return min(ends) if ends else None


def hours_today(hours: Hours | None, day: date, holidays: Holidays = ()) -> list[list[str]]:
    """The spans the timetable keeps on `day` (none on a holiday)."""
    return [list(s) for s in Days.of(holidays).spans(hours or {}, day)]


# ---- 延时 / 错时服务: extra service periods ----------------------------------------------------

PERIOD_KINDS = (
    "extended",
    "staggered",
)  # 延时服务 (no lunch break, later evening), 错时服务 (weekend)


@dataclass(frozen=True)
class Period:
    """An extra service period: on `days` (weekday keys) that are not holidays, `start` to `end`
    hall time, the items `service_ids` are taken (whatever the ordinary hours say)."""

    id: int
    kind: str
    name: str
    name_en: str
    days: tuple[str, ...]
    start: str
    end: str
    window_ids: tuple[int, ...] = ()
    service_ids: tuple[int, ...] = ()

    def on(self, day: date, holidays: Container[date] | Days = ()) -> bool:
        """Whether the period runs on `day` (its weekday, and not a holiday). With the hall's
        Days, an adjusted working weekend day counts as the weekday whose hours the hall keeps."""
        if isinstance(holidays, Days):
            if day in holidays.workdays and day.weekday() >= 5:
                return holidays.periods_as in self.days
            return DAY_KEYS[day.weekday()] in self.days and day not in holidays.holidays
        return DAY_KEYS[day.weekday()] in self.days and day not in holidays

    def open_at(self, local_now: datetime, holidays: Container[date] | Days = ()) -> bool:
        return self.on(local_now.date(), holidays) and (
            _parse(self.start) <= local_now.time() < _parse(self.end)
        )


def validate_period(days: Sequence[str], start: str, end: str) -> str | None:
    """Why a period's days or times are malformed, or None."""
    if not days:
        return "days: name at least one weekday"
    for d in days:
        if d not in DAY_KEYS:
            return f"days: unknown day {d!r}; use {', '.join(DAY_KEYS)}"
    try:
        a, b = _parse(start), _parse(end)
    except (ValueError, TypeError):
        return 'start and end are "HH:MM"'
    if a >= b:
        return f"{start} is not before {end}"
    return None


def period_open(
    periods: Sequence[Period],
    local_now: datetime,
    holidays: Container[date] | Days = (),
    service_id: int | None = None,
) -> Period | None:
    """The period running at `local_now` (that takes `service_id`, when given), or None."""
    for p in periods:
        if p.open_at(local_now, holidays) and (service_id is None or service_id in p.service_ids):
            return p
    return None


def next_period_start(
    periods: Sequence[Period],
    local_now: datetime,
    holidays: Container[date] | Days = (),
    service_id: int | None = None,
    horizon_days: int = 62,
) -> datetime | None:
    """The next start after `local_now` of a period (taking `service_id`, when given)."""
    best: datetime | None = None
    for p in periods:
        if service_id is not None and service_id not in p.service_ids:
            continue
        for offset in range(horizon_days + 1):
            day = (local_now + timedelta(days=offset)).date()
            if not p.on(day, holidays):
                continue
            at = datetime.combine(day, _parse(p.start), local_now.tzinfo)
            if at > local_now:
                if best is None or at < best:
                    best = at
                break
    return best


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the moments given (None among them ignored)."""
    known = [m for m in moments if m is not None]
    return min(known) if known else None
