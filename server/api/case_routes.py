"""Cases (办件), the hall's working-day calendar and the public case lookup (issue 17)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field

from ..engine.errors import InvalidInput
from ..services.access.principal import Principal
from ..services.calendar import calendar
from ..services.cases import case_public, case_settings, cases
from ..services.catalog import catalog
from . import ratelimit
from .core import PUBLIC, STAFF, Api, ctx
from .schemas import In, ItemsOut

Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class CalendarIn(In):
    holidays: list[Day] = Field(
        default_factory=list, max_length=366, description="public holidays YYYY-MM-DD"
    )
    workdays: list[Day] = Field(
        default_factory=list,
        max_length=366,
        description="weekend days made working days (调休) YYYY-MM-DD",
    )
    source: str = Field(default="", max_length=300, description="the notice the dates come from")


class CasesQuery(In):
    model_config = ConfigDict(extra="ignore")
    state: (
        Literal["accepted", "in_review", "awaiting_materials", "ready", "delivered", "rejected"]
        | None
    ) = None
    overdue: Literal["true", "false"] | None = None


class NoteIn(In):
    note: str | None = Field(default=None, max_length=500)


class MaterialsIn(In):
    materials: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=30
    )
    note: str | None = Field(default=None, max_length=500)


class RejectIn(In):
    reason: str = Field(min_length=1, max_length=500)
    note: str | None = Field(default=None, max_length=500)


class DeliverIn(In):
    method: Literal["window", "post"]
    note: str | None = Field(
        default=None, max_length=500, description="by post: the tracking number"
    )


class LookupIn(In):
    number: str = Field(
        min_length=6, max_length=20, description="the case number, e.g. XL20261207-0001"
    )
    phone_last4: str = Field(pattern=r"^\d{4}$")


class Applicant(BaseModel):
    name: str
    phone: str


class RevealOut(BaseModel):
    id: int
    number: str
    applicant: Applicant = Field(description="in full; the answer is not cached (no-store)")


class CaseSettingsIn(In):
    pause_awaiting: bool | None = Field(
        default=None, description="days waiting for materials do not count"
    )


# case lookups per client address and minute (QUEUEHALL_RATE_LIMIT_CASE_LOOKUPS_PER_MIN, 0 = off)
LOOKUPS = ratelimit.Budget(
    "case_lookup",
    "RATE_LIMIT_CASE_LOOKUPS_PER_MIN",
    10,
    message="more than {limit} case lookups a minute from this address; wait {retry} s",
)


def register(api: Api) -> None:
    """Add the calendar, case and case-lookup endpoints."""

    @api.route("/calendar/<int:year>", tag="cases", auth=STAFF)
    def get_calendar(who: Principal, year: int) -> dict[str, Any]:
        """A year of the hall's calendar: holidays and adjusted working days (`defined: false`: weekends alone count)."""
        return calendar.get_year(ctx(), who, year)

    @api.route(
        "/calendar/<int:year>", "PUT", body=CalendarIn, tag="cases", auth="admin", errors=(403,)
    )
    def put_calendar(who: Principal, year: int, body: CalendarIn) -> dict[str, Any]:
        """Enter or replace a year's holidays and adjusted working days (admin)."""
        return calendar.put_year(ctx(), who, year, body.holidays, body.workdays, body.source)

    @api.route("/case-settings", tag="cases", auth=STAFF)
    def get_case_settings(who: Principal) -> dict[str, Any]:
        """Whether days waiting for materials stop the clock."""
        return case_settings.settings(ctx(), who)

    @api.route(
        "/case-settings", "PATCH", body=CaseSettingsIn, tag="cases", auth="admin", errors=(403,)
    )
    def patch_case_settings(who: Principal, body: CaseSettingsIn) -> dict[str, Any]:
        """Change the case settings (admin)."""
        return case_settings.update_settings(ctx(), who, body.model_dump(exclude_none=True))

    @api.route("/cases", query=CasesQuery, response=ItemsOut, tag="cases", auth=STAFF)
    def list_cases(who: Principal, query: CasesQuery) -> dict[str, Any]:
        """Cases, newest first, the applicant masked; `overdue=true` lists only overdue ones."""
        overdue = None if query.overdue is None else query.overdue == "true"
        return {"items": cases.list_cases(ctx(), who, query.state, overdue)}

    @api.route("/cases/<int:case_id>", tag="cases", auth=STAFF, errors=(404,))
    def get_case(who: Principal, case_id: int) -> dict[str, Any]:
        """One case with its events (who, when), the applicant masked (see `.../reveal`)."""
        return cases.get(ctx(), who, case_id)

    @api.route(
        "/cases/<int:case_id>/reveal",
        "POST",
        response=RevealOut,
        tag="cases",
        auth=STAFF,
        errors=(403, 404),
    )
    def reveal_case_applicant(who: Principal, case_id: int) -> Any:
        """显示完整信息: the applicant's name and phone in full, for staff who may work on or deliver
        the case (403 otherwise); every reveal is in the audit log, the data never is."""
        resp = jsonify(cases.reveal(ctx(), who, case_id))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def _move(name: str, doc: str, body_model: type | None) -> None:
        def handler(who: Principal, case_id: int, body: Any = None) -> dict[str, Any]:
            return cases.move(
                ctx(),
                who,
                case_id,
                name,
                materials=getattr(body, "materials", None),
                note=getattr(body, "note", None),
                reason=getattr(body, "reason", None),
                method=getattr(body, "method", None),
            )

        handler.__name__ = f"case_{name.replace('-', '_')}"
        handler.__doc__ = doc
        api.route(
            f"/cases/<int:case_id>/{name}",
            "POST",
            body=body_model,
            tag="cases",
            auth=STAFF,
            errors=(403, 404, 409),
        )(handler)

    _move(
        "review",
        "Start the review (审查中): staff of a window serving the item, supervisors.",
        NoteIn,
    )
    _move(
        "request-materials",
        "Ask for missing materials (待补正); the clock pauses while they are awaited.",
        MaterialsIn,
    )
    _move("materials-received", "The materials arrived: back to review.", NoteIn)
    _move("approve", "Decide to grant (办结): ready for pickup or delivery.", NoteIn)
    _move("reject", "Decide not to grant (不予许可), with the reason.", RejectIn)
    _move(
        "deliver",
        "Deliver the result (送达) at the window or by post: first-ask or comprehensive window.",
        DeliverIn,
    )

    @api.public("/public/cases/lookup", "POST", body=LookupIn, budget=LOOKUPS, errors=(404,))
    def lookup_case(who: Principal | None, body: LookupIn) -> dict[str, Any]:
        """A case's progress by its number and the last four digits of the applicant's phone (rate-limited)."""
        site_id = who.site_id if who else catalog.default_site_id(ctx())
        return case_public.lookup(ctx(), site_id, body.number, body.phone_last4)

    @api.route("/public/tickets/<public_id>/case", auth=PUBLIC, tag="public", errors=(404,))
    def ticket_case(who: Principal | None, public_id: str) -> dict[str, Any]:
        """The progress of the case a ticket opened (`case: null` when it opened none)."""
        if len(public_id) > 32:
            raise InvalidInput("no such ticket", field="public_id")
        return {"case": case_public.for_ticket(ctx(), public_id)}
