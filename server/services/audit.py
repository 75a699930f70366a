"""The audit log: every sign-in (success or failure), every state-changing API call that succeeded
or was refused (401, 403, 409: who tried what they may not, or what the hall's rules forbid), and
every change made with the `queuehall` command line.

A change's row is written by the change's own unit of work, just before it commits (a commit hook
of the database): the change and its record are one transaction, so neither stands without the
other, and a busy hall pays one commit per change instead of two. Refused calls (whose work rolled
back), sign-ins and the few changes that commit no unit of work are written by the dispatcher after
the answer, in a small transaction of their own. Passwords and tokens are never stored; phone and
ID-card numbers in request bodies are masked. There is no update or delete path, and the database
refuses both (migration 0003).
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, has_request_context, request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..engine.numbering import local_time
from ..storage import statements
from ..storage.models import Site, Staff
from ..storage.models_audit import AuditEntry
from ..storage.uow import UnitOfWork
from . import ratelimit, views
from .cleantext import one_line
from .context import Context
from .principal import Forbidden, Principal

log = logging.getLogger(__name__)
SECRET_KEYS = ("password", "token", "secret", "csrf", "hash")
ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
SIGN_IN = ("login", "logout")
REFUSED = (401, 403, 409)  # a refused write is kept; other 4xx (a typo, a missing id) are not
MAX_DETAIL = 2000


def mask(value: Any) -> Any:
    """The value with secrets dropped and phone / ID-card numbers masked (recursively)."""
    if isinstance(value, dict):
        if "applicant" in value and isinstance(
            value["applicant"], dict
        ):  # a case's applicant (issue 17)
            from ..engine.cases import mask_name, mask_phone

            a = value["applicant"]
            value = {
                **value,
                "applicant": {
                    "name": mask_name(str(a.get("name") or "")),
                    "phone": mask_phone(str(a.get("phone") or "")),
                },
            }
        return {
            k: ("***" if any(s in str(k).lower() for s in SECRET_KEYS) else mask(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask(v) for v in value[:50]]
    if isinstance(value, str):
        return PHONE.sub(r"\1****\2", ID_CARD.sub(r"\1********\2", value))[:300]
    return value


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
        row["target"] = _target_with(row["target"], created_id)
    if row["site_id"] is None:
        row["site_id"] = _site_of(uow.session, row["actor_id"])
    uow.execute(statements.insert_row(AuditEntry, tuple(row)), row)


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
            if row["site_id"] is None:
                row["site_id"] = _site_of(uow.session, row["actor_id"])
            uow.execute(statements.insert_row(AuditEntry, tuple(row)), row)
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


def _site_of(session: Session, actor_id: int | None) -> int | None:
    sid = session.scalar(select(Staff.site_id).where(Staff.id == actor_id)) if actor_id else None
    return sid or session.scalar(select(Site.id).order_by(Site.id).limit(1))


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
            detail = {"body": mask(body)}
        if status >= 400 and isinstance(answer, dict):
            err = answer.get("error") or {}
            detail["refused"] = {
                "code": err.get("code"),
                "message": mask(str(err.get("message", ""))),
            }
    if len(str(detail)) > MAX_DETAIL:
        detail = {
            "body": "(too long to keep)",
            **({"refused": detail["refused"]} if "refused" in detail else {}),
        }
    target = ",".join(f"{k}={v}" for k, v in sorted(path_args.items()))
    if created_id is not None:
        target = _target_with(target, created_id)
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


def _target_with(target: str, created_id: int) -> str:
    """The audit target naming the object the call created, after its path arguments."""
    return ((target + "," if target else "") + f"id={created_id}")[:200]


def record_cli(
    ctx: Context, action: str, command: str, target: str, detail: dict[str, Any]
) -> None:
    """Record a change made with the `queuehall` command line (actor "cli", as the OS user)."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): keep the number
        import os

        user = f"uid {os.getuid()}"
    with ctx.uow() as uow:
        s = uow.session
        site_id = s.scalar(select(Site.id).order_by(Site.id).limit(1))
        s.add(
            AuditEntry(
                site_id=site_id,
                at=ctx.clock.now(),
                actor_kind="cli",
                actor_id=None,
                actor_name=user[:100],
                actor_role="",
                action=action[:60],
                method="CLI",
                path=command[:300],
                target=target[:200],
                status=0,
                ip=socket.gethostname()[:64],
                user_agent="queuehall",
                detail=mask(detail),
            )
        )
        uow.commit()


def search(
    ctx: Context,
    who: Principal,
    *,
    start: date | None = None,
    end: date | None = None,
    actor: str | None = None,
    action: str | None = None,
    text: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Audit entries of the caller's hall, newest first, filtered (supervisors and admins)."""
    if not who.is_supervisor:
        raise Forbidden("the audit log is for supervisors and admins")
    A = AuditEntry
    with ctx.uow(write=False) as uow:
        s = uow.session
        tz = s.get_one(Site, who.site_id).timezone
        q = select(A).where(A.site_id == who.site_id)
        if start is not None:
            q = q.where(A.at >= _utc(start, tz))
        if end is not None:
            q = q.where(A.at < _utc(end + timedelta(days=1), tz))
        if actor:
            q = q.where(
                or_(
                    A.actor_name.contains(actor, autoescape=True),
                    A.actor_id == (int(actor) if actor.isdigit() else -1),
                )
            )
        if action:
            q = q.where(A.action == action)
        if text:
            q = q.where(
                or_(
                    A.path.contains(text, autoescape=True),
                    A.target.contains(text, autoescape=True),
                    A.ip.contains(text, autoescape=True),
                )
            )
        if before_id is not None:
            q = q.where(A.id < before_id)
        rows = s.scalars(q.order_by(A.id.desc()).limit(max(1, min(limit, 1000))))
        return [
            {
                "id": a.id,
                "at": views.iso(a.at),
                "local": local_time(a.at, tz).strftime("%Y-%m-%d %H:%M:%S"),
                "actor_kind": a.actor_kind,
                "actor_id": a.actor_id,
                "actor_name": a.actor_name,
                "actor_role": a.actor_role,
                "action": a.action,
                "method": a.method,
                "path": a.path,
                "target": a.target,
                "status": a.status,
                "ip": a.ip,
                "user_agent": a.user_agent,
                "detail": a.detail,
            }
            for a in rows
        ]


def _utc(day: date, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), ZoneInfo(tz))
