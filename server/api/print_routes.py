"""Printing endpoints: reprint a ticket, its print jobs, the kiosks' printers, the layout preview."""

from __future__ import annotations

from typing import Any, Literal

from flask import Response, request
from pydantic import Field

from ..services.access.principal import Principal
from ..services.printing import printing, ticket_paper
from .core import STAFF, Api, ctx
from .schemas import In, ItemsOut, TicketOut


class PreviewQuery(In):
    paper: Literal["58", "80"] | None = Field(
        default=None, description="paper width in mm (default: the kiosk's, else 80)"
    )
    lang: Literal["zh", "en", "zh+en"] | None = Field(
        default=None, description="zh, en or zh+en (bilingual); default: the kiosk's, else zh+en"
    )
    device_id: int | None = Field(
        default=None, ge=1, description="preview with this kiosk's paper and language"
    )
    format: Literal["png", "json"] = Field(
        default="png", description="png: the picture; json: the decoded text"
    )


def register(api: Api) -> None:
    """Add the printing endpoints to the API."""

    @api.route(
        "/tickets/<int:ticket_id>/print",
        "POST",
        response=TicketOut,
        auth=("kiosk", STAFF),
        tag="printing",
        errors=(409,),
    )
    def print_ticket(who: Principal, ticket_id: int) -> dict[str, Any]:
        """Print the ticket again on the printer of the kiosk that issued it (print_state "queued")."""
        return printing.reprint(ctx(), who, ticket_id)

    @api.route("/tickets/<int:ticket_id>/print-jobs", response=ItemsOut, auth=STAFF, tag="printing")
    def list_print_jobs(who: Principal, ticket_id: int) -> dict[str, Any]:
        """The ticket's print jobs, oldest first: state (queued, printing, printed, failed, superseded), error."""
        return {"items": printing.list_jobs(ctx(), who, ticket_id)}

    @api.route("/printers", response=ItemsOut, auth=STAFF, tag="printing")
    def list_printers(who: Principal) -> dict[str, Any]:
        """The kiosks' ticket printers with their last polled status (online, paper, error, seen_at)."""
        return {"items": printing.list_printers(ctx(), who)}

    @api.route(
        "/print/preview",
        query=PreviewQuery,
        auth=("supervisor", "admin"),
        tag="printing",
        errors=(404, 422),
    )
    def preview_ticket(who: Principal, query: PreviewQuery) -> Any:
        """A sample ticket with the hall's settings, through the real encoder, as PNG or decoded text."""
        data, ticket, paper, lang = ticket_paper.preview(
            ctx(),
            who,
            int(query.paper) if query.paper else None,
            query.lang,
            query.device_id,
            server_url=request.host_url,
        )
        if query.format == "json":
            return {
                "paper_mm": paper,
                "lang": lang,
                "size_bytes": len(data),
                "text": ticket.text(),
                "qr_payloads": ticket.qr_payloads,
                "cut": ticket.cut,
            }
        from hardware.ticket_png import ticket_png_bytes  # PIL only when a preview is asked for

        return Response(
            ticket_png_bytes(ticket, paper),
            mimetype="image/png",
            headers={"Cache-Control": "no-store"},
        )
