"""One-time confirmation codes for priority and green-channel tickets.

A hall will not have staff type their password on a public kiosk (onlookers, and a visitor
could lock the account out). Instead any signed-in staff member makes a six-digit code on
their own page for one class (priority or green), valid for CONFIRM_CODE_TTL_S (10 minutes),
good for one ticket. The kiosk sends the code with the ticket request. Only an HMAC of the code
(keyed with the app's secret) is stored. Wrong codes are counted per kiosk and refused with
429 past RATE_LIMIT_CODE_FAILURES per RATE_LIMIT_CODE_WINDOW_S; they never touch a staff
account's sign-in failures. Every refusal is written to the audit log; a success is audited by
the API's dispatcher like any change, and the ticket's history names the staff who vouched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...engine.errors import Conflict, DomainError, InvalidInput, NotFound
from ...storage.models import Device, Site, Staff, Ticket
from ...storage.models_audit import AuditEntry
from ...storage.models_codes import ConfirmCode
from ..access import ratelimit
from ..access.principal import Forbidden, Principal
from ..context import Context
from . import read_models, tickets

CLASSES = ("priority", "green")
CODE_DIGITS = 6
DEFAULT_TTL_S = 600
MAX_LIVE_PER_STAFF = 10
REFUSALS_PATH = "/api/v1/kiosk/confirmed-tickets"


class CodeRefused(DomainError):
    """The code is unknown, used, revoked or expired (`reason` says which)."""

    code = "code_invalid"
    status = 403


class CodeWrongClass(DomainError):
    """A live code, made for the other priority class."""

    code = "code_wrong_priority"
    status = 409
    code_id: int | None = None


def _ttl(ctx: Context) -> int:
    return max(60, int(ctx.config.get("CONFIRM_CODE_TTL_S", DEFAULT_TTL_S) or DEFAULT_TTL_S))


def code_hash(ctx: Context, site_id: int, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 with the app's secret (a million codes are too few for a bare hash)."""
    key = str(ctx.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, f"{site_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _state(c: ConfirmCode, now: datetime) -> str:
    if c.revoked:
        return "revoked"
    if c.used_at is not None:
        return "used"
    return "expired" if c.expires_at <= now else "active"


def create(ctx: Context, who: Principal, priority: str) -> dict[str, Any]:
    """Make a fresh one-time code for one class; the only time the code itself is shown."""
    if not who.is_staff:
        raise Forbidden("only staff make confirmation codes")
    if priority not in CLASSES:
        raise InvalidInput("priority must be priority or green", field="priority")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        live = (
            s.scalar(
                select(func.count())
                .select_from(ConfirmCode)
                .where(
                    ConfirmCode.staff_id == who.id,
                    ConfirmCode.used_at.is_(None),
                    ConfirmCode.revoked.is_(False),
                    ConfirmCode.expires_at > now,
                )
            )
            or 0
        )
        if live >= MAX_LIVE_PER_STAFF:
            raise Conflict(
                f"you already have {live} unused codes; revoke one or let them expire",
                reason="too_many_codes",
            )
        for _ in range(20):  # two live codes of a hall never share digits, so a code names one row
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            digest = code_hash(ctx, who.site_id, code)
            taken = s.scalar(
                select(ConfirmCode.id).where(
                    ConfirmCode.site_id == who.site_id,
                    ConfirmCode.code_hash == digest,
                    ConfirmCode.used_at.is_(None),
                    ConfirmCode.revoked.is_(False),
                    ConfirmCode.expires_at > now,
                )
            )
            if taken is None:
                break
        else:  # pragma: no cover - a million codes against at most a few hundred live ones
            raise Conflict("could not find a free code; try again")
        row = ConfirmCode(
            site_id=who.site_id,
            staff_id=who.id,
            priority=priority,
            code_hash=digest,
            created_at=now,
            expires_at=now + timedelta(seconds=_ttl(ctx)),
            revoked=False,
        )
        s.add(row)
        s.flush()
        out = {
            "id": row.id,
            "code": code,
            "priority": priority,
            "state": "active",
            "created_at": read_models.iso(now),
            "expires_at": read_models.iso(row.expires_at),
            "valid_s": _ttl(ctx),
        }
        uow.created(row.id)
        uow.commit()
        return out


def list_codes(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """The caller's codes of today, newest first, without the codes themselves."""
    if not who.is_staff:
        raise Forbidden("only staff see confirmation codes")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        since = now - timedelta(hours=14)
        rows = s.execute(
            select(ConfirmCode, Ticket.number, Device.name)
            .outerjoin(Ticket, Ticket.id == ConfirmCode.ticket_id)
            .outerjoin(Device, Device.id == ConfirmCode.device_id)
            .where(ConfirmCode.staff_id == who.id, ConfirmCode.created_at >= since)
            .order_by(ConfirmCode.id.desc())
            .limit(30)
        ).all()
        return [
            {
                "id": c.id,
                "priority": c.priority,
                "state": _state(c, now),
                "created_at": read_models.iso(c.created_at),
                "expires_at": read_models.iso(c.expires_at),
                "used_at": read_models.iso(c.used_at),
                "ticket_number": number,
                "kiosk": kiosk,
            }
            for c, number, kiosk in rows
        ]


def revoke(ctx: Context, who: Principal, code_id: int) -> dict[str, Any]:
    """Withdraw an unused code (its maker, or a supervisor of the hall)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        c = uow.session.get(ConfirmCode, code_id)
        if c is None or c.site_id != who.site_id or not who.is_staff:
            raise NotFound(f"no confirmation code {code_id}")
        if c.staff_id != who.id and not who.is_supervisor:
            raise Forbidden("only the staff member who made a code may revoke it")
        if c.used_at is None and not c.revoked:
            c.revoked = True
        out = {
            "id": c.id,
            "priority": c.priority,
            "state": _state(c, now),
            "created_at": read_models.iso(c.created_at),
            "expires_at": read_models.iso(c.expires_at),
        }
        uow.commit()
        return out


# ---- the kiosk side --------------------------------------------------------------------------


def _rule(ctx: Context) -> ratelimit.Rule:
    return ratelimit.Rule(
        "confirm_code",
        int(ctx.config.get("RATE_LIMIT_CODE_FAILURES", 5) or 0),
        int(ctx.config.get("RATE_LIMIT_CODE_WINDOW_S", 300) or 300),
    )


def _check_budget(ctx: Context, kiosk: Principal) -> None:
    rule = _rule(ctx)
    if rule.limit <= 0:
        return
    hits, retry = ratelimit.limiter_of(ctx).count(rule, f"device{kiosk.id}", add=0)
    if hits >= rule.limit:
        raise ratelimit.RateLimited(
            f"too many wrong confirmation codes at this kiosk; wait {retry} s", retry
        )


def _refuse(
    ctx: Context, kiosk: Principal, exc: DomainError, detail: dict[str, Any], ip: str
) -> DomainError:
    """Count a wrong code against the kiosk and write it to the audit log; returns `exc` to raise."""
    rule = _rule(ctx)
    if rule.limit > 0:
        ratelimit.limiter_of(ctx).count(rule, f"device{kiosk.id}")
    with ctx.uow() as uow:
        uow.session.add(
            AuditEntry(
                site_id=kiosk.site_id,
                at=ctx.clock.now(),
                actor_kind="device",
                actor_id=kiosk.id,
                actor_name=kiosk.name[:100],
                actor_role=kiosk.role[:16],
                action="confirm_code_refused",
                method="POST",
                path=REFUSALS_PATH,
                target="",
                status=exc.status,
                ip=ip[:64],
                user_agent="",
                detail={"error": exc.code, **detail},
            )
        )
        uow.commit()
    return exc


def _claimer(
    ctx: Context, kiosk: Principal, priority: str, code: str, kind: str | None
) -> tickets.Vouch:
    """Claim the live code for the ticket being issued (compare-and-set: one use even under a race).

    It runs inside the ticket's unit of work, so a refused code leaves no ticket and no number used,
    and the ticket, the spent code and the record of who vouched are written together.
    """
    digest = code_hash(ctx, kiosk.site_id, code)

    def vouch(s: Session, site: Site, t: Ticket, now: datetime) -> None:
        found = list(
            s.scalars(
                select(ConfirmCode)
                .where(ConfirmCode.site_id == kiosk.site_id, ConfirmCode.code_hash == digest)
                .order_by(ConfirmCode.id.desc())
                .limit(5)
            )
        )
        live = next((c for c in found if _state(c, now) == "active"), None)
        if live is None:
            reason = _state(found[0], now) if found else "unknown"
            raise CodeRefused(
                "the confirmation code is wrong, used, revoked or expired", reason=reason
            )
        if live.priority != priority:
            wrong = CodeWrongClass(
                f"this code confirms a {live.priority} ticket, not a {priority} one",
                code_priority=live.priority,
            )
            wrong.code_id = live.id  # for the audit log, not for the kiosk's answer
            raise wrong
        done = s.execute(
            update(ConfirmCode)
            .where(
                ConfirmCode.id == live.id,
                ConfirmCode.used_at.is_(None),
                ConfirmCode.revoked.is_(False),
                ConfirmCode.expires_at > now,
            )
            .values(used_at=now, device_id=kiosk.id, ticket_id=t.id)
        )
        if int(done.rowcount) != 1:  # type: ignore[attr-defined]
            raise CodeRefused(
                "the confirmation code is wrong, used, revoked or expired", reason="used"
            )
        staff = s.get_one(Staff, live.staff_id)
        vouched = Principal("staff", staff.id, staff.site_id, staff.role, staff.name)
        tickets.record(
            s,
            site,
            t,
            "priority_confirmed",
            t.state,
            now,
            vouched,
            data={"priority": priority, "kiosk_id": kiosk.id, "code_id": live.id, "kind": kind},
        )

    return vouch


def issue_with_code(
    ctx: Context,
    kiosk: Principal,
    service_id: int,
    priority: str,
    code: str,
    kind: str | None = None,
    ip: str = "",
) -> dict[str, Any]:
    """Issue a priority or green-channel ticket at a kiosk against a staff member's one-time code."""
    if kiosk.kind != "device" or kiosk.role != "kiosk":
        raise Forbidden("only a kiosk redeems a confirmation code")
    if priority not in CLASSES:
        raise InvalidInput("priority must be priority or green", field="priority")
    _check_budget(ctx, kiosk)
    try:
        return tickets.issue(
            ctx, kiosk, service_id, priority, vouch=_claimer(ctx, kiosk, priority, code, kind)
        )
    except (CodeRefused, CodeWrongClass) as exc:
        # written after the ticket's unit of work has ended: SQLite's writer lock is not re-entrant
        detail: dict[str, Any] = {"priority": priority}
        if isinstance(exc, CodeWrongClass):
            detail["code_id"] = exc.code_id
        else:
            detail["reason"] = exc.details.get("reason")
        raise _refuse(ctx, kiosk, exc, detail, ip) from None
