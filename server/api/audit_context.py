"""The audit context of a call: who made it and from where, taken from Flask's request.

The API's dispatcher (api/core.py) opens a draft before a state-changing call (`begin_call`); the
database's enter and commit hooks (registered in create_app) build its row before the write lock and
add it to the change's own transaction (`prepare_at_enter`, `write_at_commit`), so a change and its
audit row commit together on the one write path; sign-ins, refused calls and changes that commit no
unit of work are written after the answer (`after_call`). The row itself (masking, storage) is the
service's: server/services/access/audit.py, which never sees the request.

Why a commit hook and not a bus subscriber: the bus's subscribers run after the commit (or, in the
transaction, on domain events only), while an audit row belongs to every write of a call, event or
not, and must commit or roll back with it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from flask import Response, has_request_context, request

from ..services.access import audit
from ..services.access.principal import Principal
from ..services.common.cleantext import one_line
from ..services.context import Context
from ..storage.uow import UnitOfWork
from . import ratelimit

log = logging.getLogger("server.services.access.audit")
SIGN_IN = ("login", "logout")
REFUSED = (401, 403, 409)  # a refused write is kept; other 4xx (a typo, a missing id) are not
MAX_DETAIL = 2000


@dataclass
class Draft:
    """The audit row of the call being served, written by the command's own unit of work if it
    commits one (so a change and its audit row are one transaction), else after the answer."""

    ctx: Context
    action: str
    method: str
    path_args: dict[str, Any]
    status: int
    written: bool = False
    row: dict[str, Any] | None = None  # built before the write lock is taken (`prepare_at_enter`)


_draft: ContextVar[Draft | None] = ContextVar("qh_audit_draft", default=None)


def begin_call(
    ctx: Context, action: str, method: str, path_args: dict[str, Any], status: int
) -> Token[Any] | None:
    """Before a state-changing call: let its unit of work write the audit row at its commit."""
    if method in ("GET", "HEAD", "OPTIONS") or action in SIGN_IN:
        return None
    return _draft.set(Draft(ctx, action, method, path_args, status))


def end_call(token: Token[Any]) -> None:
    """Forget the call's draft (its answer never came: the error handler answers instead)."""
    _draft.reset(token)


def prepare_at_enter() -> None:
    """A write unit of work's enter hook: build the pending audit row of this call now, before the
    unit of work takes the database's write lock, so the commit only has to insert it (on SQLite
    every write of the hall waits while another holds that lock)."""
    draft = _draft.get()
    if draft is None or draft.written or draft.row is not None or not has_request_context():
        return
    draft.row = _row(
        draft.ctx, draft.action, draft.method, draft.path_args, None, draft.status, None
    )


def write_at_commit(uow: UnitOfWork, created_id: int | None) -> None:
    """A write unit of work's commit hook: add the pending audit row of this call to the transaction."""
    draft = _draft.get()
    if draft is None or draft.written or not has_request_context():
        return
    draft.written = True
    row = (
        dict(draft.row)
        if draft.row is not None
        else _row(draft.ctx, draft.action, draft.method, draft.path_args, None, draft.status, None)
    )
    if created_id is not None:
        row["target"] = audit.target_with(row["target"], created_id)
    audit.write_row(uow, row)


def after_call(
    ctx: Context,
    action: str,
    method: str,
    path_args: dict[str, Any],
    resp: Any,
    token: Token[Any] | None = None,
) -> Any:
    """Record the call just answered when it is a sign-in, or a change that was refused or that
    committed no unit of work of its own (the others were written with their change); returns `resp`."""
    draft = _draft.get() if token is not None else None
    if token is not None:
        _draft.reset(token)
    status = int(getattr(resp, "status_code", 200))
    if draft is not None and draft.written and status < 400:
        return resp
    if action not in SIGN_IN and (
        method in ("GET", "HEAD", "OPTIONS") or (status >= 400 and status not in REFUSED)
    ):
        return resp
    if status >= 400 and action not in SIGN_IN and _anonymous_flood(ctx):
        return resp
    try:
        answer = resp.get_json(silent=True) if isinstance(resp, Response) and resp.is_json else None
        created = answer.get("id") if isinstance(answer, dict) and status == 201 else None
        row = _row(
            ctx,
            action,
            method,
            path_args,
            answer,
            status,
            created if isinstance(created, int) else None,
        )
        with ctx.uow() as uow:
            audit.write_row(uow, row)
            uow.commit()
    except Exception:  # the audited call has committed; a failed audit row is logged loudly
        log.exception("could not write the audit entry for %s %s", method, request.path)
    return resp


def _anonymous_flood(ctx: Context) -> bool:
    """True past AUDIT_ANONYMOUS_PER_MIN refusals of callers we cannot name from one address a minute:
    a script knocking on the API must not fill the log (or the disk) with rows that say nothing new."""
    who = getattr(request, "_qh_principal", None) or getattr(request, "_qh_refused_principal", None)
    if isinstance(who, Principal):
        return False
    rule = ratelimit.Rule(
        "audit_anonymous", int(ctx.config.get("AUDIT_ANONYMOUS_PER_MIN", 30) or 0), 60
    )
    if rule.limit <= 0:
        return False
    hits, _retry = ratelimit.limiter().count(rule, ratelimit.client_address())
    return hits > rule.limit


def _row(
    ctx: Context,
    action: str,
    method: str,
    path_args: dict[str, Any],
    answer: Any,
    status: int,
    created_id: int | None,
) -> dict[str, Any]:
    """The audit row of the current request: who (from the request), what, where from, the outcome."""
    who = getattr(request, "_qh_principal", None)
    who = who if isinstance(who, Principal) else getattr(request, "_qh_refused_principal", None)
    who = who if isinstance(who, Principal) else None
    body = getattr(
        request, "_qh_json", None
    )  # as the API parsed it (api/core.py), else parsed here
    if body is None and request.is_json:
        body = request.get_json(silent=True)
    kind, actor_id, name, role, site_id = "anonymous", None, "", "", None
    if who is not None:
        kind, actor_id, name, role, site_id = who.kind, who.id, who.name, who.role, who.site_id
    detail: dict[str, Any] = {}
    if action == "login":
        username = one_line(str((body or {}).get("username", "")))[
            :60
        ]  # a refused name is kept, visibly
        detail = {"username": username, "outcome": "success" if status < 400 else "failure"}
        if status >= 400 and isinstance(answer, dict):
            detail["error"] = (answer.get("error") or {}).get("code")
        staff = (answer or {}).get("staff") if status < 400 else None
        if staff:
            kind, actor_id, name, role = (
                "staff",
                staff.get("id"),
                staff.get("name", ""),
                staff.get("role", ""),
            )
        else:
            name = username
    else:
        if isinstance(body, dict) and body:
            detail = {"body": audit.mask(body)}
        if status >= 400 and isinstance(answer, dict):
            err = answer.get("error") or {}
            detail["refused"] = {
                "code": err.get("code"),
                "message": audit.mask(str(err.get("message", ""))),
            }
    if len(str(detail)) > MAX_DETAIL:
        detail = {
            "body": "(too long to keep)",
            **({"refused": detail["refused"]} if "refused" in detail else {}),
        }
    target = ",".join(f"{k}={v}" for k, v in sorted(path_args.items()))
    if created_id is not None:
        target = audit.target_with(target, created_id)
    return {
        "site_id": site_id,
        "at": ctx.clock.now(),
        "actor_kind": kind,
        "actor_id": actor_id,
        "actor_name": str(name)[:100],
        "actor_role": str(role)[:16],
        "action": action[:60],
        "method": method,
        "path": request.path[:300],
        "target": target[:200],
        "status": status,
        "ip": (request.remote_addr or "")[:64],
        "user_agent": one_line(request.headers.get("User-Agent", ""))[:300],
        "detail": detail,
    }
