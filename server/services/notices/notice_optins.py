"""Opting in to notices about one's turn (issue 19): a phone given on the kiosk's ticket screen or on
the ticket's own page, kept per ticket (`notice_optins`). Notices go only to visitors who opted in:
here, or with their booking (`Appointment.notify`), or for a case at 受理 (`Case.notify`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.cases import mask_phone
from ...engine.errors import Conflict, NotFound
from ...engine.states import TicketState
from ...storage.models import Appointment, NoticeOptIn, Ticket
from ..access.principal import Forbidden, Principal
from ..booking.appointments import check_phone
from ..context import Context


def recipients(s: Session, ticket_ids: Iterable[int]) -> dict[int, tuple[str, int | None]]:
    """Per ticket that opted in: the phone to text and its booking's id (if any). The ticket's own
    opt-in wins over its booking's."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    out: dict[int, tuple[str, int | None]] = {}
    appts: dict[int | None, tuple[int, str, bool]] = {
        tid: (aid, phone, notify)
        for tid, aid, phone, notify in s.execute(
            select(
                Appointment.ticket_id, Appointment.id, Appointment.phone, Appointment.notify
            ).where(Appointment.ticket_id.in_(ids))
        )
    }
    for tid, (aid, phone, notify) in appts.items():
        if notify and tid is not None:
            out[tid] = (phone, aid)
    for tid, phone in s.execute(
        select(NoticeOptIn.ticket_id, NoticeOptIn.phone).where(NoticeOptIn.ticket_id.in_(ids))
    ):
        out[tid] = (phone, appts[tid][0] if tid in appts else None)
    return out


def opt_in(
    ctx: Context,
    who: Principal | None,
    phone: str,
    *,
    ticket_id: int | None = None,
    public_id: str | None = None,
) -> dict[str, Any]:
    """Text this ticket's holder about its turn (a second opt-in changes the phone). The kiosk names
    the ticket it has just issued; the ticket's page its unguessable id."""
    phone = check_phone(phone)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        if public_id is not None:
            t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
            source = "phone"
        else:
            t = s.get(Ticket, ticket_id)
            source = "kiosk"
            if t is not None and who is not None and t.site_id != who.site_id:
                t = None
            if t is not None and who is not None and who.kind == "device":
                if t.device_id != who.id:
                    raise Forbidden("a kiosk opts in only the tickets it issued")
        if t is None:
            raise NotFound("no such ticket")
        if t.state != TicketState.WAITING:
            raise Conflict(
                "this ticket is no longer waiting: there is no turn to tell of", state=t.state
            )
        row = s.get(NoticeOptIn, t.id)
        if row is None:
            s.add(
                NoticeOptIn(
                    ticket_id=t.id, site_id=t.site_id, phone=phone, source=source, created_at=now
                )
            )
        else:
            row.phone, row.source = phone, source
        tid, site_id = t.id, t.site_id
        uow.commit()
    from . import notices_subscriber

    # already near its turn: told now, not at the next call
    notices_subscriber.near_turn(ctx, [site_id], only=[tid])
    return {"ticket_id": tid, "notify": True, "phone": mask_phone(phone)}


def opted_in(s: Session, ticket_id: int) -> dict[str, str] | None:
    """Whether a ticket's holder opted in, with the phone masked (its page shows it), or None."""
    row = s.get(NoticeOptIn, ticket_id)
    return {"phone": mask_phone(row.phone)} if row is not None else None
