"""预约 (issue 19): a day's slots, booking and cancelling.

Settings and per-item rules are in `booking_settings`; check-in at the kiosk, the booked call order
and 爽约 in `appointment_checkin`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...engine import booking
from ...engine.cases import mask_name, mask_phone
from ...engine.errors import Conflict, DomainError, InvalidInput, NotFound
from ...storage.models import Appointment, BookingRule, Service, Site, SlotCount
from ..access.principal import Forbidden, Principal
from ..calendar import calendar
from ..context import Context
from ..notices import notices
from .booking_settings import site_settings

HELD = ("booked", "checked_in", "no_show", "late")  # states that use a slot and count toward limits
MOBILE_DIGITS = 11


class SlotFull(DomainError):
    code = "slot_full"


class PhoneLimit(DomainError):
    code = "booking_limit"
    status = 429


def _zone(site: Site) -> ZoneInfo:
    return ZoneInfo(site.timezone)


def local_iso(site: Site, dt: datetime) -> str:
    """A slot time in hall time with its offset, e.g. 2026-12-07T09:00:00+08:00."""
    return dt.astimezone(_zone(site)).isoformat()


def _slots(
    s: Session, site: Site, rule: BookingRule, day: date
) -> list[tuple[datetime, datetime, int]]:
    """(start UTC, end UTC, capacity) of each slot of `day`."""
    tz = _zone(site)
    cal = calendar.load(s, site.id)
    out = []
    for sl in booking.day_slots(
        cal, day, rule.periods, rule.slot_min, rule.capacity, rule.saturday_capacity
    ):
        a = datetime.combine(day, sl.start, tzinfo=tz).astimezone(ZoneInfo("UTC"))
        b = datetime.combine(day, sl.end, tzinfo=tz).astimezone(ZoneInfo("UTC"))
        out.append((a, b, sl.capacity))
    return out


def _bookable(s: Session, site_id: int, service_id: int) -> tuple[Service, BookingRule]:
    sv = s.get(Service, service_id)
    rule = s.get(BookingRule, service_id)
    if sv is None or sv.site_id != site_id or not sv.active:
        raise NotFound(f"no service {service_id}", field="service_id")
    if rule is None or not rule.active:
        raise NotFound(f"{sv.name} cannot be booked", field="service_id")
    return sv, rule


def days_ahead(site: Site, rule: BookingRule) -> int:
    """How far ahead the item can be booked: its own limit, else the hall's."""
    own = rule.days_ahead
    return int(own) if own is not None else site_settings(site)["days_ahead"]


def _check_day(site: Site, now: datetime, day: date, rule: BookingRule) -> None:
    today = now.astimezone(_zone(site)).date()
    ahead = days_ahead(site, rule)
    if day < today or day > today + timedelta(days=ahead):
        raise InvalidInput(
            f"bookings are taken from {today.isoformat()} up to {ahead} days ahead", field="date"
        )


def slots(ctx: Context, site_id: int, service_id: int, day: date) -> list[dict[str, Any]]:
    """The item's slots on `day` with what is left of each (past slots are not offered)."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        _sv, rule = _bookable(s, site_id, service_id)
        _check_day(site, now, day, rule)
        made = _slots(s, site, rule, day)
        taken = dict(
            s.execute(
                select(SlotCount.start, SlotCount.taken).where(
                    SlotCount.service_id == service_id,
                    SlotCount.start.in_([a for a, _b, _c in made] or [now]),
                )
            ).all()
        )
        return [
            {
                "start": local_iso(site, a),
                "end": local_iso(site, b),
                "capacity": c,
                "left": max(0, c - int(taken.get(a, 0))),
            }
            for a, b, c in made
            if a > now
        ]


def bookable_services(ctx: Context, site_id: int) -> dict[str, Any]:
    """Items that can be booked, with the materials to bring (一次性告知) and how far ahead."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        rows = s.execute(
            select(Service, BookingRule)
            .join(BookingRule, BookingRule.service_id == Service.id)
            .where(
                Service.site_id == site_id, Service.active.is_(True), BookingRule.active.is_(True)
            )
            .order_by(Service.sort, Service.id)
        ).all()
        today = ctx.clock.now().astimezone(_zone(site)).date()
        conf = site_settings(site)
        return {
            "days_ahead": conf["days_ahead"],
            "today": today.isoformat(),
            "checkin_early_min": conf["checkin_early_min"],
            "checkin_late_min": conf["checkin_late_min"],
            "items": [
                {
                    "id": sv.id,
                    "name": sv.name,
                    "name_en": sv.name_en,
                    "materials": list((sv.disclosure or {}).get("materials") or []),
                    "time_limit": (sv.disclosure or {}).get("time_limit") or "",
                    "days_ahead": days_ahead(site, r),  # the item's own limit, else the hall's
                }
                for sv, r in rows
            ],
        }


def _parse_start(site: Site, value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "start must be a slot start, e.g. 2026-12-07T09:00:00+08:00", field="start"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone(site))
    return dt.astimezone(ZoneInfo("UTC"))


def check_phone(phone: str) -> str:
    digits = phone.strip().replace(" ", "").replace("-", "")
    if len(digits) != MOBILE_DIGITS or not digits.isdigit() or not digits.startswith("1"):
        raise InvalidInput("phone must be an 11-digit mobile number", field="phone")
    return digits


def _lock_phone(s: Session, site_id: int, phone: str) -> None:
    """Serialise the bookings of one phone until this transaction ends, so two at once cannot both
    pass the per-phone limits (each counts the other's booking only once it is committed).

    PostgreSQL (READ COMMITTED): a transaction-scoped advisory lock on the phone's key. SQLite:
    writes already begin IMMEDIATE, one writer at a time, so nothing more is needed."""
    if s.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"booking-phone:{site_id}:{phone}".encode(), digest_size=8).digest()
    s.execute(
        text("SELECT pg_advisory_xact_lock(:k)"),
        {"k": int.from_bytes(digest, "big", signed=True)},
    )


def _check_limits(s: Session, site: Site, phone: str, rule: BookingRule, day: date) -> None:
    conf = site_settings(site)
    service_id = rule.service_id
    per_item = rule.per_phone_item if rule.per_phone_item is not None else conf["per_phone_item"]
    held = (
        s.execute(
            select(Appointment.service_id).where(
                Appointment.site_id == site.id,
                Appointment.phone == phone,
                Appointment.day == day,
                Appointment.state.in_(HELD),
            )
        )
        .scalars()
        .all()
    )
    if len(held) >= conf["per_phone_day"]:
        raise PhoneLimit(
            f"this phone already holds {len(held)} bookings on {day.isoformat()}",
            limit="per_phone_day",
        )
    if sum(1 for x in held if x == service_id) >= per_item:
        raise PhoneLimit(
            "this phone already holds a booking for this item that day", limit="per_phone_item"
        )
    if conf["no_show_limit"] > 0:
        since = day - timedelta(days=conf["no_show_days"])
        missed = (
            s.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(
                    Appointment.site_id == site.id,
                    Appointment.phone == phone,
                    Appointment.state == "no_show",
                    Appointment.day >= since,
                )
            )
            or 0
        )
        if missed >= conf["no_show_limit"]:
            raise PhoneLimit(
                f"{missed} bookings of this phone were missed (爽约) in {conf['no_show_days']} days",
                limit="no_show",
            )


def _take_seat(s: Session, service_id: int, start: datetime, capacity: int) -> bool:
    """One seat of the slot by compare-and-set below its capacity (never over-booked)."""
    ins = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)(SlotCount)
    s.execute(ins.values(service_id=service_id, start=start, taken=0).on_conflict_do_nothing())
    res = s.execute(
        update(SlotCount)
        .where(
            SlotCount.service_id == service_id, SlotCount.start == start, SlotCount.taken < capacity
        )
        .values(taken=SlotCount.taken + 1)
    )
    return int(res.rowcount) == 1  # type: ignore[attr-defined]


def _new_code(s: Session) -> str:
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if s.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


def book(
    ctx: Context,
    site_id: int,
    service_id: int,
    start: str,
    name: str,
    phone: str,
    by: Principal | None = None,
    notify: bool = False,
    id_number: str | None = None,
) -> dict[str, Any]:
    """Book a slot: a code and the slot; 409 slot_full, 429 past the per-phone limits. With the
    visitor's ID number the kiosk can check in by card (the booking keeps only a keyed digest)."""
    from . import appointment_checkin  # 爽约 are counted before the limits

    if by is not None and not by.is_staff:
        raise Forbidden("only staff book for a caller")
    phone = check_phone(phone)
    now = ctx.clock.now()
    appointment_checkin.sweep_no_shows(ctx, site_id)
    with ctx.uow() as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        sv, rule = _bookable(s, site_id, service_id)
        at = _parse_start(site, start)
        day = at.astimezone(_zone(site)).date()
        _check_day(site, now, day, rule)
        slot = next(((a, b, c) for a, b, c in _slots(s, site, rule, day) if a == at), None)
        if slot is None or at <= now:
            raise InvalidInput("start is not one of the item's open slots", field="start")
        _lock_phone(s, site.id, phone)  # two bookings of one phone: one checks the limits at a time
        _check_limits(s, site, phone, rule, day)
        if not _take_seat(s, service_id, at, slot[2]):
            raise SlotFull("this slot is fully booked; choose another", start=local_iso(site, at))
        a = Appointment(
            site_id=site_id,
            code=_new_code(s),
            service_id=service_id,
            day=day,
            start=at,
            end=slot[1],
            name=name.strip(),
            phone=phone,
            state="booked",
            created_at=now,
            created_by=by.id if by is not None else None,
            notify=notify,
            id_digest=_id_digest(ctx, id_number),
        )
        s.add(a)
        s.flush()
        uow.created(a.id)
        out = appointment_dict(site, a, sv)
        notices.for_booking(s, site, a, sv, now)  # stored with the booking, sent after commit
        uow.commit()
        return out


def appointment_dict(
    site: Site, a: Appointment, sv: Service | None = None, full: bool = False
) -> dict[str, Any]:
    """The API shape of a booking: name and phone masked unless `full` (staff)."""
    out: dict[str, Any] = {
        "code": a.code,
        "service_id": a.service_id,
        "start": local_iso(site, a.start),
        "end": local_iso(site, a.end),
        "state": a.state,
        "name": a.name if full else mask_name(a.name),
        "phone": mask_phone(a.phone),
        "ticket_id": a.ticket_id,
    }
    if sv is not None:
        out["service_name"], out["service_name_en"] = sv.name, sv.name_en
    return out


def cancel(ctx: Context, site_id: int, code: str, phone_last4: str) -> dict[str, Any]:
    """Cancel by code and the last four digits of the phone; the seat is free again."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        a = s.scalar(
            select(Appointment)
            .where(Appointment.code == code, Appointment.site_id == site_id)
            .with_for_update()
        )
        if a is None or not a.phone.endswith(phone_last4):
            raise NotFound(
                "no booking with this code and phone"
            )  # one answer: a code cannot be probed
        if a.state != "booked":
            raise Conflict(f"this booking is {a.state} and cannot be cancelled", state=a.state)
        if a.start <= now:
            raise Conflict("the slot has begun; a booking cannot be cancelled now", state=a.state)
        claimed = s.execute(
            update(Appointment)
            .where(Appointment.id == a.id, Appointment.state == "booked")
            .values(state="cancelled", cancelled_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            raise Conflict("this booking was just changed", state=a.state)
        s.execute(
            update(SlotCount)
            .where(SlotCount.service_id == a.service_id, SlotCount.start == a.start)
            .values(taken=SlotCount.taken - 1)
        )
        site = s.get_one(Site, site_id)
        s.refresh(a)
        out = appointment_dict(site, a)
        uow.commit()
        return out


def list_day(ctx: Context, who: Principal, day: date) -> list[dict[str, Any]]:
    """A day's bookings for staff (the name in full, the phone masked)."""
    if not who.is_staff:
        raise Forbidden("staff only")
    from . import appointment_checkin

    appointment_checkin.sweep_no_shows(ctx, who.site_id)
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        rows = s.scalars(
            select(Appointment)
            .where(Appointment.site_id == who.site_id, Appointment.day == day)
            .order_by(Appointment.start, Appointment.id)
        )
        return [appointment_dict(site, a, full=True) for a in rows]


def _id_digest(ctx: Context, id_number: str | None) -> str | None:
    from ...engine import idcard as rules
    from .idcard import digest_of

    if not id_number:
        return None
    if not rules.valid(id_number):
        raise InvalidInput("id_number is not a valid resident ID number", field="id_number")
    return digest_of(ctx, id_number)
