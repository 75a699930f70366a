"""延时 / 错时服务 (issue 19 item 6): the hall's extra service periods, set at /admin.

A period runs on its weekdays unless the hall calendar makes the day a holiday; while it runs, the
items it lists are issued whatever the ordinary hours say (the hall's and the item's), and the
kiosk and the hall screen say so ("今日延时服务 12:00–13:30：…", naming per item the period's
windows that serve it). While it runs, the tickets it issued are called only at its windows
(`reserved_for`). An item refused outside every period it has and outside its hours is told when
it is next taken. The hall calendar decides the day: a public holiday runs no period and no
ordinary hours; an adjusted working weekend day keeps the weekday hours and weekday periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput, NotFound, OutsideHours
from ...engine.hours import (
    PERIOD_KINDS,
    Days,
    Hours,
    Period,
    earliest,
    is_open,
    next_opening,
    next_period_start,
    period_open,
    validate_period,
)
from ...engine.states import WindowState
from ...storage.models import Service, ServicePeriod, Site, Window, WindowService
from ..access.principal import Forbidden, Principal
from ..catalog import catalog
from ..context import Context
from ..queue import read_models
from . import calendar

KIND_ZH = {"extended": "延时服务", "staggered": "错时服务"}


def _period(row: ServicePeriod) -> Period:
    return Period(
        row.id,
        row.kind,
        row.name,
        row.name_en,
        tuple(row.days or ()),
        row.start,
        row.end,
        tuple(int(x) for x in row.window_ids or ()),
        tuple(int(x) for x in row.service_ids or ()),
    )


class HallDay:
    """The periods of a hall and its calendar's holidays, read once for the checks of a request."""

    def __init__(self, s: Session, site: Site, days: Days | None = None) -> None:
        rows = s.scalars(
            select(ServicePeriod)
            .where(ServicePeriod.site_id == site.id, ServicePeriod.active)
            .order_by(ServicePeriod.start, ServicePeriod.id)
        )
        self.periods = [_period(r) for r in rows]
        # the calendar closes the hall on public holidays and opens it on adjusted working days,
        # for the ordinary hours and the periods alike
        self.holidays: Days = (
            days if days is not None else calendar.days(s, site.id, site.holidays, site.hours)
        )

    def running(self, local: datetime, service_id: int | None = None) -> Period | None:
        """The period running now (taking `service_id`, when given)."""
        return period_open(self.periods, local, self.holidays, service_id)

    def next_start(self, local: datetime, service_id: int | None = None) -> datetime | None:
        return next_period_start(self.periods, local, self.holidays, service_id)

    def today(self, local: datetime) -> list[Period]:
        """Today's periods, in order of their start."""
        return [p for p in self.periods if p.on(local.date(), self.holidays)]


def _ordinary_ok(
    hall_hours: Hours | None,
    enforce: bool,
    item_hours: Hours | None,
    local: datetime,
    holidays: Any,
) -> tuple[bool, bool]:
    hall_ok = not enforce or is_open(hall_hours, local, holidays or ())
    item_ok = not item_hours or is_open(item_hours, local, holidays or ())
    return hall_ok, item_ok


def _ordinary_next(
    hall_hours: Hours | None,
    enforce: bool,
    item_hours: Hours | None,
    local: datetime,
    holidays: Any,
) -> datetime | None:
    """The next opening by the ordinary hours: the item's own when it has them, else the hall's."""
    if item_hours:
        return next_opening(item_hours, local, holidays or ())
    return next_opening(hall_hours, local, holidays or ()) if enforce else None


def when(nxt: datetime, local: datetime) -> dict[str, Any]:
    """A next opening as the kiosk words it (the shape of /hall-status's `next_open`)."""
    return {
        "at": read_models.iso(nxt),
        "date": nxt.date().isoformat(),
        "time": nxt.strftime("%H:%M"),
        "weekday": nxt.isoweekday(),
        "days_ahead": (nxt.date() - local.date()).days,
    }


def item_open(
    hd: HallDay,
    site: Site,
    service_id: int,
    item_hours: Hours | None,
    local: datetime,
) -> tuple[bool, datetime | None]:
    """Whether the item is issued now (ordinary hours or a running period), and if not, when next."""
    hall_ok, item_ok = _ordinary_ok(site.hours, site.enforce_hours, item_hours, local, hd.holidays)
    if (hall_ok and item_ok) or hd.running(local, service_id) is not None:
        return True, None
    nxt = earliest(
        _ordinary_next(site.hours, site.enforce_hours, item_hours, local, hd.holidays),
        hd.next_start(local, service_id),
    )
    return False, nxt


def admit(s: Session, item: Any, service_id: int, local: datetime) -> None:
    """Let issuing go on when the ordinary hours or a running period take the item; else raise
    OutsideHours naming the next opening. `item`: the row of statements.issue_context()."""
    if not item.hours and (not item.enforce_hours or not item.site_hours):
        return  # no timetable applies: tickets at any hour, whatever the calendar says
    days = calendar.days(s, item.site_id, item.holidays, item.site_hours)
    hall_ok, item_ok = _ordinary_ok(item.site_hours, item.enforce_hours, item.hours, local, days)
    if hall_ok and item_ok:
        return
    hd = HallDay(s, s.get_one(Site, item.site_id), days)
    if hd.running(local, service_id) is not None:
        return
    nxt = earliest(
        _ordinary_next(item.site_hours, item.enforce_hours, item.hours, local, hd.holidays),
        hd.next_start(local, service_id),
    )
    details: dict[str, Any] = {"service_id": service_id}
    if nxt is not None:
        details["next_open"] = when(nxt, local)
    later = f"; it is next taken from {nxt.strftime('%Y-%m-%d %H:%M')}" if nxt else ""
    running = hd.running(local)
    if running is not None:
        details["period"] = period_brief(s, running)
        raise OutsideHours(
            f"{item.name} is not taken in the {running.kind} service period "
            f"{running.start}-{running.end}{later}",
            **details,
        )
    if not hall_ok:
        raise OutsideHours(f"the hall is not taking tickets at this time{later}", **details)
    raise OutsideHours(
        f"{item.name} is taken only in its own hours{later}", hours=item.hours, **details
    )


@dataclass(frozen=True)
class Reserved:
    """Tickets a window may not call now: those of `service_ids` issued since `since` (UTC), the
    tickets of a running period whose windows do not include it."""

    service_ids: frozenset[int]
    since: datetime

    def holds(self, service_id: int, issued_at: datetime) -> bool:
        at = issued_at if issued_at.tzinfo is not None else issued_at.replace(tzinfo=UTC)
        return service_id in self.service_ids and at >= self.since


@cache
def _running() -> Any:
    """Hall `:site_id`'s active periods whose hours hold `:hhmm` (built once: every call-next asks)."""
    hhmm: Any = bindparam("hhmm")
    return select(ServicePeriod).where(
        ServicePeriod.site_id == bindparam("site_id"),
        ServicePeriod.active,
        ServicePeriod.start <= hhmm,
        ServicePeriod.end > hhmm,
    )


def reserving(s: Session, site: Site, local: datetime) -> list[Period]:
    """The 延时/错时 periods running at `local` that list windows: while they run, the tickets they
    issue are for those windows (reserved_for)."""
    rows = list(s.scalars(_running(), {"site_id": site.id, "hhmm": local.strftime("%H:%M")}))
    periods = [p for p in map(_period, rows) if p.window_ids]
    if not periods:
        return []
    days = calendar.days(s, site.id, site.holidays, site.hours)
    return [p for p in periods if p.open_at(local, days)]


def reserved_for(s: Session, site: Site, window_id: int, local: datetime) -> list[Reserved]:
    """What a call-next at `window_id` must leave to the windows of a running 延时/错时 period.

    The tickets a period issues (its items, taken since it started today) are for the windows it
    lists, the ones the kiosk names and the ones staffed then; another window does not take them
    while the period runs. Tickets issued before the period (a morning queue still being worked
    off at 12:05) stay with every window serving the item, and once the period is over its
    leftovers go to any window again. A period listing no windows reserves nothing. The call
    order's preview and people-ahead follow the same rule (queue/call_order.py)."""
    out = []
    for p in reserving(s, site, local):
        if window_id in p.window_ids:
            continue
        # an item none of the period's windows serves, or none of those that are not closed, is
        # left to every window that does: the period's ticket is never stranded behind a window
        # nobody opened
        served = set(
            s.scalars(
                select(WindowService.service_id)
                .join(Window, Window.id == WindowService.window_id)
                .where(
                    WindowService.window_id.in_(p.window_ids),
                    WindowService.service_id.in_(p.service_ids),
                    Window.active.is_(True),
                    Window.state != WindowState.CLOSED.value,
                )
            )
        )
        if served:
            start = datetime.combine(local.date(), _parse_hhmm(p.start), local.tzinfo)
            out.append(Reserved(frozenset(served), start.astimezone(UTC)))
    return out


def _parse_hhmm(hhmm: str) -> time:
    h, m = hhmm.split(":")
    return time(int(h), int(m))


def period_brief(s: Session, p: Period) -> dict[str, Any]:
    """A period for the kiosk and the hall screen: times, window numbers and item names."""
    # which of the period's windows serve each item: the kiosk names those, and only those call
    # the period's tickets (reserved_for)
    serving: dict[int, list[int]] = {}
    windows: list[int] = []
    if p.window_ids:
        for number, service_id in s.execute(
            select(Window.number, WindowService.service_id)
            .outerjoin(WindowService, WindowService.window_id == Window.id)
            .where(Window.id.in_(p.window_ids))
            .order_by(Window.number)
        ):
            if number not in windows:
                windows.append(number)
            if service_id is not None:
                serving.setdefault(service_id, []).append(number)
    items = (
        [
            {
                "id": sv.id,
                "name": sv.name,
                "name_en": sv.name_en,
                "windows": serving.get(sv.id, []) if p.window_ids else [],
            }
            for sv in s.scalars(
                select(Service)
                .where(Service.id.in_(p.service_ids), Service.active)
                .order_by(Service.sort, Service.id)
            )
        ]
        if p.service_ids
        else []
    )
    return {
        "id": p.id,
        "kind": p.kind,
        "kind_text": KIND_ZH.get(p.kind, p.kind),
        "name": p.name,
        "name_en": p.name_en,
        "start": p.start,
        "end": p.end,
        "windows": windows,
        "items": items,
    }


def status(s: Session, site: Site, local: datetime, hd: HallDay | None = None) -> dict[str, Any]:
    """For /hall-status: today's periods not over yet (each with `now`), and whether one runs."""
    hd = hd if hd is not None else HallDay(s, site)
    today = []
    for p in hd.today(local):
        if local.strftime("%H:%M") >= p.end:
            continue
        today.append({**period_brief(s, p), "now": p.open_at(local, hd.holidays)})
    nxt = hd.next_start(local)
    return {
        "extended_now": any(x["now"] for x in today),
        "extended_today": today,
        "_next_period": nxt,
    }


# ---- admin ------------------------------------------------------------------------------------


def period_dict(row: ServicePeriod) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "name_en": row.name_en,
        "days": list(row.days or []),
        "start": row.start,
        "end": row.end,
        "window_ids": [int(x) for x in row.window_ids or []],
        "service_ids": [int(x) for x in row.service_ids or []],
        "active": row.active,
    }


def list_periods(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(ServicePeriod)
            .where(ServicePeriod.site_id == who.site_id)
            .order_by(ServicePeriod.start, ServicePeriod.id)
        )
        return [period_dict(r) for r in rows]


def _check_ids(s: Session, site_id: int, model: Any, ids: list[int], field: str) -> None:
    if not ids:
        return
    found = set(s.scalars(select(model.id).where(model.site_id == site_id, model.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"{field}: no {model.__tablename__[:-1]} {missing[0]}", field=field)


def save_period(
    ctx: Context, who: Principal, data: dict[str, Any], period_id: int | None = None
) -> dict[str, Any]:
    """Create or change an extra service period (admin)."""
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's service periods")
    if data["kind"] not in PERIOD_KINDS:
        raise InvalidInput(f"kind is one of {', '.join(PERIOD_KINDS)}", field="kind")
    why = validate_period(data["days"], data["start"], data["end"])
    if why:
        raise InvalidInput(why, field="days" if why.startswith("days") else "start")
    if not data["service_ids"]:
        raise InvalidInput("service_ids: name the items taken in the period", field="service_ids")
    with ctx.uow() as uow:
        s = uow.session
        _check_ids(s, who.site_id, Service, data["service_ids"], "service_ids")
        _check_ids(s, who.site_id, Window, data["window_ids"], "window_ids")
        if period_id is None:
            row = ServicePeriod(site_id=who.site_id)
            s.add(row)
        else:
            row = _get(s, who.site_id, period_id)
        row.kind, row.name, row.name_en = data["kind"], data["name"], data["name_en"]
        order = {k: i for i, k in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
        row.days = sorted(set(data["days"]), key=order.__getitem__)
        row.start, row.end = data["start"], data["end"]
        row.window_ids = sorted(set(data["window_ids"]))
        row.service_ids = list(dict.fromkeys(data["service_ids"]))
        row.active = data["active"]
        s.flush()
        catalog.catalog_changed(uow, who.site_id, "service_period")
        uow.commit()
        return period_dict(row)


def _get(s: Session, site_id: int, period_id: int) -> ServicePeriod:
    row = s.get(ServicePeriod, period_id)
    if row is None or row.site_id != site_id:
        raise NotFound(f"no service period {period_id}")
    return row


def delete_period(ctx: Context, who: Principal, period_id: int) -> None:
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's service periods")
    with ctx.uow() as uow:
        s = uow.session
        s.delete(_get(s, who.site_id, period_id))
        catalog.catalog_changed(uow, who.site_id, "service_period")
        uow.commit()
