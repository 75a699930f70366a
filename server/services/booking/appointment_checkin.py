"""预约 at the hall (issue 19): kiosk check-in, the booked call order, and 爽约.

A checked-in booking is an ordinary ticket of its item whose row in `appointments` names it. While
its slot's call window is on (settings call_before_min / call_after_min) a window calls it ahead
of the queue, except that after `booked_ratio` booked calls in a row a waiting walk-in goes first:
a rule of the call order (engine/ordering.py, `Booked`), fed by what call-next loads.
A booking nobody checked in for is the visitor's 爽约: recorded on the booking, never as a ticket
event, so no clerk's figures carry it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...engine import booking
from ...engine.errors import Conflict, DomainError, NotFound
from ...storage.models import Appointment, Site, Ticket
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import tickets
from . import idcard
from .appointments import check_phone, local_iso
from .booking_settings import site_settings


class TooEarly(DomainError):
    code = "too_early"


class TooLate(DomainError):
    code = "too_late"


def sweep_no_shows(ctx: Context, site_id: int) -> int:
    """Record 爽约 for bookings whose check-in time is over; how many (the visitor's, not a clerk's)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        late = timedelta(minutes=site_settings(s.get_one(Site, site_id))["checkin_late_min"])
        n = s.execute(
            update(Appointment)
            .where(
                Appointment.site_id == site_id,
                Appointment.state == "booked",
                Appointment.start < now - late,
            )
            .values(state="no_show")
        ).rowcount  # type: ignore[attr-defined]
        uow.commit()
        return int(n or 0)


def _find(
    s: Session, site_id: int, code: str | None, phone: str | None, digest: str | None, day: date
) -> Appointment:
    q = select(Appointment).where(Appointment.site_id == site_id)
    if code:
        q = q.where(Appointment.code == code)
    else:
        who = (
            Appointment.id_digest == digest
            if digest
            else Appointment.phone == check_phone(phone or "")
        )
        q = q.where(who, Appointment.day == day, Appointment.state == "booked").order_by(
            Appointment.start
        )
    a = s.scalars(q.limit(1)).first()
    if a is None:
        raise NotFound("no booking with this code" if code else "no booking today for this visitor")
    return a


def check_in(
    ctx: Context,
    who: Principal,
    code: str | None = None,
    phone: str | None = None,
    card: str | None = None,
) -> dict[str, Any]:
    """A kiosk turns a booking into a ticket marked as booked; 409 too_early / too_late say what to do."""
    if who.role != "kiosk" and not who.is_staff:
        raise Forbidden("only kiosks and staff check bookings in")
    now = ctx.clock.now()
    digest = idcard.digest_from_card(ctx, who.id, card) if card else None  # a swiped ID card
    with ctx.uow() as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        conf = site_settings(site)
        a = _find(s, site.id, code, phone, digest, now.astimezone(tickets_zone(site)).date())
        if a.state == "checked_in":
            raise Conflict("this booking is already checked in", state=a.state)
        if (
            a.state in ("cancelled", "no_show", "late")
            or a.day != now.astimezone(tickets_zone(site)).date()
        ):
            raise Conflict(
                f"this booking is {a.state if a.state != 'booked' else 'for another day'}",
                state=a.state,
                day=a.day.isoformat(),
            )
        verdict = booking.check_in_verdict(
            now, a.start, a.end, conf["checkin_early_min"], conf["checkin_late_min"]
        )
        if verdict == "too_early":
            opens = a.start - timedelta(minutes=conf["checkin_early_min"])
            raise TooEarly(
                f"check-in opens at {local_iso(site, opens)[11:16]}; please come back then",
                opens_at=local_iso(site, opens),
                start=local_iso(site, a.start),
            )
        if verdict == "too_late":
            s.execute(
                update(Appointment)
                .where(Appointment.id == a.id, Appointment.state == "booked")
                .values(state="late")
            )
            uow.commit()  # a late visitor came: not 爽约
            raise TooLate(
                "the booked slot has passed; take an ordinary ticket for this item",
                service_id=a.service_id,
                start=local_iso(site, a.start),
            )
        appointment_id, start = a.id, a.start
        service_id, out_code = a.service_id, a.code

    def vouch(s2: Session, _site: Site, t: Ticket, at: datetime) -> None:
        claimed = s2.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id, Appointment.state == "booked")
            .values(state="checked_in", ticket_id=t.id, checked_in_at=at)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            raise Conflict("this booking was checked in a moment ago", state="checked_in")

    out = tickets.issue(ctx, who, service_id, "normal", vouch=vouch)
    with ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, who.site_id)
        out["appointment"] = {"code": out_code, "start": local_iso(site, start)}
    return out


def tickets_zone(site: Site) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(site.timezone)
