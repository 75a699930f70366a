"""Failed sign-ins per account and address, for lockouts that one attacker cannot aim at others.

Import this module after `server.storage.models` (it shares its metadata).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class SignInFailure(Base):
    """Wrong passwords for one username from one address; `locked_until` grows with each lockout.

    Kept for any username typed, known or not, so a lockout never tells which names exist.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        UniqueConstraint("username", "address", name="uq_sign_in_failures_pair"),
        Index("ix_sign_in_failures_last", "last_failure_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime]
