"""预约 settings (issue 19): how far ahead, per-phone limits, check-in and call windows, the
booked-call ratio (Site.settings["booking"]); and each item's bookable periods (BookingRule)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...engine import booking
from ...engine.errors import InvalidInput, NotFound
from ...storage.models import BookingRule, Service, Site
from ..access.principal import Forbidden, Principal
from ..context import Context

DEFAULTS: dict[str, int] = {
    "days_ahead": 7,  # how far ahead one may book (days after today; today counts too)
    "per_phone_day": 2,  # bookings per phone and day (爽约 count, cancellations do not)
    "per_phone_item": 1,  # bookings per phone, item and day
    "no_show_limit": 3,  # 爽约 within no_show_days that stop a phone from booking
    "no_show_days": 30,
    "checkin_early_min": 30,  # check-in opens this long before the slot
    "checkin_late_min": 15,  # and closes this long after the slot's start
    "call_before_min": 10,  # a checked-in booking goes ahead of walk-ins from this long before its slot
    "call_after_min": 15,  # to this long after its end
    "booked_ratio": 3,  # booked calls in a row before a waiting walk-in goes first (0: no limit)
    "near_ahead": 2,  # the near-turn notice goes out once this few are ahead ("前面还有2人")
}
LIMITS: dict[str, tuple[int, int]] = {
    "days_ahead": (0, 60),
    "per_phone_day": (1, 20),
    "per_phone_item": (1, 20),
    "no_show_limit": (0, 50),
    "no_show_days": (1, 365),
    "checkin_early_min": (0, 240),
    "checkin_late_min": (0, 240),
    "call_before_min": (0, 240),
    "call_after_min": (0, 240),
    "booked_ratio": (0, 20),
    "near_ahead": (0, 20),
}


def site_settings(site: Site) -> dict[str, int]:
    """The hall's booking settings (defaults for what it has not set)."""
    return settings_of(site.settings)


def settings_of(hall_settings: dict[str, Any] | None) -> dict[str, int]:
    """The booking settings held in a hall's `settings` column (defaults for what it has not set)."""
    stored = (hall_settings or {}).get("booking") or {}
    return {k: int(stored.get(k, v)) for k, v in DEFAULTS.items()}


def get_settings(ctx: Context, who: Principal) -> dict[str, Any]:
    with ctx.uow(write=False) as uow:
        return site_settings(uow.session.get_one(Site, who.site_id))


def update_settings(ctx: Context, who: Principal, data: dict[str, int]) -> dict[str, Any]:
    """Change some booking settings (admin)."""
    if not who.is_admin:
        raise Forbidden("only an admin may change the booking settings")
    for k, v in data.items():
        lo, hi = LIMITS[k]
        if not lo <= v <= hi:
            raise InvalidInput(f"{k} must be between {lo} and {hi}", field=k)
    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        cur = site_settings(site)
        cur.update(data)
        site.settings = {**(site.settings or {}), "booking": cur}
        uow.commit()
        return cur


def rule_dict(r: BookingRule) -> dict[str, Any]:
    return {
        "service_id": r.service_id,
        "periods": r.periods,
        "slot_min": r.slot_min,
        "capacity": r.capacity,
        "saturday_capacity": r.saturday_capacity,
        "active": r.active,
        "days_ahead": r.days_ahead,  # null: the hall's setting
        "per_phone_item": r.per_phone_item,
    }


def list_rules(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(BookingRule)
            .where(BookingRule.site_id == who.site_id)
            .order_by(BookingRule.service_id)
        )
        return [rule_dict(r) for r in rows]


def put_rule(ctx: Context, who: Principal, service_id: int, data: dict[str, Any]) -> dict[str, Any]:
    """Make an item bookable (or change how): periods, slot length, capacity, Saturday capacity (admin)."""
    if not who.is_admin:
        raise Forbidden("only an admin may change what can be booked")
    why = booking.validate_periods(data["periods"], data["slot_min"])
    if why:
        raise InvalidInput(why, field="periods")
    with ctx.uow() as uow:
        s = uow.session
        sv = s.get(Service, service_id)
        if sv is None or sv.site_id != who.site_id:
            raise NotFound(f"no service {service_id}", field="service_id")
        r = s.get(BookingRule, service_id) or BookingRule(
            service_id=service_id, site_id=who.site_id
        )
        r.periods, r.slot_min = [list(p) for p in data["periods"]], data["slot_min"]
        r.capacity, r.saturday_capacity, r.active = (
            data["capacity"],
            data["saturday_capacity"],
            data["active"],
        )
        for k in ("days_ahead", "per_phone_item"):  # the item's own limits; absent: kept
            if k in data:
                setattr(r, k, data[k])
        s.add(r)
        uow.commit()
        return rule_dict(r)
