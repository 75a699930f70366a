"""Quantitative assessment (量化考核) of windows and clerks, and window time (open, paused).

Every component is computed in SQL from the event logs; only the per-group combination of the
components into a score happens here, and each row carries its inputs so the page can show how
its score was reached.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from ..engine.errors import InvalidInput
from ..engine.numbering import local_time
from ..storage.models import Evaluation, Service, Site, TicketEvent, Window, WindowEvent
from ..storage.types import UTCDateTime
from . import reports
from .context import Context
from .principal import Forbidden, Principal

COMPONENTS = ("efficiency", "satisfaction", "discipline", "volume")
DEFAULT_WEIGHTS = {"efficiency": 30.0, "satisfaction": 30.0, "discipline": 20.0, "volume": 20.0}
COLUMNS = ("key", "name", "score", "efficiency", "satisfaction", "discipline", "volume", "called", "served",
           "no_show", "service_s", "expected_s", "evaluations", "satisfied", "open_s", "paused_s",
           "paused_share", "no_show_rate", "max_served")
FORMULA = ("score = Σ weight × component / Σ weight (components without data are left out); "
           "efficiency = 100 × min(1, Σ expected service time / Σ actual service time); "
           "satisfaction = 100 × (满意 + 非常满意) / ratings; "
           "discipline = max(0, 100 − 100 × paused share of open time − 100 × no-shows / calls); "
           "volume = 100 × served / most served by any peer")


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


def window_time(s: Session, site_id: int, start: date, end: date, now: datetime, by: str = "window"
                ) -> dict[Any, tuple[float, float]]:
    """(open seconds, paused seconds) per window or per clerk over the hall's local days `start`..`end`.

    A state lasts from the window's change into it until its next change, across midnight too: each
    day starts from the state the window was in at its start (the last change before), and a state
    still running at the end of the range ends there, at the hall's midnight (or now, for today). So
    a closed day reads the same on the day (after the windows closed) and on any later day.
    """
    t0, t1 = day_span(s.get_one(Site, site_id).timezone, start, end)
    return span_time(s, site_id, t0, min(t1, now), by)


def span_time(s: Session, site_id: int, t0: datetime, t1: datetime, by: str = "window"
              ) -> dict[Any, tuple[float, float]]:
    """(open seconds, paused seconds) per window or clerk between two instants (see `window_time`)."""
    if t1 <= t0:
        return {}
    W = WindowEvent
    tz = s.get_one(Site, site_id).timezone
    lo, hi = literal(t0, UTCDateTime()), literal(t1, UTCDateTime())
    # the window's last change before the span: the state each window starts the span in
    carried = (select(W.id).where(W.window_id == Window.id, W.at < lo)
               .order_by(W.at.desc(), W.id.desc()).limit(1).correlate(Window).scalar_subquery())
    carried_ids = select(carried).where(Window.site_id == site_id)
    days = local_time(t0, tz).date(), local_time(t1, tz).date()
    in_span = and_(W.day.between(*days), W.at >= lo, W.at < hi)
    nxt = func.lead(W.at).over(partition_by=W.window_id, order_by=(W.at, W.id))
    inner = (select(W.window_id.label("w"), W.clerk_id.label("st"), W.to_state.label("state"), W.at.label("at"),
                    nxt.label("nxt"))
             .where(W.site_id == site_id, or_(in_span, W.id.in_(carried_ids))).subquery())
    since = case((inner.c.at < lo, lo), else_=inner.c.at)
    until = case((inner.c.nxt.is_(None) | (inner.c.nxt > hi), hi), else_=inner.c.nxt)
    secs = reports.seconds_between(s, until, since)
    key = inner.c.w if by == "window" else inner.c.st
    rows = s.execute(select(key, func.sum(case((inner.c.state == "open", secs), else_=0.0)),
                            func.sum(case((inner.c.state == "paused", secs), else_=0.0)))
                     .where(key.is_not(None)).group_by(key))
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


def assess(ctx: Context, who: Principal, start: date, end: date, by: str,
           weights: dict[str, float | None] | None = None) -> dict[str, Any]:
    """Scores per window or clerk with every input, the weights used and the formula."""
    reports.check(who, start, end, by, ("window", "staff"))
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        w = weights_of(s.get_one(Site, who.site_id), weights)
        E = TicketEvent
        key = (E.window_id if by == "window" else E.staff_id).label("k")
        fin = E.type == "finished"
        timed = and_(fin, E.duration_s.is_not(None))
        q = (select(key, func.sum(case((E.type == "called", 1), else_=0)), func.sum(case((fin, 1), else_=0)),
                    func.sum(case((E.type == "no_show", 1), else_=0)),
                    func.sum(case((timed, cast(E.duration_s, Float)), else_=0.0)),
                    func.sum(case((timed, cast(Service.expected_service_min, Float) * 60.0), else_=0.0)))
             .select_from(E).join(Service, Service.id == E.service_id)
             .where(E.site_id == who.site_id, E.day.between(start, end), key.is_not(None)).group_by(key))
        ev = {r[0]: r[1:] for r in s.execute(q)}
        ekey = (Evaluation.window_id if by == "window" else Evaluation.staff_id).label("k")
        rates = {k: (int(n), int(g or 0)) for k, n, g in s.execute(
            select(ekey, func.count(), func.sum(case((Evaluation.level >= 4, 1), else_=0)))
            .where(Evaluation.site_id == who.site_id, Evaluation.day.between(start, end), ekey.is_not(None))
            .group_by(ekey))}
        times = window_time(s, who.site_id, start, end, now, by)
        keys = sorted(set(ev) | set(rates) | set(times))
        names = reports._names(s, by, set(keys))
    max_served = max((int(ev[k][1] or 0) for k in ev), default=0)
    rows = [_row(k, names.get(k, str(k)), ev.get(k), rates.get(k, (0, 0)), times.get(k, (0.0, 0.0)), max_served, w)
            for k in keys]
    rows.sort(key=lambda r: (-(r["score"] or 0), str(r["name"])))
    return {"items": rows, "weights": w, "formula": FORMULA}


def _row(k: Any, name: str, ev: Any, rate: tuple[int, int], time: tuple[float, float], max_served: int,
         w: dict[str, float]) -> dict[str, Any]:
    called, served, no_show, service_s, expected_s = (int(ev[0] or 0), int(ev[1] or 0), int(ev[2] or 0),
                                                       float(ev[3] or 0), float(ev[4] or 0)) if ev else (0, 0, 0, 0.0, 0.0)
    total, good = rate
    open_s, paused_s = time
    paused_share = paused_s / (open_s + paused_s) if open_s + paused_s > 0 else 0.0
    no_show_rate = no_show / called if called else 0.0
    comp: dict[str, float | None] = {
        "efficiency": 100.0 * min(1.0, expected_s / service_s) if service_s > 0 else None,
        "satisfaction": 100.0 * good / total if total else None,
        "discipline": max(0.0, 100.0 - 100.0 * paused_share - 100.0 * no_show_rate),
        "volume": 100.0 * served / max_served if max_served else None,
    }
    used = {c: v for c, v in comp.items() if v is not None and w[c] > 0}
    score = sum(w[c] * v for c, v in used.items()) / sum(w[c] for c in used) if used else None
    return {"key": k, "name": name, "score": reports._round(score), **{c: reports._round(v) for c, v in comp.items()},
            "called": called, "served": served, "no_show": no_show, "service_s": round(service_s, 1),
            "expected_s": round(expected_s, 1), "evaluations": total, "satisfied": good,
            "open_s": round(open_s, 1), "paused_s": round(paused_s, 1), "paused_share": round(paused_share, 4),
            "no_show_rate": round(no_show_rate, 4), "max_served": max_served}
