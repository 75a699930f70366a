"""延时 / 错时服务 (issue 19 item 6): the hall's extra service periods, read by staff, set by admins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ..services.access.principal import Principal
from ..services.calendar import service_periods
from .core import STAFF, Api, ctx
from .schemas import In, ItemsOut

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class PeriodIn(In):
    kind: Literal["extended", "staggered"] = Field(
        default="extended", description="extended: 延时服务 (no lunch break…); staggered: 错时服务"
    )
    name: str = Field(default="", max_length=100)
    name_en: str = Field(default="", max_length=100)
    days: list[Day] = Field(min_length=1, max_length=7, description="weekdays it runs on")
    start: HHMM
    end: HHMM
    window_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default=[], max_length=200)
    service_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=500
    )
    active: bool = True


def register(api: Api) -> None:
    """Add the service-period endpoints."""

    @api.route("/service-periods", response=ItemsOut, auth=STAFF, tag="admin")
    def list_service_periods(who: Principal) -> dict[str, Any]:
        """The hall's extra service periods (延时 / 错时服务): days, times, windows and items."""
        return {"items": service_periods.list_periods(ctx(), who)}

    @api.route(
        "/service-periods",
        "POST",
        body=PeriodIn,
        auth="admin",
        status=201,
        tag="admin",
        errors=(403,),
    )
    def create_service_period(who: Principal, body: PeriodIn) -> dict[str, Any]:
        """Add an extra service period (admin); kiosks and hall screens pick it up at once."""
        return service_periods.save_period(ctx(), who, body.model_dump())

    @api.route(
        "/service-periods/<int:period_id>",
        "PUT",
        body=PeriodIn,
        auth="admin",
        tag="admin",
        errors=(403, 404),
    )
    def put_service_period(who: Principal, period_id: int, body: PeriodIn) -> dict[str, Any]:
        """Change an extra service period (admin)."""
        return service_periods.save_period(ctx(), who, body.model_dump(), period_id)

    @api.route(
        "/service-periods/<int:period_id>",
        "DELETE",
        auth="admin",
        tag="admin",
        errors=(403, 404),
    )
    def delete_service_period(who: Principal, period_id: int) -> dict[str, Any]:
        """Remove an extra service period (admin)."""
        service_periods.delete_period(ctx(), who, period_id)
        return {"deleted": period_id}
