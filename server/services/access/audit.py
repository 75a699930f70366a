"""The audit log: every sign-in (success or failure), every state-changing API call that succeeded
or was refused (401, 403, 409: who tried what they may not, or what the hall's rules forbid), and
every change made with the `queuehall` command line.

Who called, from where and with what comes from the request: server/api/audit_context.py builds
the row and hands it here (`write_row`) as plain values. A change's row is written by the change's
own unit of work, just before it commits (a commit hook of the database): the change and its record
are one transaction, so neither stands without the other, and a busy hall pays one commit per change
instead of two. Refused calls (whose work rolled back), sign-ins and the few changes that commit no
unit of work are written by the dispatcher after the answer, in a small transaction of their own.
Passwords and tokens are never stored; phone and
ID-card numbers in request bodies are masked. There is no update or delete path, and the database
refuses both (migration 0003).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ... import logmask
from ...engine.numbering import local_time
from ...storage import statements
from ...storage.models import Site, Staff
from ...storage.models_audit import AuditEntry
from ...storage.uow import UnitOfWork
from ..context import Context
from ..queue import read_models
from .principal import Forbidden, Principal

log = logging.getLogger(__name__)
SECRET_KEYS = ("password", "token", "secret", "csrf", "hash")
PERSONAL_TEXT_KEYS = ("card", "id_card", "id_number")  # a swiped ID card's text: kept by no one


def mask(value: Any) -> Any:
    """The value with secrets dropped and phone / ID-card numbers masked (recursively)."""
    if isinstance(value, dict):
        if "applicant" in value and isinstance(
            value["applicant"], dict
        ):  # a case's applicant (issue 17)
            from ...engine.cases import mask_name, mask_phone

            a = value["applicant"]
            value = {
                **value,
                "applicant": {
                    "name": mask_name(str(a.get("name") or "")),
                    "phone": mask_phone(str(a.get("phone") or "")),
                },
            }
        return {k: _masked_field(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value[:50]]
    if isinstance(value, str):
        return logmask.mask(value)[:300]
    return value


def _masked_field(key: str, v: Any) -> Any:
    """A body field: secrets dropped; a phone or a swiped card masked by its name, whatever its format
    (a landline, a number with spaces, a card's raw text), not only when it looks like a mobile."""
    k = key.lower()
    if any(s in k for s in SECRET_KEYS):
        return "***"
    if (
        isinstance(v, str)
        and v
        and (k == "phone" or k.endswith("_phone"))
        and k != "supervision_phone"
    ):
        from ...engine.cases import mask_phone

        return mask_phone(v)
    if isinstance(v, str) and v and k in PERSONAL_TEXT_KEYS:
        return "***"
    return mask(v)


def write_row(uow: UnitOfWork, row: dict[str, Any]) -> None:
    """Add one audit row (a dict of AuditEntry's columns) to the unit of work's transaction; a row
    without a site is filed under the actor's hall, else the first hall."""
    if row["site_id"] is None:
        row["site_id"] = site_of(uow.session, row["actor_id"])
    uow.execute(statements.insert_row(AuditEntry, tuple(row)), row)


def site_of(session: Session, actor_id: int | None) -> int | None:
    """The hall an actor belongs to (else the first hall)."""
    sid = session.scalar(select(Staff.site_id).where(Staff.id == actor_id)) if actor_id else None
    return sid or session.scalar(select(Site.id).order_by(Site.id).limit(1))


def target_with(target: str, created_id: int) -> str:
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
                "at": read_models.iso(a.at),
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
