"""Public endpoints for the kiosk and the ticket status page, and the staff's one-time confirmation codes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..services.access.principal import Principal
from ..services.notices import notice_optins
from ..services.queue import confirm_codes, public
from . import ratelimit
from .core import ANY, PUBLIC, STAFF, Api, ctx
from .schemas import In, ItemsOut, TicketOut

Kind = Literal["elderly", "disabled", "pregnant", "green", "other"]


class ConfirmedTicketIn(In):
    service_id: int = Field(ge=1)
    priority: Literal["priority", "green"]
    code: str = Field(
        pattern=r"^\d{6}$", description="the six-digit code a staff member made for this class"
    )
    kind: Kind | None = Field(
        default=None, description="why the visitor has priority (kept in the ticket's history)"
    )


class NotifyIn(In):
    phone: str = Field(
        min_length=1, max_length=20, description="the 11-digit mobile number to text (kept masked)"
    )


class ConfirmCodeIn(In):
    priority: Literal["priority", "green"]


def register(api: Api) -> None:
    """Add the public status, live estimates, hall status, the kiosk's printer and confirmation codes."""

    @api.route("/public/tickets/<public_id>", auth=PUBLIC, tag="public", errors=(404,))
    def public_ticket(who: Principal | None, public_id: str) -> dict[str, Any]:
        """A ticket's public status by its unguessable id: no personal data."""
        return public.ticket_status(ctx(), public_id)

    @api.public(
        "/public/tickets/<public_id>/notify",
        "POST",
        body=NotifyIn,
        budget=ratelimit.public_write("notify"),
        errors=(404, 409, 422),
    )
    def public_ticket_notify(
        who: Principal | None, public_id: str, body: NotifyIn
    ) -> dict[str, Any]:
        """Text me before my turn: the ticket's holder opts in with a phone on the ticket's page."""
        return notice_optins.opt_in(ctx(), None, body.phone, public_id=public_id)

    @api.route(
        "/tickets/<int:ticket_id>/notify",
        "POST",
        body=NotifyIn,
        auth=("kiosk", STAFF),
        tag="kiosk",
        errors=(403, 404, 409, 422),
    )
    def ticket_notify(who: Principal, ticket_id: int, body: NotifyIn) -> dict[str, Any]:
        """Text me before my turn: opt in on the kiosk's ticket screen (the kiosk's own tickets)."""
        return notice_optins.opt_in(ctx(), who, body.phone, ticket_id=ticket_id)

    @api.route("/public/estimates", auth=ANY, tag="kiosk")
    def public_estimates(who: Principal) -> dict[str, Any]:
        """Per item: waiting, estimated wait, windows open, today's cap and what remains, search keys; keywords
        (kiosks and staff: API.md opens only the lists, the document and a ticket's own page to everyone)."""
        return public.estimates(ctx(), who.site_id)

    @api.route("/hall-status", auth=ANY, tag="kiosk")
    def hall_status(who: Principal) -> dict[str, Any]:
        """Whether the caller's hall takes tickets now, when it closes, and when it next opens (devices, staff)."""
        return public.hall_status(ctx(), who.site_id)

    @api.route("/kiosk/printer", auth="kiosk", tag="kiosk")
    def kiosk_printer(who: Principal) -> dict[str, Any]:
        """The calling kiosk's own ticket printer as last polled (null without a printer)."""
        return public.kiosk_printer(ctx(), who)

    @api.route(
        "/kiosk/confirmed-tickets",
        "POST",
        body=ConfirmedTicketIn,
        response=TicketOut,
        auth="kiosk",
        status=201,
        tag="kiosk",
        errors=(403, 409, 429),
    )
    def issue_confirmed(who: Principal, body: ConfirmedTicketIn) -> dict[str, Any]:
        """Issue a priority or green-channel ticket against a staff member's one-time confirmation code."""
        return confirm_codes.issue_with_code(
            ctx(),
            who,
            body.service_id,
            body.priority,
            body.code,
            body.kind,
            ip=ratelimit.client_address(),
        )

    @api.route(
        "/confirm-codes",
        "POST",
        body=ConfirmCodeIn,
        auth=STAFF,
        status=201,
        tag="kiosk",
        errors=(409,),
    )
    def create_confirm_code(who: Principal, body: ConfirmCodeIn) -> dict[str, Any]:
        """Make a one-time six-digit code for a priority or green-channel ticket (shown only in this answer)."""
        return confirm_codes.create(ctx(), who, body.priority)

    @api.route("/confirm-codes", response=ItemsOut, auth=STAFF, tag="kiosk")
    def list_confirm_codes(who: Principal) -> dict[str, Any]:
        """The caller's confirmation codes of today and what became of them (never the codes)."""
        return {"items": confirm_codes.list_codes(ctx(), who)}

    @api.route(
        "/confirm-codes/<int:code_id>/revoke", "POST", auth=STAFF, tag="kiosk", errors=(404,)
    )
    def revoke_confirm_code(who: Principal, code_id: int) -> dict[str, Any]:
        """Withdraw an unused confirmation code."""
        return confirm_codes.revoke(ctx(), who, code_id)
