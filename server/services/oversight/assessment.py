"""Window time (open, paused) from the window event log, and the assessment's weights.

The monthly 量化考核 itself is services/oversight/scorecard.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput
from ...engine.numbering import local_time
from ...storage.models import Site, Window, WindowEvent
from ...storage.types import UTCDateTime
from ..access.principal import Forbidden, Principal
from ..context import Context
from . import reports

COMPONENTS = (
    "efficiency",
    "satisfaction",
    "discipline",
    "volume",
    "center",
    "department",
    "items",
    "staffing",
)
# the plan's 量化考核: the center's score, the department's window manager's score and the visitors'
# satisfaction first; then efficiency, discipline, volume; for departments items and staffing (scorecard.py)
DEFAULT_WEIGHTS = {
    "efficiency": 15.0,
    "satisfaction": 30.0,
    "discipline": 10.0,
    "volume": 10.0,
    "center": 20.0,
    "department": 15.0,
    "items": 10.0,
    "staffing": 10.0,
}


def day_span(tz: str, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of the hall's local midnight opening `start` and closing `end`."""
    zone = ZoneInfo(tz)
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return first, last


def business_span(site: Site, day: date) -> tuple[datetime, datetime]:
    """The UTC instants a business day (numbering day, from `site.reset_hour`) starts and ends."""
    zone = ZoneInfo(site.timezone)
    at = time(site.reset_hour)
    first = datetime.combine(day, at, zone).astimezone(UTC)
    return first, datetime.combine(day + timedelta(days=1), at, zone).astimezone(UTC)


def window_time(
    s: Session, site_id: int, start: date, end: date, now: datetime, by: str = "window"
) -> dict[Any, tuple[float, float]]:
    """(open seconds, paused seconds) per window or per clerk over the hall's local days `start`..`end`.

    A state lasts from the window's change into it until its next change, across midnight too: each
    day starts from the state the window was in at its start (the last change before), and a state
    still running at the end of the range ends there, at the hall's midnight (or now, for today). So
    a closed day reads the same on the day (after the windows closed) and on any later day.
    """
    t0, t1 = day_span(s.get_one(Site, site_id).timezone, start, end)
    return span_time(s, site_id, t0, min(t1, now), by)


def span_time(
    s: Session, site_id: int, t0: datetime, t1: datetime, by: str = "window"
) -> dict[Any, tuple[float, float]]:
    """(open seconds, paused seconds) per window or clerk between two instants (see `window_time`)."""
    if t1 <= t0:
        return {}
    W = WindowEvent
    tz = s.get_one(Site, site_id).timezone
    lo, hi = literal(t0, UTCDateTime()), literal(t1, UTCDateTime())
    # the window's last change before the span: the state each window starts the span in
    carried = (
        select(W.id)
        .where(W.window_id == Window.id, W.at < lo)
        .order_by(W.at.desc(), W.id.desc())
        .limit(1)
        .correlate(Window)
        .scalar_subquery()
    )
    carried_ids = select(carried).where(Window.site_id == site_id)
    days = local_time(t0, tz).date(), local_time(t1, tz).date()
    in_span = and_(W.day.between(*days), W.at >= lo, W.at < hi)
    nxt = func.lead(W.at).over(partition_by=W.window_id, order_by=(W.at, W.id))
    inner = (
        select(
            W.window_id.label("w"),
            W.clerk_id.label("st"),
            W.to_state.label("state"),
            W.at.label("at"),
            nxt.label("nxt"),
        )
        .where(W.site_id == site_id, or_(in_span, W.id.in_(carried_ids)))
        .subquery()
    )
    since = case((inner.c.at < lo, lo), else_=inner.c.at)
    until = case((inner.c.nxt.is_(None) | (inner.c.nxt > hi), hi), else_=inner.c.nxt)
    secs = reports.seconds_between(s, until, since)
    key = inner.c.w if by == "window" else inner.c.st
    rows = s.execute(
        select(
            key,
            func.sum(case((inner.c.state == "open", secs), else_=0.0)),
            func.sum(case((inner.c.state == "paused", secs), else_=0.0)),
        )
        .where(key.is_not(None))
        .group_by(key)
    )
    out = {k: (max(0.0, float(o or 0)), max(0.0, float(p or 0))) for k, o, p in rows}
    return {k: v for k, v in out.items() if v != (0.0, 0.0)}  # closed throughout: nothing to show


def weights_of(site: Site, given: dict[str, float | None] | None = None) -> dict[str, float]:
    """The weights in force: the query's, else the hall's saved ones, else the defaults."""
    saved = (site.settings or {}).get("assessment_weights") or {}
    out = {k: float(saved.get(k, DEFAULT_WEIGHTS[k])) for k in COMPONENTS}
    for k, v in (given or {}).items():
        if v is not None:
            out[k] = float(v)
    if any(v < 0 for v in out.values()) or sum(out.values()) <= 0:
        raise InvalidInput("weights must be zero or more and not all zero", field="weights")
    return out


def save_weights(ctx: Context, who: Principal, weights: dict[str, float]) -> dict[str, float]:
    """Store the hall's assessment weights (admins)."""
    if not who.is_admin:
        raise Forbidden("only admins change the assessment weights")
    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        clean = weights_of(site, {k: weights.get(k) for k in COMPONENTS})
        site.settings = {**(site.settings or {}), "assessment_weights": clean}
        uow.commit()
        return clean
