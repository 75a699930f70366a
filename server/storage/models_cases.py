"""Cases (办件) opened at the counter, their append-only events, their numbers, and the hall's
working-day calendar by year.

Import this module only after `server.storage.models` (which imports it at its end).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class CalendarYear(Base):
    """A year of the hall's calendar: public holidays and adjusted working days (调休)."""

    __tablename__ = "calendar_years"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    workdays: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CaseCounter(Base):
    """Next case number per site and acceptance day: bumped by one atomic statement."""

    __tablename__ = "case_counters"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """One 办件: from acceptance at the counter to delivery of the result."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("site_id", "day", "seq_no"),
        Index("ix_cases_site_state", "site_id", "state"),
        Index("ix_cases_site_day", "site_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    day: Mapped[date] = mapped_column(Date)  # the acceptance day, hall time
    seq_no: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("windows.id"), nullable=True
    )  # accepting window
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id"), nullable=True
    )  # accepting clerk
    first_window_id: Mapped[int | None] = mapped_column(
        ForeignKey("windows.id"), nullable=True
    )  # 首问窗口
    applicant_name: Mapped[str] = mapped_column(String(100), default="")
    applicant_phone: Mapped[str] = mapped_column(String(30), default="")
    state: Mapped[str] = mapped_column(String(20), default="accepted")
    promised_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    accepted_at: Mapped[datetime]
    due_date: Mapped[date] = mapped_column(Date)  # as of the last change; reads recompute it
    paused_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    materials: Mapped[list[Any]] = mapped_column(
        default=list
    )  # missing now (待补正), empty otherwise
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)  # 不予许可
    delivery: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"method", "note"}
    # the applicant agreed at 受理 to be texted when the case is ready to collect (migration 0019)
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CaseEvent(Base):
    """Append-only: one row per change of a case, with who, where and when."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case", "case_id"),
        Index("ix_case_events_site_day", "site_id", "day"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    type: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
