"""Complaints and suggestions (投诉/建议) and the assessment's manual scores (量化考核评分).

Import this module only after `server.storage.models` (which imports it at its end).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class Complaint(Base):
    """A complaint or suggestion from a visitor (phone page, kiosk) or entered by staff (call, letter)."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_site_state", "site_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    public_id: Mapped[str] = mapped_column(
        String(32), unique=True
    )  # the visitor's link to the reply
    category: Mapped[str] = mapped_column(String(16))  # complaint | suggestion
    source: Mapped[str] = mapped_column(String(16))  # phone | kiosk | call | letter
    content: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(
        String(16), default="received"
    )  # received | assigned | replied | closed
    created_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)  # reply deadline, in the hall's working days
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    assigned_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(nullable=True)
    replied_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    close_note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class AssessmentScore(Base):
    """A manual score of one month: the center's leadership or a department's window manager rates a
    window, a clerk or a department (one score per rater and subject and month; a new one replaces it)."""

    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("site_id", "month", "subject_kind", "subject_id", "rater"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    subject_kind: Mapped[str] = mapped_column(String(16))  # window | staff | department
    subject_id: Mapped[int] = mapped_column(Integer)
    rater: Mapped[str] = mapped_column(String(16))  # center | department
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(500), default="")
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    by_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime]
