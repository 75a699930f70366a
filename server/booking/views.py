"""The public booking page: reached from the hall's address or a QR code on the hall screen."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request


def make_blueprint() -> Blueprint:
    """/book: choose an item, read its materials, pick a slot, book; cancel with code + last 4 digits."""
    bp = Blueprint(
        "booking",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/booking-static",
    )

    @bp.get("/book")
    def book() -> Any:
        from ..pages import page_config

        return render_template("booking/book.html", qh_config=page_config(("booking.",)))

    @bp.get("/book/qr.svg")
    def qr() -> Response:
        """The QR code of this page's public address (the hall screen shows it), drawn here."""
        from ..services.catalog import catalog
        from ..services.common import qrsvg
        from ..services.queue import public

        ctx = current_app.extensions["queuehall"]
        url = public.booking_link(ctx, catalog.default_site_id(ctx), request.host_url)
        return Response(
            qrsvg.svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "max-age=3600"}
        )

    return bp
