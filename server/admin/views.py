"""The /admin pages: sign-in, a 403 page for clerks, read-only for supervisors, editing for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for

from ..engine.errors import DomainError
from ..services.access.principal import Principal
from ..services.catalog import uploads

SECTIONS = (
    "services",
    "departments",
    "windows",
    "staff",
    "devices",
    "publicity",
    "settings",
    "catalogue",
    "calendar",
    "booking",
    "hours",
)  # calendar: issue 17 (server/cases/static/cases/admin_calendar.js);
# booking: issue 19 (server/booking/static/booking/admin_booking.js);
# hours: 延时/错时服务, issue 19 item 6 (admin/admin_periods.js)
OVERSIGHT = (
    "monitor",
    "reports",
    "audit",
)  # served by server/oversight, listed in the same sidebar


def _who() -> Principal | None:
    from ..api.core import current_principal

    try:
        return current_principal()
    except DomainError:  # a stale or malformed credential: ask to sign in again
        return None


def make_blueprint() -> Blueprint:
    """The admin blueprint: /admin, /admin/<section> and /media/<name> for uploaded files."""
    bp = Blueprint(
        "admin",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/admin/static",
    )

    @bp.get("/admin")
    @bp.get("/admin/")
    def index() -> Any:
        who = _who()
        if (
            who is None or not who.is_staff
        ):  # sign in here: the reload after it lands by role, below
            return render_template(
                "admin/login.html",
                section=SECTIONS[0],
                qh_config=page_config_for(None, SECTIONS[0]),
            )
        if who.is_supervisor and not who.is_admin:  # they watch the hall, not configure it
            return redirect("/admin/monitor")
        return redirect(url_for("admin.section", name=SECTIONS[0]))

    @bp.get("/admin/<name>")
    def section(name: str) -> Any:
        if name not in SECTIONS:
            abort(404)
        who = _who()
        if who is None or not who.is_staff:
            return render_template(
                "admin/login.html", section=name, qh_config=page_config_for(None, name)
            )
        if not who.is_supervisor:
            return render_template(
                "admin/forbidden.html", who=who, qh_config=page_config_for(who, name)
            ), 403
        return render_template(
            "admin/section.html",
            who=who,
            section=name,
            sections=SECTIONS,
            oversight=OVERSIGHT,
            readonly=not who.is_admin,
            qh_config=page_config_for(who, name),
        )

    @bp.get("/media/<name>")
    def media(name: str) -> Any:
        path = uploads.path_of(current_app.instance_path, name)
        if path is None:
            abort(404)
        return send_file(path, max_age=86400, conditional=True)

    return bp


def page_config_for(who: Principal | None, name: str) -> dict[str, Any]:
    """QH_CONFIG for an admin page: the section, who is signed in and whether they may edit."""
    from ..pages import page_config

    me = {"id": who.id, "name": who.name, "role": who.role} if who else None
    return page_config(("admin.",), section=name, me=me, readonly=not (who and who.is_admin))
