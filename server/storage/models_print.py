"""The print spooler's table: one row per attempt to put a ticket on paper.

Import this module only after `server.storage.models` (which imports it at its end), so
Alembic and every session see the table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base

JOB_STATES = ("queued", "printing", "printed", "failed", "superseded")


class PrintJob(Base):
    """A ticket to print on a kiosk's printer: queued -> printing -> printed | failed.

    A reprint (or a print that succeeds first) turns the ticket's other unfinished jobs
    into `superseded`, so one request for paper gives one ticket.

    `next_attempt_at` is NULL for "due now" and set by the spooler's own (real) clock
    for a retry after a passing fault; `updated_at` of a `printing` row is its lease.
    """

    __tablename__ = "print_jobs"
    __table_args__ = (
        Index("ix_print_jobs_due", "state", "next_attempt_at"),
        Index("ix_print_jobs_ticket", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    printer_url: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="issue")  # issue | reprint
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    printed_at: Mapped[datetime | None] = mapped_column(nullable=True)
