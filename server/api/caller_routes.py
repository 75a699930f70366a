"""Clerk-workstation endpoints beyond API.md: pick-call, settings, realtime token, lists."""

from __future__ import annotations

from typing import Any

from flask import session
from pydantic import ConfigDict, Field

from ..services.access.principal import Principal
from ..services.queue import caller
from ..services.ratings import rectification_steps
from .core import ANY, STAFF, Api, bearer_token, ctx
from .schemas import In, ItemsOut, TicketOut

SUPERVISORS = ("supervisor", "admin")


class RectificationsQuery(In):
    model_config = ConfigDict(extra="ignore")
    overdue: bool = False


class CallTicketIn(In):
    window_id: int = Field(
        ge=1, description="the window (opened by the caller) that calls the ticket"
    )


class CallerSettingsIn(In):
    allow_pick_call: bool = Field(
        description="clerks may call a particular waiting ticket, not only the next"
    )


def register(api: Api) -> None:
    """Add the clerk-workstation endpoints to the API."""

    @api.route(
        "/tickets/<int:ticket_id>/call",
        "POST",
        body=CallTicketIn,
        response=TicketOut,
        auth=STAFF,
        tag="caller",
        errors=(409,),
    )
    def caller_call_ticket(who: Principal, ticket_id: int, body: CallTicketIn) -> dict[str, Any]:
        """Call this particular waiting ticket (supervisors, or clerks where a supervisor allows it)."""
        return caller.call_ticket(ctx(), who, ticket_id, body.window_id)

    @api.route("/caller/settings", auth=STAFF, tag="caller")
    def caller_get_settings(who: Principal) -> dict[str, Any]:
        """Workstation settings of the hall."""
        return caller.settings(ctx(), who)

    @api.route("/caller/settings", "PUT", body=CallerSettingsIn, auth=SUPERVISORS, tag="caller")
    def caller_put_settings(who: Principal, body: CallerSettingsIn) -> dict[str, Any]:
        """Allow or forbid clerks to call a particular waiting ticket (supervisor)."""
        return caller.update_settings(ctx(), who, body.allow_pick_call)

    @api.route("/caller/realtime-token", "POST", auth=STAFF, tag="caller")
    def caller_realtime_token(who: Principal) -> dict[str, Any]:
        """A two-minute staff token for opening the Socket.IO connection from a signed-in page."""
        # the sign-in the principal came from: the bearer token, else the page's session cookie
        signed_in = bearer_token() or str(session.get("staff_token") or "")
        return caller.realtime_token(ctx(), who, signed_in)

    @api.route("/caller/tickets", response=ItemsOut, auth=STAFF, tag="caller")
    def caller_listed_tickets(who: Principal) -> dict[str, Any]:
        """Today's no-show, cancelled and parked tickets (clerks: their windows' parked ones)."""
        return {"items": caller.listed_tickets(ctx(), who)}

    @api.route("/evaluation-reasons", response=ItemsOut, auth=ANY, tag="caller")
    def caller_evaluation_reasons(who: Principal) -> dict[str, Any]:
        """Stock reasons offered with a bad rating."""
        return {"items": caller.evaluation_reasons(ctx(), who)}

    @api.route(
        "/rectifications",
        query=RectificationsQuery,
        response=ItemsOut,
        auth=SUPERVISORS,
        tag="caller",
    )
    def caller_rectifications(who: Principal, query: RectificationsQuery) -> dict[str, Any]:
        """Bad ratings with their rectification (整改) status, deadlines, 回访 and 申诉 (supervisors);
        `overdue=true` keeps those with a step past its deadline."""
        return {"items": rectification_steps.overdue(ctx(), who, query.overdue)}
