"""Who may keep working after an admin changes staff: sign-ins revoked, windows released, an admin kept.

catalog.save and catalog.remove call these inside their unit of work, so a change and its
consequences commit together: a clerk removed from a window loses it in the same transaction,
and a reset password or a deactivation ends every earlier sign-in at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...engine.errors import DomainError
from ...engine.states import WindowState
from ...storage.models import Site, Staff, StaffToken, StaffWindow, Window
from ...storage.uow import UnitOfWork
from ..queue import (
    read_models,
    windows,  # the module: see queue/windows.py
)
from ..queue.queue_events import window_changed
from .principal import Principal

OVERSEERS = ("supervisor", "admin")  # may work at any window without an assignment


class OwnAccount(DomainError):
    code = "own_account"
    status = 409


class LastAdmin(DomainError):
    code = "last_admin"
    status = 409


@dataclass(frozen=True)
class StaffBefore:
    """What a staff row was before a change, to tell what the change took away."""

    role: str
    active: bool


def before(st: Staff) -> StaffBefore:
    """Remember the parts of a staff row whose change ends sign-ins."""
    return StaffBefore(st.role, st.active)


def guard_admin_change(
    s: Session, who: Principal, st: Staff, data: dict[str, Any], deleting: bool = False
) -> None:
    """Refuse to demote, deactivate or delete the last active admin, or an admin's own account."""
    if st.role != "admin" or not st.active:
        return
    role = data.get("role")
    if not (deleting or (role is not None and role != "admin") or data.get("active") is False):
        return
    others = s.scalar(
        select(func.count())
        .select_from(Staff)
        .where(Staff.site_id == st.site_id, Staff.role == "admin", Staff.active, Staff.id != st.id)
    )
    if not others:
        raise LastAdmin("the hall must keep at least one active admin; make another admin first")
    if st.id == who.id:
        raise OwnAccount(
            "you cannot demote, deactivate or delete your own account; ask another admin"
        )


def revoke_sign_ins(s: Session, staff_id: int) -> int:
    """Revoke every access token of a staff member: API tokens, page sessions and socket tokens alike."""
    result = s.execute(
        update(StaffToken)
        .where(StaffToken.staff_id == staff_id, StaffToken.revoked.is_(False))
        .values(revoked=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def after_staff_saved(
    uow: UnitOfWork,
    who: Principal,
    st: Staff,
    was: StaffBefore | None,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Revoke sign-ins after a password reset, role change or deactivation; release windows they lost."""
    s = uow.session
    if was is not None:
        deactivated = was.active and not st.active
        if data.get("password") or st.role != was.role or deactivated:
            revoke_sign_ins(s, st.id)
    why = (
        "deactivated"
        if not st.active
        else ("role_changed" if was is not None and st.role != was.role else "unassigned")
    )
    for w in s.scalars(
        select(Window)
        .where(Window.staff_id == st.id, Window.state != WindowState.CLOSED)
        .with_for_update()
    ):
        if not _may_hold(s, st, w):
            release(uow, w, st, why, who, now)


def window_staff_changed(uow: UnitOfWork, who: Principal, w: Window, now: datetime) -> None:
    """After a window's clerks change: release it if its holder is no longer allowed there."""
    s = uow.session
    if w.staff_id is None or w.state == WindowState.CLOSED:
        return
    st = s.get(Staff, w.staff_id)
    if st is not None and not _may_hold(s, st, w):
        release(uow, w, st, "unassigned", who, now)


def before_staff_removed(uow: UnitOfWork, who: Principal, st: Staff, now: datetime) -> None:
    """Deleting a staff member: guard the admins, release their windows, end their sign-ins."""
    s = uow.session
    guard_admin_change(s, who, st, {}, deleting=True)
    for w in s.scalars(select(Window).where(Window.staff_id == st.id).with_for_update()):
        if w.state == WindowState.CLOSED:
            w.staff_id = None  # a closed window keeps no holder, but the row still points at them
        else:
            release(uow, w, st, "deleted", who, now)
    revoke_sign_ins(s, st.id)


def release(uow: UnitOfWork, w: Window, st: Staff, why: str, who: Principal, now: datetime) -> None:
    """Close a window its holder may no longer work at; a ticket it holds waits there for the next holder."""
    s = uow.session
    site = s.get_one(Site, w.site_id)
    held = read_models.held_ticket(s, w.id)
    was = w.state
    w.state = WindowState.CLOSED.value
    w.staff_id = None
    w.pause_reason = None
    w.state_since = now
    windows.log_window(
        s,
        site,
        w,
        "released",
        was,
        who.id,
        now,
        reason=why,
        data={
            "staff_id": st.id,
            "staff_name": st.name,
            "ticket_id": held.id if held is not None else None,
        },
    )
    window_changed(uow, site, w, "close")


def _may_hold(s: Session, st: Staff, w: Window) -> bool:
    if not st.active:
        return False
    if st.role in OVERSEERS:
        return True
    return (
        s.scalar(
            select(StaffWindow.window_id).where(
                StaffWindow.staff_id == st.id, StaffWindow.window_id == w.id
            )
        )
        is not None
    )
