"""Daily roll-ups of the event log for reports over long ranges."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ReportRollup(Base):
    """Counts and duration sums of one closed day's events, per type, item, window, clerk and hour.

    Built from `ticket_events` once the day is over (see `server.services.oversight.rollup`); reports read it
    for closed days and the log itself for today. Percentiles always come from the log.
    """

    __tablename__ = "report_rollups"
    __table_args__ = (Index("ix_report_rollups_day", "site_id", "day"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(20))
    service_id: Mapped[int] = mapped_column(Integer)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hour: Mapped[int] = mapped_column(SmallInteger)
    n: Mapped[int] = mapped_column(Integer)
    duration_n: Mapped[int] = mapped_column(Integer)
    duration_sum: Mapped[float] = mapped_column(Float)
    # finished visits within the item's promise (the promise in force when the day was rolled up)
    kept: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """How far a site's roll-ups go: every day up to `through` from events up to `max_event_id`."""

    __tablename__ = "report_rollup_state"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    through: Mapped[date | None] = mapped_column(Date, nullable=True)
    max_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
