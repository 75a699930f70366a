"""The public booking page: reached from the hall's address or a QR code on the hall screen."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template


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

    return bp
