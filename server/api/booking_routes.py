"""预约 (issue 19): public slots and booking, cancelling, kiosk check-in, staff booking and settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from ..services.access.principal import Principal
from ..services.booking import appointment_checkin, appointments, booking_settings
from ..services.catalog import catalog
from ..services.notices import notices
from . import ratelimit
from .core import STAFF, Api, ctx
from .schemas import In, ItemsOut, TicketOut

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class SlotsQuery(In):
    model_config = ConfigDict(extra="ignore")
    date: date


class BookIn(In):
    service_id: int = Field(ge=1)
    start: str = Field(
        min_length=10, max_length=40, description="a slot's start as GET .../slots gives it"
    )
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(
        pattern=r"^1\d{10}$", description="the visitor's mobile number (masked in every answer)"
    )
    notify: bool = Field(default=False, description="the visitor agrees to notices by SMS")
    id_number: str | None = Field(
        default=None,
        pattern=r"^\d{17}[\dXx]$",
        description="optional: lets the kiosk check the booking in by ID card (only a keyed digest is kept)",
    )


class CancelQuery(In):
    model_config = ConfigDict(extra="ignore")
    phone_last4: str = Field(pattern=r"^\d{4}$")


class CheckInIn(In):
    code: str | None = Field(default=None, pattern=r"^\d{8}$")
    phone: str | None = Field(
        default=None, pattern=r"^1\d{10}$", description="instead of the code: today's booking"
    )
    card: str | None = Field(
        default=None,
        max_length=400,
        description="instead of the code: a swiped ID card (`idcard.card`)",
    )

    @model_validator(mode="after")
    def _one(self) -> CheckInIn:
        if not self.code and not self.phone and not self.card:
            raise ValueError("send the booking code (or the phone number, or a swiped ID card)")
        return self


class DayQuery(In):
    model_config = ConfigDict(extra="ignore")
    date: date


class RuleIn(In):
    periods: list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=8
    )
    slot_min: int = Field(default=30, ge=5, le=240)
    capacity: int = Field(default=4, ge=0, le=500)
    saturday_capacity: int = Field(default=2, ge=0, le=500)
    active: bool = True
    days_ahead: int | None = Field(
        default=None, ge=0, le=60, description="the item's own booking horizon (null: the hall's)"
    )
    per_phone_item: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="bookings per phone and day for this item (null: the hall's)",
    )


class BookingSettingsIn(In):
    days_ahead: int | None = Field(default=None, ge=0, le=60)
    per_phone_day: int | None = Field(default=None, ge=1, le=20)
    per_phone_item: int | None = Field(default=None, ge=1, le=20)
    no_show_limit: int | None = Field(default=None, ge=0, le=50)
    no_show_days: int | None = Field(default=None, ge=1, le=365)
    checkin_early_min: int | None = Field(default=None, ge=0, le=240)
    checkin_late_min: int | None = Field(default=None, ge=0, le=240)
    call_before_min: int | None = Field(default=None, ge=0, le=240)
    call_after_min: int | None = Field(default=None, ge=0, le=240)
    booked_ratio: int | None = Field(default=None, ge=0, le=20)
    near_ahead: int | None = Field(default=None, ge=0, le=20)


# public booking calls per client address and minute (QUEUEHALL_<setting>, 0 = off)
READS = ratelimit.Budget("booking_read", "RATE_LIMIT_BOOKING_READS_PER_MIN", 60)
WRITES = ratelimit.Budget("booking_write", "RATE_LIMIT_BOOKINGS_PER_MIN", 10)


def _site(who: Principal | None) -> int:
    return who.site_id if who else catalog.default_site_id(ctx())


def register(api: Api) -> None:
    """Add the booking endpoints."""
    register_notices(api)

    @api.public("/public/bookable-services", budget=READS)
    def bookable_services(who: Principal | None) -> dict[str, Any]:
        """Items that can be booked, the materials to bring for each (一次性告知), and how far ahead."""
        return appointments.bookable_services(ctx(), _site(who))

    @api.public(
        "/public/services/<int:service_id>/slots",
        query=SlotsQuery,
        response=ItemsOut,
        budget=READS,
        errors=(404, 422),
    )
    def booking_slots(who: Principal | None, service_id: int, query: SlotsQuery) -> dict[str, Any]:
        """An item's bookable slots of a day, each with its capacity and what is left."""
        return {"items": appointments.slots(ctx(), _site(who), service_id, query.date)}

    @api.public(
        "/public/appointments",
        "POST",
        body=BookIn,
        status=201,
        budget=WRITES,
        errors=(404, 409, 422),
    )
    def book(who: Principal | None, body: BookIn) -> dict[str, Any]:
        """Book a slot: answers the code (keep it) and the slot; 409 slot_full; 429 past the per-phone limits."""
        return appointments.book(
            ctx(),
            _site(who),
            body.service_id,
            body.start,
            body.name,
            body.phone,
            notify=body.notify,
            id_number=body.id_number,
        )

    @api.public(
        "/public/appointments/<code>",
        "DELETE",
        query=CancelQuery,
        budget=WRITES,
        errors=(404, 409),
    )
    def cancel_booking(who: Principal | None, code: str, query: CancelQuery) -> dict[str, Any]:
        """Cancel a booking with its code and the last four digits of the phone."""
        return appointments.cancel(ctx(), _site(who), code[:12], query.phone_last4)

    @api.route(
        "/appointments/check-in",
        "POST",
        body=CheckInIn,
        response=TicketOut,
        auth=("kiosk", STAFF),
        status=201,
        tag="kiosk",
        errors=(404, 409, 429),
    )
    def check_in(who: Principal, body: CheckInIn) -> dict[str, Any]:
        """Check a booking in at the kiosk: the ticket, with `appointment`; 409 too_early / too_late."""
        if who.kind == "device":
            ratelimit.before_issue(who.id)  # a check-in is a ticket: the kiosk's ticket budget
        return appointment_checkin.check_in(ctx(), who, body.code, body.phone, body.card)

    @api.route(
        "/appointments",
        "POST",
        body=BookIn,
        auth=STAFF,
        status=201,
        tag="kiosk",
        errors=(404, 409, 429),
    )
    def staff_book(who: Principal, body: BookIn) -> dict[str, Any]:
        """Book for a caller at the consulting desk (same slots and limits as the public booking)."""
        return appointments.book(
            ctx(),
            who.site_id,
            body.service_id,
            body.start,
            body.name,
            body.phone,
            by=who,
            notify=body.notify,
            id_number=body.id_number,
        )

    @api.route("/appointments", query=DayQuery, response=ItemsOut, auth=STAFF, tag="kiosk")
    def list_appointments(who: Principal, query: DayQuery) -> dict[str, Any]:
        """A day's bookings and their states (爽约 recorded once check-in time is over)."""
        return {"items": appointments.list_day(ctx(), who, query.date)}

    @api.route("/booking-settings", auth=STAFF, tag="admin")
    def get_booking_settings(who: Principal) -> dict[str, Any]:
        """How far ahead, per-phone limits, check-in and call windows, the booked-call ratio."""
        return booking_settings.get_settings(ctx(), who)

    @api.route(
        "/booking-settings",
        "PATCH",
        body=BookingSettingsIn,
        auth="admin",
        tag="admin",
        errors=(403,),
    )
    def patch_booking_settings(who: Principal, body: BookingSettingsIn) -> dict[str, Any]:
        """Change booking settings (admin)."""
        return booking_settings.update_settings(ctx(), who, body.model_dump(exclude_none=True))

    @api.route("/booking-rules", response=ItemsOut, auth=STAFF, tag="admin")
    def list_booking_rules(who: Principal) -> dict[str, Any]:
        """Which items can be booked, in which periods, slot length and capacities."""
        return {"items": booking_settings.list_rules(ctx(), who)}

    @api.route(
        "/booking-rules/<int:service_id>",
        "PUT",
        body=RuleIn,
        auth="admin",
        tag="admin",
        errors=(403, 404),
    )
    def put_booking_rule(who: Principal, service_id: int, body: RuleIn) -> dict[str, Any]:
        """Make an item bookable or change its slots (admin)."""
        data = body.model_dump()
        for k in ("days_ahead", "per_phone_item"):  # left out: the item's own limits are kept
            if k not in body.model_fields_set:
                data.pop(k)
        return booking_settings.put_rule(ctx(), who, service_id, data)


class NoticesQuery(In):
    model_config = ConfigDict(extra="ignore")
    ticket: int = Field(ge=1, le=2**31 - 1)


def register_notices(api: Api) -> None:
    """Add the staff's view of the notices outbox."""

    @api.route(
        "/notices", query=NoticesQuery, response=ItemsOut, auth=STAFF, tag="kiosk", errors=(404,)
    )
    def list_notices(who: Principal, query: NoticesQuery) -> dict[str, Any]:
        """A ticket's notices (and its booking's): channel, state queued|sent|failed, attempts, masked recipient."""
        return {"items": notices.list_for_ticket(ctx(), who, query.ticket)}
