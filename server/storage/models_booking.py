"""预约 (bookings): per-item slot rules, slot counters, appointments, and the notices outbox (issue 19).

Import this module only after `server.storage.models` (which imports it at its end).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class BookingRule(Base):
    """Which hours of a working day an item can be booked, in slots of `slot_min` with a capacity each."""

    __tablename__ = "booking_rules"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    periods: Mapped[list[Any]] = mapped_column(
        default=list
    )  # [["09:00", "11:30"], ["13:30", "17:00"]]
    slot_min: Mapped[int] = mapped_column(SmallInteger, default=30)
    capacity: Mapped[int] = mapped_column(SmallInteger, default=4)
    saturday_capacity: Mapped[int] = mapped_column(
        SmallInteger, default=2
    )  # a Saturday worked (调休)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the item's own limits over the hall's (booking settings); None: the hall's
    days_ahead: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    per_phone_item: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class SlotCount(Base):
    """Bookings held per item and slot start: taken only by a compare-and-set below the capacity."""

    __tablename__ = "booking_slot_counts"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[datetime] = mapped_column(primary_key=True)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """One booking: booked → checked_in | cancelled | no_show (爽约, the visitor's, never a clerk's)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_site_day", "site_id", "day", "state"),
        Index("ix_appointments_phone_day", "site_id", "phone", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    day: Mapped[date] = mapped_column(Date)  # hall time
    start: Mapped[datetime]
    end: Mapped[datetime]
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16), default="booked")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True, unique=True
    )
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(
        Integer, nullable=True
    )  # staff who booked for a caller
    checked_in_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)  # the visitor opted in to notices
    # HMAC-SHA256 of the resident ID number, when given: check-in by swiping the card (never the number)
    id_digest: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class Notice(Base):
    """The notices outbox: stored before it is sent, claimed by compare-and-set, retried with backoff."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_due", "state", "next_at"),
        Index("ix_notices_ticket", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    key: Mapped[str] = mapped_column(String(120), unique=True)  # one notice per event and channel
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(300))
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sending|sent|failed
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    log: Mapped[list[Any]] = mapped_column(
        default=list
    )  # each attempt: {"at", "ok", "status", "error"}


class NoticeOptIn(Base):
    """A ticket's holder asked to be texted about its turn (the kiosk's ticket screen or the ticket's
    page): the phone the near-turn, called and rating notices go to (migration 0019)."""

    __tablename__ = "notice_optins"
    # each call asks whether any waiting ticket opted in: found from the hall's recent opt-ins
    __table_args__ = (Index("ix_notice_optins_site_created", "site_id", "created_at"),)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    phone: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(16))  # kiosk | phone
    created_at: Mapped[datetime]
