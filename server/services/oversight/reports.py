"""Oversight figures, aggregated in SQL from the event log.

Definitions (written on the reports page too): wait = a ticket's first call − its issue (arrival),
once per ticket (`wait_s` on its first `called` event; a transferred or re-queued ticket's later
calls add no second wait); service = finish − start (the `finished` event's duration; grouped by
window or clerk, also the time a window served a visit before transferring it, so the first-ask
window keeps its work); 好评率 = (非常满意 + 满意) / ratings, 差评率 = (不满意 + 非常不满意) /
ratings, 满意率 as the hall sets it (services/ratings/rating_settings.py); percentiles are
nearest-rank (the smallest value with at least that share of values at or below it), computed by
`percentile_disc` on PostgreSQL and by `cume_dist()` on SQLite: the same numbers on both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import Float, Integer, case, cast, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput
from ...offload import blocking
from ...storage.models import (
    Department,
    Evaluation,
    ReportRollup,
    Service,
    Site,
    Staff,
    TicketEvent,
    Window,
)
from ..access.principal import Forbidden, Principal
from ..cases import case_report
from ..common import spreadsheet
from ..context import Context
from ..ratings import rating_settings, rectification
from . import rollup, transfers

GROUPS = ("service", "department", "window", "staff", "day", "hour")
COLUMNS = (
    "key",
    "name",
    "issued",
    "served",
    "no_show",
    "transferred",
    "cancelled",
    "wait_avg_s",
    "wait_p90_s",
    "service_avg_s",
    "evaluations",
    "satisfied",
    "satisfaction_rate",
    "wait_median_s",
    "service_median_s",
    "service_p90_s",
    "within_promised",
    "within_promised_rate",
    "level_5",
    "level_4",
    "level_3",
    "level_2",
    "level_1",
    "good_rate",
    "bad_rate",
    "transferred_in",
    "transferred_out",
    # cases (issue 17), defined in services/cases/case_report.py
    "accepted",
    "instant_done",
    "refused",
    "cases_completed",
    "cases_on_time",
    "cases_overdue",
    "instant_rate",
    "on_time_rate",
)
E = TicketEvent
R = ReportRollup


def check(
    who: Principal, start: date, end: date, by: str | None = None, groups: Sequence[str] = GROUPS
) -> None:
    """Reports are for supervisors and admins, over a valid range and grouping."""
    if not who.is_supervisor:
        raise Forbidden("reports are for supervisors and admins")
    if by is not None and by not in groups:
        raise InvalidInput(f"by must be one of {', '.join(groups)}", field="by")
    if end < start:
        raise InvalidInput("to is before from", field="to")
    if (end - start).days > 366:
        raise InvalidInput("a report covers at most 366 days", field="to")


def _key(model: Any, by: str) -> Any:
    if by == "department":
        return Service.department_id
    if by == "hour":
        return getattr(model, "hour", None)  # ratings have no hour
    return {
        "service": model.service_id,
        "window": model.window_id,
        "staff": model.staff_id,
        "day": model.day,
    }[by]


def _scope(
    q: Any, model: Any, site_id: int, start: date, end: date, by: str, joined: bool = False
) -> Any:
    q = q.where(model.site_id == site_id, model.day.between(start, end))
    if by == "department" and not joined:
        q = q.join(Service, Service.id == model.service_id)
    return q


def seconds_between(s: Session, later: Any, earlier: Any) -> Any:
    """`later − earlier` in seconds as an SQL expression (PostgreSQL or SQLite)."""
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def tune(s: Session) -> None:
    """Give a report's sorts and hashes room in memory on PostgreSQL (this transaction only).

    A year's percentiles sort about two million durations; at 64 MB they spilled to disk and took
    four times as long. Reports are rare and for supervisors only, so the memory is well spent.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET LOCAL work_mem = '256MB'"))


T = TypeVar("T")


def run_parts(ctx: Context, parts: Sequence[Callable[[Session], T]]) -> list[T]:
    """Run independent read-only queries of one report.

    On PostgreSQL each runs on its own connection at the same time (a year of percentiles is one
    long sort that the database cannot split itself); on SQLite they run one after another in one
    read transaction. Every part reads only closed history and today's appends, so separate
    snapshots differ at most by the events written during the report.
    """

    def one(part: Callable[[Session], T]) -> T:
        with ctx.uow(write=False) as uow:
            tune(uow.session)
            return part(uow.session)

    if not ctx.db.is_postgres or len(parts) < 2:
        with ctx.uow(write=False) as uow:
            tune(uow.session)
            return [part(uow.session) for part in parts]
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="report") as pool:
        return list(pool.map(one, parts))


def percentile_part(
    site_id: int, start: date, end: date, by: str, type_: str
) -> Callable[[Session], dict[Any, tuple[float, float]]]:
    """A query part: nearest-rank median and 90th percentile per group of the tickets' waits
    (`called`: first call − arrival) or of the service times (`finished`)."""

    def run(s: Session) -> dict[Any, tuple[float, float]]:
        key = _key(E, by).label("k")
        col = E.wait_s if type_ == "called" else E.duration_s
        base = E.type == type_, col.is_not(None)
        if s.get_bind().dialect.name == "postgresql":
            fracs = postgresql.array([0.5, 0.9])
            q = (
                select(key, func.percentile_disc(fracs).within_group(col))
                .where(*base)
                .group_by(key)
            )
            return {
                k: (float(v[0]), float(v[1]))
                for k, v in s.execute(_scope(q, E, site_id, start, end, by))
                if v
            }
        inner = _scope(
            select(
                key,
                col.label("d"),
                func.cume_dist().over(partition_by=key, order_by=col).label("cd"),
            ).where(*base),
            E,
            site_id,
            start,
            end,
            by,
        ).subquery()
        rows = s.execute(
            select(
                inner.c.k,
                func.min(case((inner.c.cd >= 0.5, inner.c.d))),
                func.min(case((inner.c.cd >= 0.9, inner.c.d))),
            ).group_by(inner.c.k)
        )
        return {k: (float(m), float(p)) for k, m, p in rows}

    return run


VOLUME_TYPES = ("issued", "called", "finished", "no_show", "transferred", "cancelled")


def _volumes_part(
    site_id: int, start: date, end: date, by: str, through: date | None
) -> Callable[[Session], dict[Any, tuple[Any, ...]]]:
    """A query part: counts, average wait and service, promise kept per group, from the daily
    roll-ups up to `through` and from the event log after it (today)."""

    def run(s: Session) -> dict[Any, tuple[Any, ...]]:
        # key -> type -> [events, durations counted, duration sum, promise kept]
        acc: dict[Any, dict[str, list[float]]] = {}

        def add(rows: Any) -> None:
            for k, t, n, dn, dsum, kept in rows:
                if k is None:
                    continue
                cell = acc.setdefault(k, {}).setdefault(t, [0, 0, 0.0, 0])
                cell[0] += int(n or 0)
                cell[1] += int(dn or 0)
                cell[2] += float(dsum or 0.0)
                cell[3] += int(kept or 0)

        if through is not None and start <= through:
            rk = _key(R, by).label("k")
            q = (
                select(
                    rk,
                    R.type,
                    func.sum(R.n),
                    func.sum(R.duration_n),
                    func.sum(R.duration_sum),
                    func.sum(R.kept),
                )
                .where(R.type.in_(VOLUME_TYPES))
                .group_by(rk, R.type)
            )
            add(s.execute(_scope(q, R, site_id, start, min(end, through), by)))
        raw_from = start if through is None or start > through else through + timedelta(days=1)
        if raw_from <= end:
            key = _key(E, by).label("k")
            fig = rollup.figure()
            q = (
                select(
                    key,
                    E.type,
                    func.count(),
                    func.count(fig),
                    func.sum(cast(fig, Float)),
                    func.sum(rollup.kept_expr()),
                )
                .select_from(E)
                .join(Service, Service.id == E.service_id)
                .where(E.type.in_(VOLUME_TYPES))
                .group_by(key, E.type)
            )
            add(s.execute(_scope(q, E, site_id, raw_from, end, by, joined=True)))
        issued_type = "issued" if by in ("service", "department", "day", "hour") else "called"
        zero = [0, 0, 0.0, 0]
        out: dict[Any, tuple[Any, ...]] = {}
        for k, types in acc.items():
            called, finished = types.get("called", zero), types.get("finished", zero)
            if by in (
                "window",
                "staff",
            ):  # the first-ask window keeps the time it served a visit it transferred
                moved = types.get("transferred", zero)
                finished = [
                    finished[0],
                    finished[1] + moved[1],
                    finished[2] + moved[2],
                    finished[3],
                ]
            out[k] = (
                types.get(issued_type, zero)[0],
                finished[0],
                types.get("no_show", zero)[0],
                types.get("transferred", zero)[0],
                types.get("cancelled", zero)[0],
                called[2] / called[1] if called[1] else None,
                finished[2] / finished[1] if finished[1] else None,
                finished[3],
            )
        return out

    return run


def _ratings_part(
    site_id: int, start: date, end: date, by: str
) -> Callable[[Session], dict[Any, tuple[int, ...]]]:
    """A query part: ratings per level (5 … 1) per group."""

    def run(s: Session) -> dict[Any, tuple[int, ...]]:
        ev_key = _key(Evaluation, by)
        if ev_key is None:
            return {}
        ev_key = ev_key.label("k")
        q = (
            select(
                ev_key,
                *(func.sum(case((Evaluation.level == lv, 1), else_=0)) for lv in (5, 4, 3, 2, 1)),
            )
            .where(ev_key.is_not(None))
            .group_by(ev_key)
        )
        return {
            r[0]: tuple(int(x or 0) for x in r[1:])
            for r in s.execute(_scope(q, Evaluation, site_id, start, end, by))
        }

    return run


@blocking
def summary(ctx: Context, who: Principal, start: date, end: date, by: str) -> list[dict[str, Any]]:
    """One row per group: volumes, wait and service times, promise kept, ratings (see API.md)."""
    check(who, start, end, by)
    site = who.site_id
    through = rollup.refresh(ctx, site)
    parts: list[Callable[[Session], Any]] = [
        percentile_part(site, start, end, by, "called"),
        percentile_part(site, start, end, by, "finished"),
        _volumes_part(site, start, end, by, through),
        _ratings_part(site, start, end, by),
    ]
    waits, services, rows, evals = run_parts(ctx, parts)
    keys = sorted(set(rows) | set(evals), key=lambda x: (str(type(x)), x))
    with ctx.uow(write=False) as uow:
        moved = transfers.counts(uow.session, site, start, end, by)
        keys = sorted(set(keys) | set(moved), key=lambda x: (str(type(x)), x))
        names = _names(uow.session, by, set(keys))
        names_en = names_in_english(uow.session, by, set(keys))
        satisfied_levels = rating_settings.satisfied_levels(uow.session.get_one(Site, site))
    out = []
    for k in keys:
        issued, served, no_show, transferred, cancelled, wait_avg, svc_avg, kept = rows.get(
            k, (0,) * 5 + (None, None, 0)
        )
        levels = evals.get(k, (0,) * 5)
        total, good = sum(levels), levels[0] + levels[1]
        bad = levels[3] + levels[4]
        satisfied = sum(levels[i] for i, lv in enumerate((5, 4, 3, 2, 1)) if lv in satisfied_levels)
        served = int(served or 0)
        kept = int(kept or 0)
        out.append(
            {
                "key": k.isoformat() if isinstance(k, date) else k,
                "name": names.get(k, str(k)),
                "name_en": names_en.get(k) or names.get(k, str(k)),
                "issued": int(issued or 0),
                "served": served,
                "no_show": int(no_show or 0),
                "transferred": int(transferred or 0),
                "cancelled": int(cancelled or 0),
                "wait_avg_s": _round(wait_avg),
                "wait_p90_s": _round(waits.get(k, (None, None))[1]),
                "service_avg_s": _round(svc_avg),
                "evaluations": total,
                "satisfied": satisfied,
                "satisfaction_rate": round(satisfied / total, 4) if total else None,
                "good_rate": round(good / total, 4) if total else None,
                "bad_rate": round(bad / total, 4) if total else None,
                "transferred_in": moved.get(k, (0, 0))[0],
                "transferred_out": moved.get(k, (0, 0))[1],
                "wait_median_s": _round(waits.get(k, (None, None))[0]),
                "service_median_s": _round(services.get(k, (None, None))[0]),
                "service_p90_s": _round(services.get(k, (None, None))[1]),
                "within_promised": kept,
                "within_promised_rate": round(kept / served, 4) if served else None,
                **{f"level_{lv}": levels[i] for i, lv in enumerate((5, 4, 3, 2, 1))},
            }
        )
    # cases (issue 17): 受理, 即办, 不予受理, 办结, 按时办结, 超期 and their rates
    return case_report.add_columns(ctx, site, start, end, by, out, lambda s, ks: _names(s, by, ks))


@blocking
def heatmap(ctx: Context, who: Principal, start: date, end: date) -> list[dict[str, Any]]:
    """Arrivals (issued tickets) per weekday (1 = Monday … 7 = Sunday) and hour."""
    check(who, start, end)
    with ctx.uow(write=False) as uow:
        s = uow.session
        dow: Any
        if s.get_bind().dialect.name == "postgresql":
            dow = cast(func.extract("isodow", E.day), Integer)
        else:  # strftime %w: 0 = Sunday
            w = cast(func.strftime("%w", E.day), Integer)
            dow = case((w == 0, 7), else_=w)
        q = (
            select(dow.label("dow"), E.hour, func.count(), func.count(func.distinct(E.day)))
            .where(E.site_id == who.site_id, E.day.between(start, end), E.type == "issued")
            .group_by(dow, E.hour)
            .order_by(dow, E.hour)
        )
        return [
            {
                "weekday": int(d),
                "hour": int(h),
                "arrivals": int(c),
                "days": int(nd),
                "per_day": round(int(c) / int(nd), 1),
            }
            for d, h, c, nd in s.execute(q)
        ]


@blocking
def bad_ratings(ctx: Context, who: Principal, start: date, end: date) -> list[dict[str, Any]]:
    """Ratings of 不满意 and 非常不满意 in the range with their rectification, newest first."""
    check(who, start, end)
    with ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, who.site_id)
        today = rollup.closed_through(site, ctx.clock.now()) + timedelta(
            days=1
        )  # the hall's date today
        return rectification.in_range(uow.session, who.site_id, start, end, today)


def _round(v: Any) -> float | None:
    return round(float(v), 1) if v is not None else None


def _names(s: Session, by: str, keys: set[Any]) -> dict[Any, str]:
    if not keys:
        return {}
    if by == "day":
        return {k: k.isoformat() for k in keys if isinstance(k, date)}
    if by == "hour":
        return {k: f"{int(k):02d}:00–{int(k) + 1:02d}:00" for k in keys}
    if by == "service":
        return {
            i: n for i, n in s.execute(select(Service.id, Service.name).where(Service.id.in_(keys)))
        }
    if by == "department":
        return {
            i: n
            for i, n in s.execute(
                select(Department.id, Department.name).where(Department.id.in_(keys))
            )
        }
    if by == "window":
        return {
            i: f"{num}号 {n}"
            for i, num, n in s.execute(
                select(Window.id, Window.number, Window.name).where(Window.id.in_(keys))
            )
        }
    return {
        i: f"{n}（{b}）" if b else n
        for i, n, b in s.execute(
            select(Staff.id, Staff.name, Staff.badge).where(Staff.id.in_(keys))
        )
    }


def names_in_english(s: Session, by: str, keys: set[Any]) -> dict[Any, str]:
    """The English names of items, departments and windows where the hall gave them (pages in
    English); people, days and hours read the same in both languages."""
    if not keys or by not in ("service", "department", "window"):
        return {}
    if by == "window":
        return {
            i: f"Window {num} {en}"
            for i, num, en in s.execute(
                select(Window.id, Window.number, Window.name_en).where(Window.id.in_(keys))
            )
            if en
        }
    model = Service if by == "service" else Department
    return {
        i: en
        for i, en in s.execute(select(model.id, model.name_en).where(model.id.in_(keys)))
        if en
    }


@blocking
def to_csv(rows: list[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> bytes:
    """The rows as CSV with one header row (UTF-8 with BOM so Excel reads Chinese); formula-safe."""
    return spreadsheet.to_csv(columns, ([r.get(k) for k in columns] for r in rows))


@blocking
def to_xlsx(
    rows: list[dict[str, Any]], columns: Sequence[str] = COLUMNS, title: str = "summary"
) -> bytes:
    """The rows as an XLSX workbook with one header row; text stays text, numbers stay numbers."""
    return spreadsheet.to_xlsx(columns, ([r.get(k) for k in columns] for r in rows), title)
