"""The hall's working-day calendar: read, edit by year, seed the bundled national calendar.

The one place that says what a working day is for a hall: Monday to Friday, less the State
Council's holidays, plus its adjusted working weekends (entered by year), less the hall's own
closing days (`Site.holidays`). Case due dates, rating and complaint deadlines, the assessment's
working days and bookable days all count on `load` / `for_site`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ...engine.calendar import WorkCalendar, bundled_year, parse_year
from ...engine.errors import InvalidInput
from ...engine.hours import Days, workday_key
from ...storage.models import CalendarYear, Site
from ..access.principal import Forbidden, Principal
from ..context import Context

MIN_YEAR, MAX_YEAR = 2000, 2100


def load(s: Session, site_id: int) -> WorkCalendar:
    """Every year the hall has entered (a year without an entry follows the weekday rule), less
    the hall's own closing days."""
    cal = WorkCalendar()
    for row in s.scalars(select(CalendarYear).where(CalendarYear.site_id == site_id)):
        cal = cal.merged(parse_year(row.year, row.holidays, row.workdays))
    site = s.get(Site, site_id)
    return cal.closing(_closing_days(site.holidays if site is not None else None))


def days(s: Session, site_id: int, site_holidays: Any, site_hours: Any = None) -> Days:
    """The hall calendar as the opening hours follow it (engine.hours.Days): public holidays and
    the hall's own closing days close the hall, adjusted working weekend days open it with the
    ordinary weekday hours; for the hours checks of kiosk, hall screen, estimates and issuing."""
    cal = WorkCalendar()
    for row in s.scalars(select(CalendarYear).where(CalendarYear.site_id == site_id)):
        cal = cal.merged(parse_year(row.year, row.holidays, row.workdays))
    cal = cal.closing(_closing_days(site_holidays))
    return Days(cal.holidays, cal.workdays, workday_key(site_hours))


def _closing_days(values: Any) -> list[date]:
    out = []
    for v in values or []:
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            continue  # the settings API checks them; an odd old entry closes nothing
    return out


def for_site(site: Site) -> WorkCalendar:
    """The calendar of a hall read through the session it belongs to (weekday rule without one)."""
    s = object_session(site)
    if s is None:
        return WorkCalendar().closing(_closing_days(site.holidays))
    return load(s, site.id)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")


def _out(year: int, row: CalendarYear | None) -> dict[str, Any]:
    return {
        "year": year,
        "defined": row is not None,
        "holidays": sorted(row.holidays) if row else [],
        "workdays": sorted(row.workdays) if row else [],
        "source": row.source if row else "",
        "updated_at": row.updated_at.isoformat() if row and row.updated_at else None,
    }


def get_year(ctx: Context, who: Principal, year: int) -> dict[str, Any]:
    """A year of the hall's calendar (`defined: false` while none is entered: weekends alone count)."""
    _check_year(year)
    with ctx.uow(write=False) as uow:
        return _out(year, uow.session.get(CalendarYear, (who.site_id, year)))


def put_year(
    ctx: Context,
    who: Principal,
    year: int,
    holidays: list[str],
    workdays: list[str],
    source: str = "",
) -> dict[str, Any]:
    """Enter or replace a year's holidays and adjusted working days (admin)."""
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's calendar")
    _check_year(year)
    try:
        cal = parse_year(year, holidays, workdays)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="holidays") from None
    with ctx.uow() as uow:
        _save(uow.session, who.site_id, year, cal, source, ctx.clock.now(), who.id)
        uow.commit()
        return _out(year, uow.session.get(CalendarYear, (who.site_id, year)))


def _save(
    s: Session,
    site_id: int,
    year: int,
    cal: WorkCalendar,
    source: str,
    now: datetime | None,
    by: int | None,
) -> None:
    row = s.get(CalendarYear, (site_id, year))
    if row is None:
        row = CalendarYear(site_id=site_id, year=year)
        s.add(row)
    row.holidays = sorted(d.isoformat() for d in cal.holidays)
    row.workdays = sorted(d.isoformat() for d in cal.workdays)
    row.source = source[:300]
    row.updated_at = now
    row.updated_by = by
    s.flush()


def seed_bundled(s: Session, site_id: int, year: int) -> bool:
    """Enter the national calendar shipped for `year` (naming its notice) unless the hall has one."""
    data = bundled_year(year)
    if data is None or s.get(CalendarYear, (site_id, year)) is not None:
        return False
    _save(
        s,
        site_id,
        year,
        parse_year(year, data["holidays"], data["workdays"]),
        data.get("source", ""),
        None,
        None,
    )
    return True
