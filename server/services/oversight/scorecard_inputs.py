"""The inputs of the monthly assessment (services/oversight/scorecard.py), each read from the stored rows:
events per window, clerk or department, ratings (upheld appeals set apart), window time with the
pause allowance and late openings, a department's items and staffed window-days, manual scores."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from ...engine.hours import DAY_KEYS
from ...storage.models import (
    Department,
    Evaluation,
    Service,
    Site,
    TicketEvent,
    Window,
    WindowEvent,
    WindowService,
)
from ...storage.models_ratings import AssessmentScore
from ..calendar import calendar
from ..ratings import rating_settings
from . import assessment, reports


@dataclass(frozen=True)
class Manual:
    """A manual score as read (center or department rater)."""

    score: int
    comment: str
    by_name: str


DEFAULT_RULES = {"pause_allowance_min": 30, "late_grace_min": 5, "late_penalty": 5}
E = TicketEvent


def rules(site: Site) -> dict[str, float]:
    """Discipline rules: pause allowed per open day (minutes), grace before an opening is late, points per late day."""
    own = (site.settings or {}).get("discipline") or {}
    return {k: float(own.get(k, v)) for k, v in DEFAULT_RULES.items()}


def month_span(month: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    first = date.fromisoformat(month + "-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def events(s: Session, site_id: int, start: date, end: date, by: str) -> dict[Any, list[float]]:
    """called, served, no-show, service seconds and expected seconds of finished visits per key."""
    key = {"window": E.window_id, "staff": E.staff_id, "department": Service.department_id}[
        by
    ].label("k")
    fin = E.type == "finished"
    timed = and_(fin, E.duration_s.is_not(None))
    q = (
        select(
            key,
            func.sum(case((E.type == "called", 1), else_=0)),
            func.sum(case((fin, 1), else_=0)),
            func.sum(case((E.type == "no_show", 1), else_=0)),
            func.sum(case((timed, cast(E.duration_s, Float)), else_=0.0)),
            func.sum(case((timed, cast(Service.expected_service_min, Float) * 60.0), else_=0.0)),
        )
        .select_from(E)
        .join(Service, Service.id == E.service_id)
        .where(E.site_id == site_id, E.day.between(start, end), key.is_not(None))
        .group_by(key)
    )
    return {r[0]: [float(x or 0) for x in r[1:]] for r in s.execute(q)}


def ratings(s: Session, site: Site, start: date, end: date, by: str) -> dict[Any, list[int]]:
    """[ratings, satisfied, not counted (upheld appeals)] per key."""
    levels = rating_settings.satisfied_levels(site)
    dept = (
        {}
        if by != "department"
        else dict(s.execute(select(Service.id, Service.department_id)).all())
    )
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for ev in s.scalars(
        select(Evaluation).where(Evaluation.site_id == site.id, Evaluation.day.between(start, end))
    ):
        k = (
            ev.window_id
            if by == "window"
            else ev.staff_id
            if by == "staff"
            else dept.get(ev.service_id)
        )
        if k is None:
            continue
        if (ev.appeal or {}).get("decision") == "upheld":
            out[k][2] += 1
            continue
        out[k][0] += 1
        out[k][1] += ev.level in levels
    return dict(out)


def opening(site: Site, day: date) -> time | None:
    spans = (site.hours or {}).get(DAY_KEYS[day.weekday()]) or []
    if not spans:
        return None
    h, m = str(spans[0][0]).split(":")
    return time(int(h), int(m))


def discipline(
    s: Session, site: Site, start: date, end: date, now: datetime, by: str
) -> dict[Any, dict[str, float]]:
    """open, paused, pause beyond the allowance (seconds) and late openings per window or clerk."""
    rule = rules(site)
    allow = rule["pause_allowance_min"] * 60
    zone = ZoneInfo(site.timezone)
    out: dict[Any, dict[str, float]] = defaultdict(
        lambda: {"open_s": 0.0, "paused_s": 0.0, "excess_s": 0.0, "late": 0.0, "days": 0.0}
    )
    day = start
    while day <= end:
        t0, t1 = assessment.day_span(site.timezone, day, day)
        for k, (o, p) in assessment.span_time(s, site.id, t0, min(t1, now), by).items():
            row = out[k]
            row["open_s"] += o
            row["paused_s"] += p
            row["excess_s"] += max(0.0, p - allow)
            row["days"] += 1
        day += timedelta(days=1)
    is_workday = calendar.for_site(site).is_workday
    key = WindowEvent.window_id if by == "window" else WindowEvent.clerk_id
    firsts = s.execute(
        select(key, WindowEvent.day, func.min(WindowEvent.at))
        .where(
            WindowEvent.site_id == site.id,
            WindowEvent.day.between(start, end),
            WindowEvent.to_state == "open",
            key.is_not(None),
        )
        .group_by(key, WindowEvent.day)
    )
    grace = timedelta(minutes=rule["late_grace_min"])
    for k, d, first in firsts:
        opens = opening(site, d)
        if opens is None or not is_workday(d):
            continue
        if first.astimezone(zone) > datetime.combine(d, opens, zone) + grace:
            out[k]["late"] += 1
    return dict(out)


def own_windows(s: Session, site_id: int) -> dict[int, int]:
    """window id -> the department all of its items belong to (comprehensive windows belong to none)."""
    depts: dict[int, set[int]] = defaultdict(set)
    for wid, did in s.execute(
        select(WindowService.window_id, Service.department_id)
        .join(Service, Service.id == WindowService.service_id)
        .join(Window, Window.id == WindowService.window_id)
        .where(Window.site_id == site_id, Window.active)
    ):
        depts[wid].add(did)
    return {w: next(iter(d)) for w, d in depts.items() if len(d) == 1}


def department_extras(
    s: Session, site: Site, start: date, end: date, today: date
) -> dict[int, dict[str, float]]:
    """Items present vs registered, window-days staffed vs scheduled, per department."""
    out: dict[int, dict[str, float]] = defaultdict(
        lambda: {
            "items": 0,
            "items_present": 0,
            "windows": 0,
            "window_days": 0,
            "window_days_open": 0,
        }
    )
    served = set(
        s.scalars(
            select(WindowService.service_id)
            .join(Window, Window.id == WindowService.window_id)
            .where(Window.site_id == site.id, Window.active)
        )
    )
    for sid, did in s.execute(
        select(Service.id, Service.department_id).where(Service.site_id == site.id, Service.active)
    ):
        out[did]["items"] += 1
        out[did]["items_present"] += sid in served
    own = own_windows(s, site.id)
    is_workday = calendar.for_site(site).is_workday
    days = [start + timedelta(days=i) for i in range((min(end, today) - start).days + 1)]
    days = [d for d in days if is_workday(d)]
    opened = {
        (wid, d)
        for wid, d in s.execute(
            select(WindowEvent.window_id, WindowEvent.day).where(
                WindowEvent.site_id == site.id,
                WindowEvent.day.between(start, end),
                WindowEvent.to_state == "open",
            )
        )
    }
    for wid, did in own.items():
        out[did]["windows"] += 1
        out[did]["window_days"] += len(days)
        out[did]["window_days_open"] += sum((wid, d) in opened for d in days)
    return dict(out)


def manual(s: Session, site_id: int, month: str | None, kind: str) -> dict[tuple[int, str], Manual]:
    """The month's manual scores of one kind of subject, by (subject id, rater)."""
    if month is None:
        return {}
    rows = s.scalars(
        select(AssessmentScore).where(
            AssessmentScore.site_id == site_id,
            AssessmentScore.month == month,
            AssessmentScore.subject_kind == kind,
        )
    )
    return {(r.subject_id, r.rater): Manual(r.score, r.comment, r.by_name) for r in rows}


def names(s: Session, by: str, keys: set[Any]) -> dict[Any, str]:
    """Display names of windows, clerks or departments."""
    if by == "department":
        return dict(
            s.execute(select(Department.id, Department.name).where(Department.id.in_(keys))).all()
        )
    return reports._names(s, by, keys)
