"""Window commands: open under a clerk (or take over, for a supervisor), pause with a reason, resume, close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput, NotFound, WindowBusy
from ...engine.numbering import local_time
from ...engine.states import HELD_STATES, PAUSE_REASONS, WindowState, next_window_state
from ...storage.models import Site, Staff, StaffWindow, Ticket, Window, WindowEvent
from ..access.principal import Forbidden, Principal
from ..context import Context
from . import (
    read_models,
    tickets,  # the module: tickets, calendar, catalog, access and windows import in a ring
)
from .queue_events import window_changed


def list_windows(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """All active windows of the caller's site."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        rows = s.scalars(
            select(Window).where(Window.site_id == who.site_id).order_by(Window.number)
        )
        return [read_models.window_dict(s, w) for w in rows]


def get_window(ctx: Context, who: Principal, window_id: int) -> dict[str, Any]:
    """One window."""
    with ctx.uow(write=False) as uow:
        w = uow.session.get(Window, window_id)
        if w is None or w.site_id != who.site_id:
            raise NotFound(f"no window {window_id}")
        return read_models.window_dict(uow.session, w)


def change(
    ctx: Context,
    who: Principal,
    window_id: int,
    action: str,
    reason: str | None = None,
    staff_id: int | None = None,
) -> dict[str, Any]:
    """Open (or, for a supervisor, take over), pause, resume or close a window, logging who did it."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        w = s.scalar(select(Window).where(Window.id == window_id).with_for_update())
        if w is None or w.site_id != who.site_id:
            raise NotFound(f"no window {window_id}")
        if not who.is_staff:
            raise Forbidden("only staff operate windows")
        site = s.get_one(Site, w.site_id)
        if action == "open":
            _open(s, site, w, who, staff_id, now)
        else:
            if not who.is_supervisor and not tickets.works_at(who, w):
                raise Forbidden("only the clerk who opened this window or a supervisor may do this")
            if action == "pause" and reason not in PAUSE_REASONS:
                raise InvalidInput(
                    f"reason must be one of {', '.join(PAUSE_REASONS)}", field="reason"
                )
            if action == "close" and read_models.held_ticket(s, w.id) is not None:
                raise WindowBusy(
                    f"window {w.number} still holds a ticket; finish or transfer it first"
                )
            before = w.state
            w.state = next_window_state(before, action)
            w.pause_reason = reason if action == "pause" else None
            if action == "close":
                w.staff_id = None
            if before != w.state:
                w.state_since = now
            log_window(s, site, w, action, before, who.id, now, reason=reason)
        out = read_models.window_dict(s, w)
        window_changed(uow, site, w, action)
        uow.commit()
        return out


def _open(
    s: Session, site: Site, w: Window, who: Principal, staff_id: int | None, now: datetime
) -> None:
    """Open `w` under the caller (or the clerk a supervisor names); a supervisor takes over a held window.

    A take-over is how a supervisor steps in for a clerk who left the counter: the window and the
    ticket it holds pass to the new holder, and the window log names both.
    """
    if who.is_supervisor and staff_id is not None:
        clerk = s.get(Staff, staff_id)
        if clerk is None or clerk.site_id != w.site_id or not clerk.active:
            raise NotFound(f"no staff {staff_id}", field="staff_id")
        assigned = s.scalar(
            select(StaffWindow.window_id).where(
                StaffWindow.staff_id == clerk.id, StaffWindow.window_id == w.id
            )
        )
        if clerk.role == "clerk" and assigned is None:
            raise InvalidInput(
                f"{clerk.name} is not assigned to window {w.number}", field="staff_id"
            )
        new_staff = clerk
    elif who.is_supervisor or w.id in who.window_ids:
        new_staff = s.get_one(Staff, who.id)
    else:
        raise Forbidden(f"you are not assigned to window {w.number}")
    before = w.state
    previous = (
        s.get(Staff, w.staff_id)
        if w.staff_id is not None and before != WindowState.CLOSED
        else None
    )
    takeover = previous is not None and previous.id != new_staff.id
    if takeover and not who.is_supervisor:
        raise Forbidden(f"window {w.number} is open under another clerk")
    # locked, so a visit its old clerk is finishing right now is not handed over once done
    held = s.scalar(
        select(Ticket)
        .where(Ticket.window_id == w.id, Ticket.state.in_([x.value for x in HELD_STATES]))
        .limit(1)
        .with_for_update()
    )
    if held is not None and held.staff_id != new_staff.id:
        held.staff_id = new_staff.id  # the visit goes on under the new holder, who is rated for it
    w.staff_id = new_staff.id
    w.state = WindowState.OPEN if takeover else next_window_state(before, "open")
    w.pause_reason = None
    w.state_since = now
    # the row names the holder from now on (the discipline figures count this time for them)
    if takeover:
        assert previous is not None
        data = {
            "from_staff_id": previous.id,
            "from_staff_name": previous.name,
            "to_staff_id": new_staff.id,
            "to_staff_name": new_staff.name,
            "by_staff_id": who.id,
            "ticket_id": held.id if held is not None else None,
        }
        log_window(s, site, w, "taken_over", before, new_staff.id, now, data=data)
    else:
        log_window(
            s,
            site,
            w,
            "open",
            before,
            new_staff.id,
            now,
            data={"by_staff_id": who.id} if who.id != new_staff.id else None,
        )


def log_window(
    s: Session,
    site: Site,
    w: Window,
    action: str,
    before: str,
    actor_id: int | None,
    now: datetime,
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one row to the window log (the discipline figures are computed from it)."""
    local = local_time(now, site.timezone)
    # staff_id: who made the change (or the new holder on an open); clerk_id: the window's clerk from now on
    s.add(
        WindowEvent(
            site_id=site.id,
            window_id=w.id,
            staff_id=actor_id,
            clerk_id=w.staff_id,
            action=action,
            from_state=before,
            to_state=w.state,
            reason=reason,
            at=now,
            day=local.date(),
            data=data,
        )
    )
