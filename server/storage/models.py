"""Typed SQLAlchemy 2.x models of the hall."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    reset_hour: Mapped[int] = mapped_column(SmallInteger, default=0)
    priority_ratio: Mapped[int] = mapped_column(SmallInteger, default=3)
    announce_template: Mapped[str] = mapped_column(
        String(200), default="请{number}号到{window}号窗口办理"
    )
    public_base_url: Mapped[str] = mapped_column(String(300), default="")
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    # a new hall issues tickets only in its hours (a kiosk left on overnight issues nothing)
    enforce_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    short_name: Mapped[str] = mapped_column(String(60), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(1))
    mode: Mapped[str] = mapped_column(String(16), default="instant")
    promised_days: Mapped[int] = mapped_column(SmallInteger, default=0)
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_service_min: Mapped[int] = mapped_column(SmallInteger, default=10)
    wait_threshold_min: Mapped[int] = mapped_column(SmallInteger, default=30)
    needs_consult: Mapped[bool] = mapped_column(Boolean, default=False)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disclosure: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the item's own weekly hours ({"mon": [["09:00", "12:00"]]}); empty: the hall's hours
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    department: Mapped[Department] = relationship(lazy="joined")


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    badge: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    photo: Mapped[str | None] = mapped_column(String(300), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)


class StaffWindow(Base):
    __tablename__ = "staff_windows"
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    window_id: Mapped[int] = mapped_column(
        ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True
    )


class StaffToken(Base):
    __tablename__ = "staff_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # a staff page's realtime token: the sign-in it was given to, which it ends with (migration 0023)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_tokens.id", ondelete="CASCADE", name="fk_staff_tokens_parent_id"),
        nullable=True,
        index=True,
    )


class Window(Base):
    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("site_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(16), default="normal")
    state: Mapped[str] = mapped_column(String(16), default="closed")
    pause_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    state_since: Mapped[datetime | None] = mapped_column(nullable=True)
    priority_streak: Mapped[int] = mapped_column(SmallInteger, default=0)
    marquee: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WindowService(Base):
    __tablename__ = "window_services"
    window_id: Mapped[int] = mapped_column(
        ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger, default=5)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    window_id: Mapped[int | None] = mapped_column(
        ForeignKey("windows.id", ondelete="SET NULL"), nullable=True
    )
    printer_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A kiosk's ticket: paper width (58 or 80 mm) and language ("zh", "en" or bilingual "zh+en").
    paper_mm: Mapped[int] = mapped_column(SmallInteger, default=80, server_default="80")
    ticket_lang: Mapped[str] = mapped_column(String(8), default="zh+en", server_default="zh+en")


class Counter(Base):
    """Next number per site, prefix and business day: bumped by one atomic statement."""

    __tablename__ = "counters"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ServiceDayCount(Base):
    """Tickets issued per item and day: the daily cap is checked by the same atomic bump."""

    __tablename__ = "service_day_counts"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class QueueCount(Base):
    """Waiting tickets per site, business day and item: kept by triggers on `tickets` (migration 0011)."""

    __tablename__ = "queue_counts"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("site_id", "prefix", "day", "seq_no"),
        # the head of each (item, class, target window) queue is one index step (call-next)
        Index(
            "ix_tickets_heads",
            "site_id",
            "day",
            "state",
            "service_id",
            "priority",
            "target_window_id",
            "issued_at",
            "id",
        ),
        # the tickets transferred to a window, covering what call-next reads of them (migration 0022:
        # without the covering columns SQLite read them through ix_tickets_heads, the whole queue)
        Index(
            "ix_tickets_targeted",
            "site_id",
            "day",
            "state",
            "target_window_id",
            "service_id",
            "priority",
            "issued_at",
            "id",
        ),
        Index("ix_tickets_window", "window_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    number: Mapped[str] = mapped_column(String(12))
    prefix: Mapped[str] = mapped_column(String(1))
    seq_no: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    target_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    first_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    recall_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    transfer_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    issued_at: Mapped[datetime]
    queued_at: Mapped[datetime]
    called_at: Mapped[datetime | None] = mapped_column(nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    print_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    service: Mapped[Service] = relationship(lazy="raise")


class TicketEvent(Base):
    """Append-only log: one row per transition, the source of every oversight figure."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        # On PostgreSQL the report index carries what reports read: a year's report is index-only.
        Index(
            "ix_events_report",
            "site_id",
            "day",
            "type",
            postgresql_include=[
                "service_id",
                "window_id",
                "staff_id",
                "hour",
                "duration_s",
                "elapsed_s",
                "wait_s",
            ],
        ),
        Index("ix_events_ticket", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    type: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(SmallInteger)
    service_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(nullable=True)
    # seconds from the ticket's issue to this event (the "within the promised time" figure)
    elapsed_s: Mapped[float | None] = mapped_column(nullable=True)
    # the report's wait, on a ticket's first `called` event only: first call − issue (arrival)
    wait_s: Mapped[float | None] = mapped_column(nullable=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_report", "site_id", "day"),
        # one rating per visit (the ticket's, case_id empty) and one per case (办件送达后评价), on any
        # channel: the database refuses the second, also when two arrive at once (0020)
        Index(
            "ux_evaluations_visit",
            "ticket_id",
            unique=True,
            sqlite_where=text("case_id IS NULL"),
            postgresql_where=text("case_id IS NULL"),
        ),
        Index("ux_evaluations_case", "case_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # set on the rating of a case after its delivery; empty on the rating of the visit
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    service_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    rectification: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rectification_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rectified_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rectified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # every change: {"status", "note", "by", "by_name", "at"}, oldest first
    rectification_log: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # where the visitor rated: "counter" (the window's evaluator) or "phone" (the ticket's page)
    channel: Mapped[str] = mapped_column(String(8), default="counter", server_default="counter")
    # a bad rating's two clocks, in the hall's working days from the rating (回访 / 整改反馈)
    callback_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    feedback_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # 回访 records: {"by", "by_name", "at", "accepted", "note"}, oldest first
    callbacks: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    # the clerk's 申诉: {"by", "by_name", "at", "reason", "decision": None|"upheld"|"rejected", ...}
    appeal: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class Publicity(Base):
    __tablename__ = "publicity"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[str | None] = mapped_column(String(300), nullable=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    daily_from: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "HH:MM", hall time
    daily_to: Mapped[str | None] = mapped_column(String(5), nullable=True)
    screens: Mapped[str] = mapped_column(
        String(16), default="hall", server_default="hall"
    )  # hall|windows|all|devices
    device_ids: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class WindowEvent(Base):
    """Append-only log of window openings, pauses and closings (discipline figures)."""

    __tablename__ = "window_events"
    __table_args__ = (
        Index("ix_window_events_report", "site_id", "day"),
        Index("ix_window_events_window_at", "window_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    # no cascade: a window with history is deactivated, never deleted (its figures stay traceable)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("windows.id", name="fk_window_events_window_id_windows")
    )
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # who made the change
    clerk_id: Mapped[int | None] = mapped_column(
        Integer, nullable=True
    )  # the window's clerk from then on
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    # who took the window over from whom, whose window an admin released and why
    data: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


from .models_audit import Alert, AuditEntry  # noqa: E402,F401
from .models_booking import (  # noqa: E402,F401
    Appointment,
    BookingRule,
    Notice,
    NoticeOptIn,
    SlotCount,
)
from .models_cases import CalendarYear, Case, CaseCounter, CaseEvent  # noqa: E402,F401
from .models_hours import ServicePeriod  # noqa: E402,F401
from .models_print import PrintJob  # noqa: E402,F401
from .models_ratings import AssessmentScore, Complaint  # noqa: E402,F401
from .models_report import ReportRollup, RollupState  # noqa: E402,F401
