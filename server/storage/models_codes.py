"""One-time confirmation codes: a staff member vouches for a priority or green-channel ticket.

Import this module after `server.storage.models` (its foreign keys name those tables).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ConfirmCode(Base):
    """A short code a staff member made for one priority class; used once at a kiosk, or expires.

    Only a keyed hash of the code is kept (`code_hash`), so neither the database nor a backup
    shows a live code.
    """

    __tablename__ = "confirm_codes"
    __table_args__ = (Index("ix_confirm_codes_lookup", "site_id", "code_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    priority: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
