"""The case lookup page, and the printable A4 一次性告知书 and 不予受理告知书 of a visit."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, render_template

from ..engine.errors import NotFound
from ..services.cases import case_public
from ..services.context import Context

PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


def _ctx() -> Context:
    return current_app.extensions["queuehall"]


def _config(**extra: Any) -> dict[str, Any]:
    from ..pages import page_config

    return page_config(("cases.",), **extra)


def make_blueprint() -> Blueprint:
    """Public pages: the lookup form, and the notices reached through a ticket's unguessable link."""
    bp = Blueprint(
        "cases",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/cases-static",
    )

    @bp.get("/cases")
    def work() -> Any:
        """Staff: the hall's cases, each moved by those who may (the API decides; 403 otherwise)."""
        from flask import session

        from ..services.access import auth

        token = session.get("staff_token")
        who = auth.authenticate(_ctx(), str(token)) if token else None
        if who is None or not who.is_staff:
            return render_template("caller/signin.html")
        me = {
            "id": who.id,
            "name": who.name,
            "role": who.role,
            "window_ids": sorted(who.window_ids),
            "supervisor": who.is_supervisor,
        }
        return render_template("cases/work.html", me=me, qh_config=_config(me=me))

    @bp.get("/cases/lookup")
    def lookup() -> Any:
        """Case progress by case number and the last four digits of the phone (the API is rate-limited)."""
        from ..pages import page_config

        # the rating of a delivered case (办件送达后评价) borrows the ticket page's words
        words = ("cases.", "status.level.", "status.rate.", "status.case_rate.")
        return render_template("cases/lookup.html", qh_config=page_config(words))

    def _notice(public_id: str, kind: str) -> Any:
        if not PUBLIC_ID.match(public_id):
            abort(404)
        try:
            n = case_public.notice(_ctx(), public_id, kind)
        except NotFound:
            abort(404)
        from ..i18n import translate

        def zh_(key: str, **kw: Any) -> str:  # the notice itself: an official document, in Chinese
            return translate(key, "zh", **kw)

        return render_template("cases/notice.html", n=n, zh_=zh_, qh_config=_config())

    @bp.get("/t/<public_id>/notice")
    def notice(public_id: str) -> Any:
        """一次性告知书: the materials missing at the counter (补正), printable on A4."""
        return _notice(public_id, "parked")

    @bp.get("/t/<public_id>/refusal")
    def refusal(public_id: str) -> Any:
        """不予受理告知书: why the application was not accepted, printable on A4."""
        return _notice(public_id, "refused")

    return bp
