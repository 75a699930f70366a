"""Complaints and suggestions (投诉/建议): registered, routed to a department, answered in time.

A visitor files one from the ticket's phone page (with or without a ticket) or at the kiosk; staff
enter those that come by phone call or letter. Each gets a number, a reply deadline in the hall's
working days (`settings.complaint_reply_days`, default 5) and a link on which the visitor reads the
reply. A phone number is kept for the call back and shown masked everywhere.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput, InvalidTransition, NotFound
from ...engine.numbering import local_time
from ...logmask import mask
from ...storage.models import Department, Service, Site, Staff, Ticket
from ...storage.models_ratings import Complaint
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import links, read_models
from . import rating_settings

CATEGORIES = {"complaint": "投诉", "suggestion": "建议", "consultation": "咨询"}
PREFIX = {"complaint": "TS", "suggestion": "JY", "consultation": "ZX"}
SOURCES = {"phone": "手机", "kiosk": "自助机", "call": "来电", "letter": "来信"}
STATES = {"received": "已登记", "assigned": "已转办", "replied": "已答复", "closed": "已办结"}


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678; a short or odd number keeps only its last two digits."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 8:
        return digits[:3] + "****" + digits[-4:]
    return "****" + digits[-2:]


def _staff_names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    return (
        {i: n for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted)))}
        if wanted
        else {}
    )


def complaint_dict(s: Session, c: Complaint, today: date | None = None) -> dict[str, Any]:
    """The staff view: everything but the phone number in full; `late` when answered (or not yet
    answered) after its deadline."""
    dept = s.get(Department, c.department_id) if c.department_id else None
    ticket = s.get(Ticket, c.ticket_id) if c.ticket_id else None
    names = _staff_names(s, {c.replied_by, c.assigned_by, c.closed_by, c.created_by})
    replied_on = (
        local_time(c.replied_at, s.get_one(Site, c.site_id).timezone).date()
        if c.replied_at
        else None
    )
    late = (replied_on > c.due) if replied_on else (today is not None and today > c.due)
    return {
        "id": c.id,
        "number": c.number,
        "category": c.category,
        "category_label": CATEGORIES[c.category],
        "source": c.source,
        "source_label": SOURCES[c.source],
        "content": mask(c.content),
        "phone": mask_phone(c.phone),
        "ticket": ticket.number if ticket else None,
        "department": {"id": dept.id, "name": dept.name, "name_en": dept.name_en or dept.name}
        if dept
        else None,
        "state": c.state,
        "state_label": STATES[c.state],
        "created_at": read_models.iso(c.created_at),
        "day": c.day.isoformat(),
        "due": c.due.isoformat(),
        "late": bool(late),
        "reply": c.reply,
        "replied_at": read_models.iso(c.replied_at),
        "replied_by": names.get(c.replied_by or 0),
        "assigned_by": names.get(c.assigned_by or 0),
        "closed_at": read_models.iso(c.closed_at),
        "closed_by": names.get(c.closed_by or 0),
        "close_note": c.close_note,
    }


def public_dict(c: Complaint) -> dict[str, Any]:
    """What the visitor sees on their link: their text, the deadline and the reply."""
    return {
        "number": c.number,
        "public_id": c.public_id,
        "category": c.category,
        "category_label": CATEGORIES[c.category],
        "state": c.state,
        "state_label": STATES[c.state],
        "content": mask(c.content),
        "created_at": read_models.iso(c.created_at),
        "due": c.due.isoformat(),
        "reply": c.reply,
        "replied_at": read_models.iso(c.replied_at),
    }


def _check(category: str, content: str, phone: str | None) -> tuple[str, str | None]:
    if category not in CATEGORIES:
        raise InvalidInput(
            "category must be complaint, suggestion or consultation",
            field="category",
            reason="choice",
            params={"choices": "complaint, suggestion, consultation"},
        )
    content = (content or "").strip()
    if len(content) < 2:
        raise InvalidInput(
            "content: say what happened or what you suggest",
            field="content",
            reason="text_required",
        )
    phone = (phone or "").strip() or None
    if phone is not None and not (
        7 <= sum(ch.isdigit() for ch in phone) <= 15
        and all(ch.isdigit() or ch in "+- " for ch in phone)
    ):
        raise InvalidInput("phone: not a phone number", field="phone", reason="phone")
    return content, phone


def _create(
    ctx: Context,
    site_id: int,
    category: str,
    content: str,
    phone: str | None,
    source: str,
    ticket_id: int | None,
    department_id: int | None,
    created_by: int | None,
) -> dict[str, Any]:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        day = local_time(now, site.timezone).date()
        if (
            ticket_id is not None and department_id is None
        ):  # the ticket's item names the department
            ticket = s.get_one(Ticket, ticket_id)
            department_id = s.get_one(Service, ticket.service_id).department_id
        pid = secrets.token_urlsafe(12)
        c = Complaint(
            site_id=site_id,
            number=pid[:20],
            public_id=pid,
            category=category,
            source=source,
            content=content[:2000],
            phone=phone,
            ticket_id=ticket_id,
            department_id=department_id,
            state="assigned" if department_id else "received",
            created_at=now,
            day=day,
            due=rating_settings.due(site, day, "complaint_reply_days"),
            created_by=created_by,
            assigned_at=now if department_id else None,
        )
        s.add(c)
        s.flush()
        c.number = f"{PREFIX[category]}{day:%Y%m%d}{c.id:04d}"
        s.flush()
        out = {**public_dict(c), "id": c.id}
        uow.emit(
            "complaint.created",
            {"seq": read_models.next_seq(s, site_id), "complaint": complaint_dict(s, c)},
            f"site:{site_id}",
        )
        uow.created(c.id)
        uow.commit()
        return out


def submit_public(
    ctx: Context,
    who: Principal | None,
    category: str,
    content: str,
    phone: str | None,
    ticket_public_id: str | None,
    department_id: int | None = None,
) -> dict[str, Any]:
    """A visitor's complaint or suggestion from the phone page (with or without a ticket) or the kiosk;
    `department_id` (the kiosk's "which department") routes it when no ticket names one."""
    content, phone = _check(category, content, phone)
    with ctx.uow(write=False) as uow:
        ticket = None
        if ticket_public_id:
            ticket = uow.session.scalar(select(Ticket).where(Ticket.public_id == ticket_public_id))
            if ticket is None:
                raise InvalidInput(
                    "ticket: no such ticket", field="ticket", reason="ticket_unknown"
                )
        if who is not None and who.kind == "device":
            site_id, source = who.site_id, "kiosk"
        elif ticket is not None:
            site_id, source = ticket.site_id, "phone"
        else:
            first = uow.session.scalar(select(Site.id).order_by(Site.id).limit(1))
            if first is None:
                raise NotFound("no hall")
            site_id, source = first, "phone"
        if ticket is not None and ticket.site_id != site_id:
            raise InvalidInput("ticket: no such ticket", field="ticket", reason="ticket_unknown")
        ticket_id = ticket.id if ticket is not None else None
        if department_id is not None:
            d = uow.session.get(Department, department_id)
            if d is None or d.site_id != site_id:
                raise InvalidInput(
                    "department_id: no such department",
                    field="department_id",
                    reason="department_unknown",
                )
    return _create(ctx, site_id, category, content, phone, source, ticket_id, department_id, None)


def enter(
    ctx: Context,
    who: Principal,
    category: str,
    content: str,
    phone: str | None,
    source: str,
    department_id: int | None,
) -> dict[str, Any]:
    """Staff enter a complaint that came by phone call or letter."""
    if not who.is_staff:
        raise Forbidden("complaints are entered by staff")
    if source not in ("call", "letter"):
        raise InvalidInput(
            "source must be call or letter",
            field="source",
            reason="choice",
            params={"choices": "call, letter"},
        )
    content, phone = _check(category, content, phone)
    if department_id is not None:
        _department(ctx, who, department_id)
    out = _create(ctx, who.site_id, category, content, phone, source, None, department_id, who.id)
    with ctx.uow(write=False) as uow:
        c = uow.session.get_one(Complaint, out["id"])
        return complaint_dict(uow.session, c)


def _department(ctx: Context, who: Principal, department_id: int) -> None:
    with ctx.uow(write=False) as uow:
        d = uow.session.get(Department, department_id)
        if d is None or d.site_id != who.site_id:
            raise InvalidInput(
                "department_id: no such department",
                field="department_id",
                reason="department_unknown",
            )


def _staff_read(who: Principal) -> None:
    if not (who.is_staff and who.is_supervisor):
        raise Forbidden("complaints are handled by supervisors and admins")


def listing(
    ctx: Context, who: Principal, state: str | None = None, late_only: bool = False
) -> list[dict[str, Any]]:
    """Complaints newest first, optionally of one state or only those past their deadline."""
    _staff_read(who)
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        today = local_time(now, site.timezone).date()
        q = select(Complaint).where(Complaint.site_id == who.site_id)
        if state:
            q = q.where(Complaint.state == state)
        rows = [
            complaint_dict(s, c, today)
            for c in s.scalars(q.order_by(Complaint.id.desc()).limit(500))
        ]
    return [r for r in rows if r["late"]] if late_only else rows


def _step(ctx: Context, who: Principal, complaint_id: int, change: Any) -> dict[str, Any]:
    _staff_read(who)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        c = s.scalar(select(Complaint).where(Complaint.id == complaint_id).with_for_update())
        if c is None or c.site_id != who.site_id:
            raise NotFound(f"no complaint {complaint_id}")
        if c.state == "closed":
            raise InvalidTransition(
                "this complaint is closed", state="closed", reason="complaint_closed"
            )
        change(s, c, now)
        s.flush()
        site = s.get_one(Site, c.site_id)
        out = complaint_dict(s, c, local_time(now, site.timezone).date())
        uow.emit(
            "complaint.changed",
            {"seq": read_models.next_seq(s, site.id), "complaint": out},
            f"site:{site.id}",
        )
        uow.commit()
        return out


def assign(ctx: Context, who: Principal, complaint_id: int, department_id: int) -> dict[str, Any]:
    """Route a complaint to the department that must answer it."""
    _department(ctx, who, department_id)

    def change(s: Session, c: Complaint, now: datetime) -> None:
        if c.state == "replied":
            raise InvalidTransition(
                "this complaint is already answered", state=c.state, reason="complaint_replied"
            )
        c.department_id, c.state, c.assigned_at, c.assigned_by = (
            department_id,
            "assigned",
            now,
            who.id,
        )

    return _step(ctx, who, complaint_id, change)


def reply(ctx: Context, who: Principal, complaint_id: int, text: str) -> dict[str, Any]:
    """Answer a complaint; the visitor reads the answer on their link (and ticket page)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("reply: write the answer", field="reply", reason="text_required")

    def change(s: Session, c: Complaint, now: datetime) -> None:
        c.reply, c.replied_at, c.replied_by, c.state = text[:2000], now, who.id, "replied"

    return _step(ctx, who, complaint_id, change)


def close(ctx: Context, who: Principal, complaint_id: int, note: str | None) -> dict[str, Any]:
    """Close a complaint: after its reply, or with a note saying why it needs none."""
    note = (note or "").strip() or None

    def change(s: Session, c: Complaint, now: datetime) -> None:
        if c.reply is None and note is None:
            raise InvalidInput(
                "note: a complaint without a reply closes only with a reason",
                field="note",
                reason="note_required",
            )
        c.state, c.closed_at, c.closed_by, c.close_note = "closed", now, who.id, note

    return _step(ctx, who, complaint_id, change)


def public_view(ctx: Context, public_id: str) -> dict[str, Any]:
    """A complaint as its author sees it on their link."""
    with ctx.uow(write=False) as uow:
        c = uow.session.scalar(select(Complaint).where(Complaint.public_id == public_id))
        if c is None:
            raise NotFound("no such complaint")
        return public_dict(c)


def public_link(ctx: Context, public_id: str, server_base: str | None) -> str:
    """The address of a complaint's reply page (`<hall's public base>/c/<public id>`), for a QR code."""
    with ctx.uow(write=False) as uow:
        c = uow.session.scalar(select(Complaint).where(Complaint.public_id == public_id))
        if c is None:
            raise NotFound("no such complaint")
        site = uow.session.get_one(Site, c.site_id)
        base = links.public_base_url(
            site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), server_base
        )
        return f"{base}/c/{public_id}"


def of_ticket(s: Session, ticket_id: int) -> list[dict[str, Any]]:
    """The complaints filed with a ticket, for its page."""
    return [
        public_dict(c)
        for c in s.scalars(
            select(Complaint).where(Complaint.ticket_id == ticket_id).order_by(Complaint.id)
        )
    ]
