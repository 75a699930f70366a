"""Oversight tables: the append-only audit log and the alerts raised by the live monitor.

Import this module only after `server.storage.models` (which imports it at its end).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class AuditEntry(Base):
    """Who did what, to what, when and from where. Rows are never updated or deleted
    (the migration adds triggers that refuse UPDATE and DELETE on both databases)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_site_at", "site_id", "at"),
        Index("ix_audit_action", "action"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff | device | anonymous
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    actor_role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(
        String(60)
    )  # the operation id, e.g. call_next, update_service
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[int] = mapped_column(SmallInteger)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Alert(Base):
    """A condition the supervisors should see: raised once per `key`, acknowledged by a person."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("site_id", "key"),
        Index("ix_alerts_site_day", "site_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(
        String(20)
    )  # wait_over | window_paused | window_idle | service_over | bad_rating
    severity: Mapped[str] = mapped_column(String(8), default="warn")
    message: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    service_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raised_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
