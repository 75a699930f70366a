"""Route registry: validation, authentication, error mapping and the OpenAPI document."""

from __future__ import annotations

import functools
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Blueprint, Response, current_app, jsonify, request, session
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from ..engine.errors import DomainError
from ..services.access import auth
from ..services.access.principal import Forbidden, Principal, Unauthorized
from ..services.common import reasons
from ..services.context import Context
from . import ratelimit
from .audit_context import after_call as audit_after_call
from .audit_context import begin_call as audit_begin
from .audit_context import end_call as audit_reset

log = logging.getLogger(__name__)

PUBLIC = "public"
ANY = "any"  # any staff member or device
STAFF = "staff"


def error(code: str, message: str, status: int, **extra: Any) -> Response:
    """The one error shape of the API."""
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = jsonify({"error": body})
    resp.status_code = status
    return resp


def ctx() -> Context:
    """The service context of the running app."""
    return current_app.extensions["queuehall"]


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def current_principal() -> Principal | None:
    """The caller from the bearer token, else from the staff session cookie."""
    cached = getattr(request, "_qh_principal", False)
    if cached is not False:
        return cast(Principal | None, cached)
    header = request.headers.get("Authorization", "")
    who: Principal | None = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use Authorization: Bearer <token>")
        who = auth.authenticate(ctx(), token.strip())
        if who is None:
            raise Unauthorized("the token is unknown, expired or revoked")
    elif session.get("staff_token"):
        who = auth.authenticate(ctx(), session["staff_token"])
        if who is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent, session.get("csrf", "")):
                request._qh_refused_principal = who  # type: ignore[attr-defined]  # the audit names who tried
                raise Forbidden("missing or wrong X-CSRF-Token for a cookie-authenticated request")
    request._qh_principal = who  # type: ignore[attr-defined]
    return who


@dataclass
class Operation:
    path: str
    method: str
    func: Callable[..., Any]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    auth: str | tuple[str, ...]
    status: int
    summary: str
    tag: str
    errors: tuple[int, ...] = ()


@dataclass
class Api:
    """Collects operations so the OpenAPI document is generated from the validating models."""

    blueprint: Blueprint
    operations: list[Operation] = field(default_factory=list)

    def public(
        self,
        path: str,
        method: str = "GET",
        *,
        budget: ratelimit.Budget,
        errors: tuple[int, ...] = (),
        **options: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a public endpoint (no sign-in, tag "public") whose calls are counted per client
        address against `budget` (429 past it): the public bookings, ratings and complaints."""

        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def counted(*args: Any, **kwargs: Any) -> Any:
                budget.spend()
                return fn(*args, **kwargs)

            return self.route(
                path,
                method,
                auth=PUBLIC,
                tag="public",
                errors=tuple(sorted({*errors, 429})),
                **options,
            )(counted)

        return deco

    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        auth: str | tuple[str, ...] = ANY,
        status: int = 200,
        summary: str = "",
        tag: str = "hall",
        errors: tuple[int, ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register an endpoint: parse, authenticate, validate, call, map errors."""

        def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
            op = Operation(
                path,
                method,
                fn,
                body,
                query,
                response,
                auth,
                status,
                summary or (fn.__doc__ or "").strip(),
                tag,
                errors,
            )
            self.operations.append(op)

            @functools.wraps(fn)
            def view(**path_args: Any) -> Any:
                token = audit_begin(ctx(), fn.__name__, op.method, path_args, op.status)
                try:
                    resp = _dispatch(op, path_args)
                except BaseException:
                    if token is not None:
                        audit_reset(token)
                    raise
                return audit_after_call(ctx(), fn.__name__, op.method, path_args, resp, token)

            self.blueprint.add_url_rule(
                path, endpoint=f"{fn.__name__}", view_func=view, methods=[method]
            )
            return fn

        return deco


def _validation_error(exc: ValidationError) -> Response:
    errs = exc.errors(include_url=False, include_input=False)
    first = errs[0]
    field_name = ".".join(str(p) for p in first["loc"]) or None
    message = f"{field_name}: {first['msg']}" if field_name else first["msg"]
    details = []
    for e in errs:  # reason + params let pages say it in Chinese (services/common/reasons.py)
        code, params = reasons.of_pydantic(dict(e))
        details.append(
            {
                "field": ".".join(str(p) for p in e["loc"]),
                "message": e["msg"],
                "reason": code,
                "params": params,
            }
        )
    return error(
        "invalid_input",
        message,
        422,
        field=field_name,
        reason=details[0]["reason"],
        params=details[0]["params"],
        details=details,
    )


ISSUES = {("POST", "/tickets"), ("POST", "/kiosk/confirmed-tickets")}
LOGINS = {("POST", "/auth/login")}  # kiosk confirmation codes have their own per-kiosk budget


def _rate_limit(op: Operation, who: Principal | None) -> None:
    """Tickets per kiosk and failed sign-ins per address (services/access/ratelimit.py)."""
    key = (op.method, op.path)
    if key in LOGINS:
        ratelimit.before_login()
    if key in ISSUES and who is not None and who.kind == "device":
        ratelimit.before_issue(who.id)


_EMPTY, _BAD_JSON = object(), object()


def _parsed_body() -> Any:
    """The request body parsed as JSON: `_EMPTY` when there is none, `_BAD_JSON` when it does not parse."""
    raw = request.get_data()
    if not raw.strip():
        return _EMPTY
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _BAD_JSON
    return data if _depth_within(data, MAX_JSON_DEPTH) else _BAD_JSON


MAX_JSON_DEPTH = (
    32  # no request of the API nests deeper; far deeper would overflow the validators' recursion
)


def _depth_within(data: Any, limit: int) -> bool:
    """Whether `data` nests no deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            if depth > limit:
                return False
            stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return True


def _json_body() -> Any:
    """The request's JSON body ({} when empty); malformed JSON is 400 whatever the Content-Type says."""
    data = _parsed_body()
    if data is _EMPTY:
        return {}
    if data is _BAD_JSON:
        return error("bad_json", "the request body is not valid JSON", 400)
    if request.mimetype != "application/json":
        return error("unsupported_media_type", "send JSON with Content-Type: application/json", 415)
    request._qh_json = data  # type: ignore[attr-defined]  # the audit row reads it again
    return data


def _caller(op: Operation) -> Principal | None:
    """The caller; on an endpoint open to everyone a stale or unknown token counts as no token."""
    if op.auth != PUBLIC:
        return current_principal()
    try:
        return current_principal()
    except Unauthorized:
        request._qh_principal = None  # type: ignore[attr-defined]
        return None


def _malformed_body() -> bool:
    """Whether a JSON (or untyped) body was sent that does not parse; uploads are not JSON."""
    return (
        request.mimetype in ("", "application/json", "text/plain") and _parsed_body() is _BAD_JSON
    )


def _dispatch(op: Operation, path_args: dict[str, Any]) -> Any:
    try:
        who = _caller(op)
        if op.auth != PUBLIC:
            if who is None:
                raise Unauthorized("sign in or send a device token")
            allowed = (op.auth,) if isinstance(op.auth, str) else op.auth
            if (
                ANY not in allowed
                and not (STAFF in allowed and who.is_staff)
                and who.role not in allowed
            ):
                raise Forbidden(f"a {who.role} may not call {op.method} {op.path}")
        _rate_limit(op, who)
        kwargs: dict[str, Any] = dict(path_args)
        if op.body is not None:
            data = _json_body()
            if isinstance(data, Response):
                return data
            if not isinstance(data, dict):
                return error(
                    "invalid_input", "the request body must be a JSON object", 422, field="body"
                )
            kwargs["body"] = op.body.model_validate(data)
        elif op.method != "GET" and _malformed_body():
            # an action that takes no body still refuses garbage rather than act on it
            return error("bad_json", "the request body is not valid JSON", 400)
        if op.query is not None:
            kwargs["query"] = op.query.model_validate(request.args.to_dict())
        try:
            result = op.func(who, **kwargs)
        except Unauthorized:
            if (op.method, op.path) in LOGINS:
                ratelimit.after_login_failure()
            raise
        if isinstance(result, Response):
            return result
        resp = jsonify(result)
        resp.status_code = op.status
        return resp
    except ValidationError as exc:
        return _validation_error(exc)
    except DomainError as exc:
        resp = error(exc.code, exc.message, exc.status, **{k: v for k, v in exc.details.items()})
        if isinstance(exc, ratelimit.RateLimited):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except HTTPException:
        raise


def install_error_handlers(bp: Blueprint) -> None:
    """JSON errors for everything under the API, including 404/405 and server faults."""

    @bp.app_errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            code = {
                400: "bad_request",
                404: "not_found",
                405: "method_not_allowed",
                413: "too_large",
                415: "unsupported_media_type",
                429: "rate_limited",
            }.get(exc.code or 400, "http_error")
            return error(code, exc.description or exc.name, exc.code or 400)
        return exc

    @bp.app_errorhandler(Exception)
    def _fault(exc: Exception) -> Any:
        from sqlalchemy.exc import DataError, OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        if isinstance(
            exc, OverflowError | DataError
        ):  # e.g. an id past 64 bits reaching the driver
            named = next(iter(request.view_args or {}), None)  # a path id is the usual culprit
            return error(
                "invalid_input", "a number or value is out of range", 422, field=named or "body"
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(
            exc, OperationalError | PoolTimeout
        ):  # locked, gone, or every connection waiting
            return error(
                "database_unavailable", "the database is not answering; try again shortly", 503
            )
        return error("server_error", "an unexpected error occurred; it has been logged", 500)
