"""延时 / 错时服务 (issue 19 item 6): extra service periods of the hall calendar.

Import this module only after `server.storage.models` (which imports it at its end).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ServicePeriod(Base):
    """An extra period the hall serves in on given weekdays (not on holidays), outside or across its
    ordinary hours: lunchtime without a break (延时) or a Saturday morning (错时), with the windows
    staffed and the items taken then."""

    __tablename__ = "service_periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="extended")  # extended | staggered
    name: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(100), default="")
    days: Mapped[list[Any]] = mapped_column(default=list)  # ["mon", ..., "fri"]
    start: Mapped[str] = mapped_column(String(5))  # "12:00", hall time
    end: Mapped[str] = mapped_column(String(5))
    window_ids: Mapped[list[Any]] = mapped_column(default=list)
    service_ids: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
