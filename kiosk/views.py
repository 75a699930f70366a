"""The kiosk blueprint: the touch-screen page, the ticket's public status page, its QR code."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from server.device_pages import page_token, remember
from server.engine.errors import NotFound
from server.services.access import auth
from server.services.context import Context
from server.services.queue import public

PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
DEFAULT_IDLE_S = 60
DEFAULT_IDLE_WARN_S = 10
DEFAULT_STATUS_POLL_S = 5


def _ctx() -> Context:
    return current_app.extensions["queuehall"]


def status_url(public_id: str) -> str:
    """The address behind a ticket's QR code, by the printed ticket's rule (services/queue/links.py)."""
    return public.status_link(_ctx(), public_id, request.host_url)


def make_blueprint() -> Blueprint:
    """Kiosk pages with their own templates and static files."""
    bp = Blueprint(
        "kiosk",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/kiosk/static",
    )

    @bp.get("/kiosk")
    def kiosk() -> Any:
        """The ticket kiosk, opened by a kiosk device with ?token=."""
        token = page_token()
        who = auth.authenticate(_ctx(), token) if token else None
        if who is None or who.kind != "device" or who.role != "kiosk":
            reason = "kiosk.bad_token" if token else "kiosk.no_token"
            return render_template("kiosk/denied.html", reason=reason, qh_config={}), 401
        remember(token)
        idle = int(current_app.config.get("KIOSK_IDLE_S", DEFAULT_IDLE_S))
        warn = int(current_app.config.get("KIOSK_IDLE_WARN_S", DEFAULT_IDLE_WARN_S))
        from server.i18n import catalogue
        from server.services.ratings import rating_settings

        cfg = {
            # the kiosk's complaint form composes its text in the hall's language from these words
            "complaintWordsZh": {
                k: v
                for k, v in catalogue("zh").items()
                if k.startswith(("kiosk.cmp.topic.", "kiosk.cmp.record."))
            },
            "supervisionPhone": rating_settings.phone_of_hall(_ctx()),
            "token": token,
            "device": who.name,
            "deviceId": who.id,
            "idleSeconds": idle,
            "idleWarnSeconds": warn,
            "defaultLocale": current_app.config.get("QUEUE_DEFAULT_LOCALE", "zh"),
        }
        return render_template(
            "kiosk/kiosk.html",
            device=who.name,
            qh_config=_page_config(("kiosk.", "status.", "hours."), **cfg),
        )

    @bp.get("/t/<public_id>")
    def ticket_status(public_id: str) -> Any:
        """A ticket's live status for the phone that scanned its QR code (no sign-in)."""
        if not PUBLIC_ID.match(public_id):
            abort(404)
        try:
            t = public.ticket_status(_ctx(), public_id)
        except NotFound:
            return render_template("kiosk/status_missing.html", qh_config={}), 404
        poll = float(current_app.config.get("STATUS_POLL_S", DEFAULT_STATUS_POLL_S))
        from server.services.cases import (
            case_public,  # cases (issue 17): progress, 一次性告知, 不予受理
        )

        extra = case_public.page_extras(_ctx(), public_id, t)
        return render_template(
            "kiosk/status.html",
            t=t,
            case=extra["case"],
            notice=extra["notice"],
            refusal=extra["refusal"],
            qh_config=_page_config(
                ("status.", "feedback."),
                publicId=public_id,
                ticket=t,
                pollSeconds=poll,
                caseState=extra["case"]["state"] if extra["case"] else None,
            ),
        )

    @bp.get("/feedback")
    @bp.get("/c/<public_id>")
    def feedback(public_id: str | None = None) -> Any:
        """投诉/建议 without a ticket (/feedback), and the visitor's link to a complaint's reply (/c/<id>)."""
        from server.services.ratings import complaints, rating_settings

        complaint = None
        if public_id is not None:
            if not PUBLIC_ID.match(public_id):
                abort(404)
            try:
                complaint = complaints.public_view(_ctx(), public_id)
            except NotFound:
                abort(404)
        phone = rating_settings.phone_of_hall(_ctx())
        return render_template(
            "kiosk/feedback.html",
            complaint=complaint,
            supervision_phone=phone,
            open_form=complaint is None,
            qh_config=_page_config(("status.", "feedback."), supervisionPhone=phone),
        )

    @bp.get("/kiosk/qr/c/<public_id>.svg")
    def complaint_qr(public_id: str) -> Response:
        """The QR code of a complaint's reply page (/c/<id>), shown by the kiosk after filing it."""
        from server.services.ratings import complaints

        if not PUBLIC_ID.match(public_id):
            abort(404)
        try:
            url = complaints.public_link(_ctx(), public_id, request.host_url)
        except NotFound:
            abort(404)
        return _svg(url)

    @bp.get("/kiosk/qr/<public_id>.svg")
    def qr(public_id: str) -> Response:
        """The QR code of a ticket's status page as SVG (drawn here: no CDN, no client library)."""
        if not PUBLIC_ID.match(public_id):
            abort(404)
        try:
            url = status_url(public_id)
        except NotFound:
            abort(404)
        return _svg(url)

    return bp


def _svg(url: str) -> Response:
    """A QR code of `url` as SVG (services/common/qrsvg.py: no CDN, no client library)."""
    from server.services.common import qrsvg

    return Response(
        qrsvg.svg(url), mimetype="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
    )


def _page_config(prefixes: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    from server.pages import page_config

    return page_config(prefixes, **extra)
