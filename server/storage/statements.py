"""Prebuilt statements for the paths a busy morning runs thousands of times.

SQLAlchemy takes longer to build a statement than SQLite takes to run it (measured here: 73 µs to
build and run an INSERT, 14 µs to run one built before), so issuing, calling, the waiting counts and
the audit row use statements built once with bind parameters; the compiled cache then also skips
compiling them. They are built on first use, per dialect where the SQL differs, never at import.
Run them with `UnitOfWork.execute` (on the unit of work's own connection, in its transaction).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite

from ..engine.states import Priority, TicketState
from .models import (
    Counter,
    Department,
    Device,
    QueueCount,
    Service,
    ServiceDayCount,
    ServicePeriod,
    Site,
    Ticket,
)
from .models_booking import Appointment

T = Ticket  # the mapped columns work in these Core statements as they do in ORM ones


def has_active_periods(site_id: Any) -> Any:
    """Whether hall `site_id` (a column or a value) has active 延时/错时 periods."""
    return exists().where(ServicePeriod.site_id == site_id, ServicePeriod.active.is_(True))


@cache
def hall_rules() -> Any:
    """What a new ticket's place needs of hall `:site_id` (call_order.HallRules), without loading
    it; issuing reads the same with its item (issue_context)."""
    return select(
        Site.priority_ratio, Site.settings, Site.timezone, has_active_periods(Site.id)
    ).where(Site.id == bindparam("site_id"))


@cache
def issue_context() -> Any:
    """What issuing needs to know of an item, its department and its hall (the rules of its call
    order among them: call_order.HallRules), and the printer of the issuing kiosk (`:device_id`,
    None for staff), in one row."""
    printer = (
        select(Device.printer_url).where(Device.id == bindparam("device_id")).scalar_subquery()
    )
    periods = has_active_periods(Service.site_id).label("has_periods")
    return (
        select(
            Service.site_id,
            Service.active,
            Service.name,
            Service.prefix,
            Service.daily_cap,
            Service.hours,
            Department.active.label("department_active"),
            Site.timezone,
            Site.reset_hour,
            Site.hours.label("site_hours"),
            Site.holidays,
            Site.enforce_hours,
            Site.priority_ratio,
            Site.settings.label("site_settings"),
            periods,
            printer.label("printer"),
        )
        .join(Department, Department.id == Service.department_id)
        .join(Site, Site.id == Service.site_id)
        .where(Service.id == bindparam("service_id"))
    )


@cache
def bump(model: Any, dialect: str) -> Any:
    """Insert a counter row at 1 or add one to it, returning its new value: one atomic statement.

    `model` is Counter (per site, prefix and business day) or ServiceDayCount (per item and day)."""
    keys, column = (
        (["site_id", "prefix", "day"], "value")
        if model is Counter
        else (["service_id", "day"], "issued")
    )
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    col = getattr(model, column)
    return (
        ins.values({k: bindparam(k) for k in keys} | {column: 1})
        .on_conflict_do_update(index_elements=keys, set_={column: col + 1})
        .returning(col)
    )


COUNTERS = (Counter, ServiceDayCount)


@cache
def insert_row(model: Any, keys: tuple[str, ...], returning_id: bool = False) -> Any:
    """INSERT of `model` with exactly the columns `keys` (every one given: no Python-side defaults run)."""
    stmt = insert(model).values({k: bindparam(k) for k in keys})
    return stmt.returning(model.id) if returning_id else stmt


@cache
def waiting_counts() -> Any:
    """Waiting tickets per active item of a hall on a business day (kept by triggers, migration 0011)."""
    return (
        select(Service.id, QueueCount.waiting)
        .outerjoin(
            QueueCount,
            and_(
                QueueCount.service_id == Service.id,
                QueueCount.site_id == bindparam("site_id"),
                QueueCount.day == bindparam("day"),
            ),
        )
        .where(Service.site_id == bindparam("site_id"), Service.active)
    )


CANDIDATE_COLUMNS = (T.id, T.service_id, T.priority, T.issued_at, T.target_window_id)


@cache
def queue_heads(services: int, skip: bool) -> Any:
    """The oldest `:per_queue` waiting tickets of each (item, class) queue of `services` items
    (`:s0`, `:s1`, ...), and every ticket transferred to `:window_id`; without `:skip` ids if asked.

    One index step per queue (ix_tickets_heads): a call costs the same with ten or ten thousand
    waiting."""
    base = [
        T.site_id == bindparam("site_id"),
        T.day == bindparam("day"),
        T.state == TicketState.WAITING.value,
    ]
    if skip:
        base.append(T.id.notin_(bindparam("skip", expanding=True)))
    parts = [
        select(h)
        for h in (
            select(*CANDIDATE_COLUMNS)
            .where(
                *base,
                T.service_id == bindparam(f"s{i}"),
                T.priority == prio.value,
                T.target_window_id.is_(None),
            )
            .order_by(T.issued_at, T.id)
            .limit(bindparam("per_queue"))
            .subquery()
            for i in range(services)
            for prio in Priority
        )
    ]
    parts.append(
        select(*CANDIDATE_COLUMNS).where(*base, T.target_window_id == bindparam("window_id"))
    )
    return union_all(*parts) if len(parts) > 1 else parts[0]


@cache
def queue_heads_pg() -> Any:
    """`queue_heads` for PostgreSQL: the same rows from one LATERAL step per (item, class) queue.

    PostgreSQL plans a UNION of one branch per queue anew at each call: 70 ms for a comprehensive
    window of 66 items, measured here, where this plan takes about 1 ms. Parameters: those of
    `queue_heads_pg_params`.

    Each step orders by `target_window_id` too, NULL in all its rows: `IS NULL` makes no
    equivalence class, so without it the planner cannot see that the covering indexes
    (ix_tickets_targeted, ix_tickets_heads) already hold a queue in call order. It then sorted a bitmap scan (2 ms a call with 8,000 tickets of
    the day), or, on a table not yet analysed, filtered the whole day through the unique
    (site, prefix, day, number) index (50 ms). With it: an ordered index-only step, 0.2-0.4 ms,
    statistics or none (tests/integration/test_queue_heads_pg.py)."""
    cols = "t.id, t.service_id, t.priority, t.issued_at, t.target_window_id"
    classes = ", ".join(f"('{p.value}')" for p in Priority)
    base = (
        "t.site_id = :site_id AND t.day = :day AND t.state = 'waiting' "
        "AND t.id <> ALL(CAST(:skip AS integer[]))"
    )
    return text(
        f"SELECT h.id, h.service_id, h.priority, h.issued_at, h.target_window_id "
        f"FROM unnest(CAST(:services AS integer[])) AS s(id) CROSS JOIN (VALUES {classes}) AS p(prio) "
        f"CROSS JOIN LATERAL (SELECT {cols} FROM tickets t WHERE {base} AND t.service_id = s.id "
        f"AND t.priority = p.prio AND t.target_window_id IS NULL "
        f"ORDER BY t.target_window_id, t.issued_at, t.id "
        f"LIMIT :per_queue) AS h "
        f"UNION ALL SELECT {cols} FROM tickets t WHERE {base} AND t.target_window_id = :window_id"
    ).bindparams(bindparam("day", type_=T.day.type))


def queue_heads_pg_params(
    site_id: int, day: Any, window_id: int, services: list[int], skip: set[int], per_queue: int
) -> dict[str, Any]:
    """The parameters of `queue_heads_pg()`."""
    return {
        "site_id": site_id,
        "day": day,
        "window_id": window_id,
        "per_queue": per_queue,
        "services": list(services),
        "skip": sorted(skip),
    }


def queue_heads_params(
    site_id: int, day: Any, window_id: int, services: list[int], skip: set[int], per_queue: int
) -> dict[str, Any]:
    """The parameters of `queue_heads(len(services), bool(skip))`."""
    params: dict[str, Any] = {
        "site_id": site_id,
        "day": day,
        "window_id": window_id,
        "per_queue": per_queue,
    }
    params.update({f"s{i}": sid for i, sid in enumerate(services)})
    if skip:
        params["skip"] = sorted(skip)
    return params


@cache
def waiting_ahead(priority: str) -> Any:
    """How many waiting tickets of an item would be called before a `priority` ticket (`:id`, issued
    at `:issued_at`): every better class, then its own class in arrival order."""
    from ..engine.ordering import PRIORITY_RANK

    rank = PRIORITY_RANK[Priority(priority)]
    better = [p.value for p, r in PRIORITY_RANK.items() if r < rank]
    same = T.priority == priority
    issued, tid = bindparam("issued_at", type_=T.issued_at.type), bindparam("id", type_=T.id.type)
    before = [
        T.priority == b for b in better
    ]  # one literal each (an IN list would expand at execution)
    return select(func.count()).where(
        T.site_id == bindparam("site_id"),
        T.day == bindparam("day"),
        T.state == TicketState.WAITING.value,
        T.service_id == bindparam("service_id"),
        T.id != tid,
        or_(
            *before, and_(same, T.issued_at < issued), and_(same, T.issued_at == issued, T.id < tid)
        ),
    )


def waiting_for(window_services: Any, site: Any = T.site_id) -> Any:
    """Waiting untargeted tickets of hall `:site_id` on `:day` for items `:services`."""
    return and_(
        site == bindparam("site_id"),
        T.day == bindparam("day", type_=T.day.type),
        T.state == TicketState.WAITING.value,
        T.target_window_id.is_(None),
        T.service_id.in_(window_services),
    )


@cache
def booked_heads(skip: bool) -> Any:
    """The `:limit` soonest checked-in bookings' waiting tickets whose slot's call window (`:until`,
    `:since`) holds now, without tickets `:skip` if asked; built once per shape. Call-next takes the
    first; the call order's preview (services/queue/call_order.window_order) the first few."""
    q = (
        select(T.id, T.service_id, T.priority, T.issued_at)
        .join(Appointment, Appointment.ticket_id == T.id)
        .where(
            # Found from the day's checked-in bookings (ix_appointments_site_day), which are few,
            # not from the waiting queue, which grows all day (`:booking_days`: booked_params).
            Appointment.site_id == bindparam("site_id"),
            Appointment.day.in_(bindparam("booking_days", expanding=True)),
            Appointment.state == "checked_in",
            # `+ 0` keeps SQLite's planner off the tickets' index (the same condition otherwise):
            # with it, SQLite walked every waiting ticket of the window's items.
            waiting_for(bindparam("services", expanding=True), T.site_id + 0),
            Appointment.start <= bindparam("until", type_=Appointment.start.type),
            Appointment.end >= bindparam("since", type_=Appointment.end.type),
        )
        .order_by(Appointment.start, T.issued_at, T.id)
    )
    if skip:
        q = q.where(T.id.notin_(bindparam("skip", expanding=True)))
    return q.limit(bindparam("limit"))


def booked_params(
    site_id: int, day: date, services: list[int], now: datetime, conf: dict[str, Any], limit: int
) -> dict[str, Any]:
    """The values `booked_heads` takes: the first `limit` booked tickets of `services` whose slot's
    call window (booking settings call_before_min, call_after_min) holds `now`."""
    return {
        "site_id": site_id,
        "day": day,
        "services": services,
        "until": now + timedelta(minutes=conf["call_before_min"]),
        "since": now - timedelta(minutes=conf["call_after_min"]),
        # a booking is checked in on its own day, in the hall's local time; the ticket is issued
        # a moment later on its business day, which the hall's reset hour or midnight in between
        # can put a day either side of it
        "booking_days": [day - timedelta(days=1), day, day + timedelta(days=1)],
        "limit": limit,
    }
