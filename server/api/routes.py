"""The hall's REST endpoints (API.md): each parses, calls one service function, answers."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, session

from ..engine.states import Action
from ..services.access import auth
from ..services.access.principal import Principal
from ..services.catalog import catalog
from ..services.oversight import exports, reports
from ..services.queue import read_models, tickets, windows
from ..services.ratings import evaluations
from ..storage.models import Site
from . import openapi, ratelimit
from .core import ANY, PUBLIC, STAFF, Api, bearer_token, ctx, install_error_handlers
from .schemas import (
    DepartmentIn,
    DepartmentPatch,
    DeviceIn,
    DevicePatch,
    EvaluationIn,
    FinishIn,
    IssueTicketIn,
    ItemsOut,
    LoginIn,
    OpenWindowIn,
    PauseIn,
    ReasonIn,
    ServiceIn,
    ServicePatch,
    StaffIn,
    StaffPatch,
    SummaryQuery,
    TicketOut,
    TokenOut,
    TransferIn,
    WindowIn,
    WindowPatch,
)

SUPERVISORS = ("supervisor", "admin")


def make_blueprint() -> tuple[Blueprint, Api]:
    """Build the API blueprint and its operation registry (once per app)."""
    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    api = Api(bp)
    install_error_handlers(bp)

    # ---- auth ---------------------------------------------------------------------------------
    @api.route(
        "/auth/login",
        "POST",
        body=LoginIn,
        response=TokenOut,
        auth=PUBLIC,
        tag="auth",
        errors=(401, 429),
    )
    def login(who: Principal | None, body: LoginIn) -> dict[str, Any]:
        """Sign in: a bearer token for API clients and a session cookie for pages."""
        token, principal = auth.login(
            ctx(), body.username, body.password, ratelimit.client_address()
        )
        session.clear()
        session.permanent = True
        session["staff_token"] = token
        session["csrf"] = secrets.token_urlsafe(24)
        staff = {
            "id": principal.id,
            "name": principal.name,
            "role": principal.role,
            "window_ids": sorted(principal.window_ids),
        }
        return {
            "access_token": token,
            "token_type": "bearer",
            "staff": staff,
            "csrf_token": session["csrf"],
        }

    @api.route("/auth/logout", "POST", auth=STAFF, tag="auth")
    def logout(who: Principal) -> dict[str, Any]:
        """Sign out: revoke the bearer token this call was made with, and the session's, and clear the session."""
        for token in {bearer_token(), session.get("staff_token")} - {None, ""}:
            auth.logout(ctx(), str(token))
        session.clear()
        return {"ok": True}

    @api.route("/auth/me", auth=ANY, tag="auth")
    def me(who: Principal) -> dict[str, Any]:
        """Who the caller is."""
        return {
            "kind": who.kind,
            "id": who.id,
            "name": who.name,
            "role": who.role,
            "site_id": who.site_id,
            "window_ids": sorted(who.window_ids),
        }

    # ---- public catalogue ---------------------------------------------------------------------
    @api.route("/departments", response=ItemsOut, auth=PUBLIC, tag="catalogue")
    def list_departments(who: Principal | None) -> dict[str, Any]:
        """Departments of the hall."""
        site_id = who.site_id if who else catalog.default_site_id(ctx())
        return {"items": catalog.list_departments(ctx(), site_id)}

    @api.route("/services", response=ItemsOut, auth=PUBLIC, tag="catalogue")
    def list_services(who: Principal | None) -> dict[str, Any]:
        """Service items with their waiting counts."""
        site_id = who.site_id if who else catalog.default_site_id(ctx())
        return {"items": catalog.list_services(ctx(), site_id)}

    # ---- windows ------------------------------------------------------------------------------
    @api.route("/windows", response=ItemsOut, tag="windows")
    def list_windows(who: Principal) -> dict[str, Any]:
        """Windows with their state, clerk and current ticket."""
        return {"items": windows.list_windows(ctx(), who)}

    @api.route("/windows/<int:window_id>", tag="windows")
    def get_window(who: Principal, window_id: int) -> dict[str, Any]:
        """One window."""
        return windows.get_window(ctx(), who, window_id)

    @api.route(
        "/windows/<int:window_id>/open",
        "POST",
        body=OpenWindowIn,
        auth=STAFF,
        tag="windows",
        errors=(409,),
    )
    def open_window(who: Principal, window_id: int, body: OpenWindowIn) -> dict[str, Any]:
        """Open the window under this clerk (a supervisor may name the clerk)."""
        return windows.change(ctx(), who, window_id, "open", staff_id=body.staff_id)

    @api.route(
        "/windows/<int:window_id>/pause",
        "POST",
        body=PauseIn,
        auth=STAFF,
        tag="windows",
        errors=(409,),
    )
    def pause_window(who: Principal, window_id: int, body: PauseIn) -> dict[str, Any]:
        """Pause the window with a reason (午休, 会议, 外出勘察, 离岗)."""
        return windows.change(ctx(), who, window_id, "pause", reason=body.reason)

    @api.route("/windows/<int:window_id>/resume", "POST", auth=STAFF, tag="windows", errors=(409,))
    def resume_window(who: Principal, window_id: int) -> dict[str, Any]:
        """Resume a paused window."""
        return windows.change(ctx(), who, window_id, "resume")

    @api.route("/windows/<int:window_id>/close", "POST", auth=STAFF, tag="windows", errors=(409,))
    def close_window(who: Principal, window_id: int) -> dict[str, Any]:
        """Close the window."""
        return windows.change(ctx(), who, window_id, "close")

    @api.route(
        "/windows/<int:window_id>/call-next",
        "POST",
        response=TicketOut,
        auth=STAFF,
        tag="windows",
        errors=(409,),
    )
    def call_next(who: Principal, window_id: int) -> dict[str, Any]:
        """Call the next ticket this window should serve."""
        return tickets.call_next(ctx(), who, window_id)

    @api.route("/windows/<int:window_id>/queue", response=ItemsOut, auth=STAFF, tag="windows")
    def window_queue(who: Principal, window_id: int) -> dict[str, Any]:
        """The waiting tickets this window would call, in order."""
        return {"items": tickets.waiting_list(ctx(), who, window_id)}

    # ---- tickets ------------------------------------------------------------------------------
    @api.route(
        "/tickets",
        "POST",
        body=IssueTicketIn,
        response=TicketOut,
        auth=("kiosk", STAFF),
        status=201,
        tag="tickets",
        errors=(409,),
    )
    def issue_ticket(who: Principal, body: IssueTicketIn) -> dict[str, Any]:
        """Issue a ticket for an item (never waits for the printer)."""
        return tickets.issue(ctx(), who, body.service_id, body.priority)

    @api.route("/tickets/<int:ticket_id>", response=TicketOut, tag="tickets")
    def get_ticket(who: Principal, ticket_id: int) -> dict[str, Any]:
        """One ticket."""
        return tickets.get(ctx(), who, ticket_id)

    @api.route("/tickets/<int:ticket_id>/events", response=ItemsOut, auth=STAFF, tag="tickets")
    def ticket_events(who: Principal, ticket_id: int) -> dict[str, Any]:
        """The ticket's history (who, where, when)."""
        return {"items": tickets.history(ctx(), who, ticket_id)}

    def _action(name: str, action: Action, doc: str, body_model: type | None = ReasonIn) -> None:
        def handler(who: Principal, ticket_id: int, body: Any = None) -> dict[str, Any]:
            reason = getattr(body, "reason", None)
            outcome = getattr(body, "outcome", None)
            case_input = {
                k: getattr(body, k, None) for k in ("applicant", "materials", "note")
            }  # issue 17
            if case_input["applicant"] is not None:
                case_input["applicant"] = case_input["applicant"].model_dump()
            return tickets.act(
                ctx(), who, ticket_id, action, outcome=outcome, reason=reason, case_input=case_input
            )

        handler.__name__ = f"{action.value}_ticket"
        handler.__doc__ = doc
        api.route(
            f"/tickets/<int:ticket_id>/{name}",
            "POST",
            body=body_model,
            response=TicketOut,
            auth=STAFF,
            tag="tickets",
            errors=(409,),
        )(handler)

    _action("recall", Action.RECALL, "Call the ticket again (counts the recall).", None)
    _action("start", Action.START, "The visitor arrived: start serving.", None)
    _action(
        "finish",
        Action.FINISH,
        "Finish with an outcome: done (即办件办结), accepted (受理: opens a case), "
        "refused (不予受理), parked (补正).",
        FinishIn,
    )
    _action("no-show", Action.NO_SHOW, "The visitor did not come.", None)
    _action("cancel", Action.CANCEL, "Cancel the ticket.", ReasonIn)
    _action(
        "park", Action.PARK, "Park the ticket while the visitor fetches materials (补正).", ReasonIn
    )
    _action("resume", Action.RESUME, "Put a parked ticket back in the queue.", None)
    _action(
        "reactivate",
        Action.REACTIVATE,
        "Put a no-show or cancelled ticket back in the queue (supervisor).",
        None,
    )

    @api.route(
        "/tickets/<int:ticket_id>/transfer",
        "POST",
        body=TransferIn,
        response=TicketOut,
        auth=STAFF,
        tag="tickets",
        errors=(409,),
    )
    def transfer_ticket(who: Principal, ticket_id: int, body: TransferIn) -> dict[str, Any]:
        """Send the ticket to another item or window with the same number."""
        return tickets.transfer(
            ctx(),
            who,
            ticket_id,
            service_id=body.service_id,
            window_id=body.window_id,
            note=body.note,
        )

    @api.route(
        "/tickets/<int:ticket_id>/evaluation",
        "POST",
        body=EvaluationIn,
        auth="evaluator",
        status=201,
        tag="tickets",
        errors=(409,),
    )
    def evaluate_ticket(who: Principal, ticket_id: int, body: EvaluationIn) -> dict[str, Any]:
        """Rate a finished visit (evaluator of the window that served it; once per ticket)."""
        return evaluations.evaluate(ctx(), who, ticket_id, body.level, body.reason)

    # ---- snapshot and reports -----------------------------------------------------------------
    @api.route("/snapshot", tag="realtime")
    def get_snapshot(who: Principal) -> dict[str, Any]:
        """Everything a screen needs to redraw: seq, recent calls, windows, waiting counts."""
        c = ctx()
        with c.uow(write=False) as uow:
            return read_models.snapshot(
                uow.session, uow.session.get_one(Site, who.site_id), c.clock.now()
            )

    @api.route(
        "/reports/summary", query=SummaryQuery, response=ItemsOut, auth=SUPERVISORS, tag="reports"
    )
    def report_summary(who: Principal, query: SummaryQuery) -> Any:
        """Issued, served, no-shows, waits, service times and satisfaction per group."""
        rows = reports.summary(ctx(), who, query.from_, query.to, query.by)
        stem = f"summary-{query.by}-{query.from_}-{query.to}"
        if query.format in ("csv", "xlsx"):  # in Chinese, or English with lang=en (issue 18)
            return exports.file_response(rows, query.format, reports.COLUMNS, stem, query.lang)
        return {"items": rows}

    # ---- configuration (admin) ----------------------------------------------------------------
    def _crud(kind: str, plural: str, create: type, patch: type) -> None:
        def create_fn(who: Principal, body: Any) -> dict[str, Any]:
            return catalog.save(
                ctx(), who, kind, body.model_dump(exclude_unset=False, exclude_none=False)
            )

        def patch_fn(who: Principal, obj_id: int, body: Any) -> dict[str, Any]:
            return catalog.save(ctx(), who, kind, body.model_dump(exclude_unset=True), obj_id)

        def delete_fn(who: Principal, obj_id: int) -> dict[str, Any]:
            return catalog.remove(ctx(), who, kind, obj_id)

        def list_fn(who: Principal) -> dict[str, Any]:
            return {"items": catalog.list_kind(ctx(), who, kind)}

        for fn, verb in (
            (create_fn, "create"),
            (patch_fn, "update"),
            (delete_fn, "delete"),
            (list_fn, "list"),
        ):
            fn.__name__ = f"{verb}_{kind}"
            fn.__doc__ = (
                f"{verb.capitalize()} {kind} (admin)"
                if verb != "list"
                else f"All {plural}, active or not"
            )
        api.route(
            f"/{plural}", "POST", body=create, auth="admin", status=201, tag="admin", errors=(409,)
        )(create_fn)
        api.route(
            f"/{plural}/<int:obj_id>", "PATCH", body=patch, auth="admin", tag="admin", errors=(409,)
        )(patch_fn)
        api.route(f"/{plural}/<int:obj_id>", "DELETE", auth="admin", tag="admin", errors=(409,))(
            delete_fn
        )
        if kind in ("staff", "device"):
            api.route(f"/{plural}", response=ItemsOut, auth=SUPERVISORS, tag="admin")(list_fn)
        else:
            api.route(f"/admin/{plural}", response=ItemsOut, auth=SUPERVISORS, tag="admin")(list_fn)

    _crud("department", "departments", DepartmentIn, DepartmentPatch)
    _crud("service", "services", ServiceIn, ServicePatch)
    _crud("window", "windows", WindowIn, WindowPatch)
    _crud("staff", "staff", StaffIn, StaffPatch)
    _crud("device", "devices", DeviceIn, DevicePatch)

    # ---- documents and health -----------------------------------------------------------------
    @api.route("/openapi.json", auth=PUBLIC, tag="meta")
    def openapi_json(who: Principal | None) -> Any:
        """This API's OpenAPI 3.1 document."""
        return jsonify(openapi.build(api, "queuehall", current_app.config.get("VERSION", "0.1.0")))

    @api.route("/health", auth=ANY, tag="meta")
    def health(who: Principal) -> dict[str, Any]:
        """Liveness check for staff and devices; does not touch the database (401 without a token
        still tells a probe the server is up)."""
        return {"ok": True}

    _register_extras(api)
    return bp, api


# Feature modules add their endpoints here, each exposing `register(api: Api) -> None`.
EXTRA_ROUTE_MODULES = (
    "print_routes",
    "public_routes",
    "display_routes",
    "caller_routes",
    "admin_routes",
    "oversight_routes",
    "case_routes",
    "rating_routes",
    "booking_routes",
    "hours_routes",
)


def _register_extras(api: Api) -> None:
    import importlib

    for name in EXTRA_ROUTE_MODULES:
        try:
            mod = importlib.import_module(f"server.api.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"server.api.{name}":
                continue
            raise
        mod.register(api)
