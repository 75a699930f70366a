"""The /admin/monitor, /admin/reports, /admin/reports/print and /admin/audit pages (supervisors, admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from ..engine.errors import DomainError
from ..services.access.principal import Principal

PAGES = ("monitor", "reports", "complaints", "audit")


def _who() -> Principal | None:
    from ..api.core import current_principal

    try:
        return current_principal()
    except DomainError:  # a stale credential: ask to sign in again
        return None


def _config(who: Principal | None, page: str) -> dict[str, Any]:
    from ..pages import page_config

    me = {"id": who.id, "name": who.name, "role": who.role} if who else None
    return page_config(("admin.", "ovs."), page=page, me=me, admin=bool(who and who.is_admin))


def _page(page: str, template: str) -> Any:
    who = _who()
    if who is None or not who.is_staff:
        return render_template("admin/login.html", section=page, qh_config=_config(None, page))
    if not who.is_supervisor:
        return render_template("admin/forbidden.html", who=who, qh_config=_config(who, page)), 403
    return render_template(template, who=who, page=page, pages=PAGES, qh_config=_config(who, page))


def _lang() -> str:
    from ..i18n import current_locale

    return (
        "en"
        if current_locale(current_app.config.get("QUEUE_DEFAULT_LOCALE", "zh")) == "en"
        else "zh"
    )


def make_blueprint() -> Blueprint:
    """The oversight blueprint (the alert checker starts with the server: server/background.py)."""
    bp = Blueprint(
        "oversight",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/oversight-static",
    )

    @bp.get("/admin/monitor")
    def monitor() -> Any:
        return _page("monitor", "oversight/monitor.html")

    @bp.get("/admin/reports")
    def reports() -> Any:
        return _page("reports", "oversight/reports.html")

    @bp.get("/admin/reports/print")
    def reports_print() -> Any:
        return _page("reports", "oversight/print.html")

    @bp.get("/admin/reports/bulletin")
    def bulletin() -> Any:
        """The printable monthly 通报 of one department (?month=YYYY-MM&department=<id>)."""
        from flask import abort, request

        from ..services.oversight import bulletin as bulletin_service
        from ..services.oversight.scorecard import month_span

        who = _who()
        if who is None or not who.is_staff or not who.is_supervisor:
            return _page("reports", "oversight/reports.html")
        month, dept = request.args.get("month", ""), request.args.get("department", "")
        try:
            month_span(month)
            data = bulletin_service.build(
                current_app.extensions["queuehall"], who, month, int(dept), _lang()
            )
        except (ValueError, DomainError):
            abort(404)
        return render_template(
            "oversight/bulletin.html",
            who=who,
            page="reports",
            pages=PAGES,
            b=data,
            qh_config=_config(who, "reports"),
        )

    @bp.get("/admin/complaints")
    def complaints() -> Any:
        return _page("complaints", "oversight/complaints.html")

    @bp.get("/admin/audit")
    def audit() -> Any:
        return _page("audit", "oversight/audit.html")

    return bp
