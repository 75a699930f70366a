"""The clerk workstation (/caller) and the counter evaluator (/evaluator) pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, session

from server.device_pages import page_token, remember
from server.services.access import auth
from server.services.access.principal import Principal

PREFIXES = ("caller.", "evaluator.")
DEFAULT_EVAL_TIMEOUT_S = 60


def _signed_in() -> Principal | None:
    token = session.get("staff_token")
    if not token:
        return None
    who = auth.authenticate(current_app.extensions["queuehall"], str(token))
    return who if who is not None and who.is_staff else None


def make_blueprint() -> Blueprint:
    """Pages of the caller package; they talk to the server only through the public API."""
    bp = Blueprint(
        "caller",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/caller-static",
    )

    @bp.get("/caller")
    def workstation() -> Any:
        who = _signed_in()
        if who is None:
            return render_template("caller/signin.html")
        me = {
            "id": who.id,
            "name": who.name,
            "role": who.role,
            "window_ids": sorted(who.window_ids),
            "supervisor": who.is_supervisor,
        }
        return render_template("caller/workstation.html", me=me)

    @bp.get("/caller/codes")
    def codes() -> Any:
        """One-time confirmation codes for priority and green-channel tickets (any signed-in staff)."""
        who = _signed_in()
        if who is None:
            return render_template("caller/signin.html")
        ttl_min = max(1, int(current_app.config.get("CONFIRM_CODE_TTL_S", 600) or 600) // 60)
        return render_template(
            "caller/codes.html",
            me={"id": who.id, "name": who.name, "role": who.role},
            ttl_min=ttl_min,
        )

    @bp.get("/evaluator")
    def evaluator() -> Any:
        token = page_token()
        who = auth.authenticate(current_app.extensions["queuehall"], token) if token else None
        if who is None:
            return render_template(
                "caller/evaluator_error.html", status=401, key="evaluator.bad_token"
            ), 401
        if who.role != "evaluator" or not who.window_ids:
            return render_template(
                "caller/evaluator_error.html", status=403, key="evaluator.not_evaluator"
            ), 403
        remember(token)
        timeout = request.args.get("timeout", type=int) or int(
            current_app.config.get("EVALUATOR_TIMEOUT_S", DEFAULT_EVAL_TIMEOUT_S)
        )
        return render_template(
            "caller/evaluator.html",
            token=token,
            window_id=min(who.window_ids),
            device_name=who.name,
            timeout=max(5, min(timeout, 600)),
        )

    return bp
