"""Clerk-workstation commands beyond the core API: pick-call, settings, realtime tokens, lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from ...engine.errors import InvalidTransition, NotFound
from ...engine.states import TicketState
from ...storage.models import Evaluation, Site, Staff, StaffToken, Ticket, Window
from ..access import auth
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..ratings import reason_words
from ..ratings.evaluations import LEVELS
from . import read_models
from .tickets import announce_call, check_may_call, claim, works_at

PICK_SETTING = "allow_pick_call"  # Site.settings key: may clerks call a particular waiting ticket?
REALTIME_TOKEN_LIFETIME = timedelta(minutes=2)  # only needed for the socket handshake
LISTED_STATES = (TicketState.NO_SHOW.value, TicketState.CANCELLED.value, TicketState.PARKED.value)


def settings(ctx: Context, who: Principal) -> dict[str, Any]:
    """The workstation settings of the caller's hall."""
    with ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, who.site_id)
        return {"allow_pick_call": bool(site.settings.get(PICK_SETTING, False))}


def update_settings(ctx: Context, who: Principal, allow_pick_call: bool) -> dict[str, Any]:
    """A supervisor allows or forbids clerks to call a particular waiting ticket."""
    if not who.is_supervisor:
        raise Forbidden("only a supervisor may change this")
    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        site.settings = {
            **site.settings,
            PICK_SETTING: bool(allow_pick_call),
        }  # reassign: JSON change tracking
        uow.commit()
    return {"allow_pick_call": bool(allow_pick_call)}


def evaluation_reasons(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """Stock reasons for a bad rating (Site.settings["evaluation_reasons"])."""
    with ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, who.site_id)
        reasons = [str(r) for r in site.settings.get("evaluation_reasons") or []]
        return [
            {"id": i + 1, "text": r, "text_en": reason_words.english(r, site.settings)}
            for i, r in enumerate(reasons)
        ]


def realtime_token(ctx: Context, who: Principal, signed_in: str) -> dict[str, Any]:
    """A short-lived bearer token so a cookie-signed-in page can open its Socket.IO connection.
    It names the sign-in it is given to (`signed_in`, the token of the request): signing out
    revokes it too, and the page's socket ends with that sign-in (auth.revoked)."""
    if not who.is_staff:
        raise Forbidden("only staff pages need this")
    now = ctx.clock.now()
    token, digest = auth.new_token(auth.STAFF_TOKEN_PREFIX)
    with ctx.uow() as uow:
        # the sign-in itself, also when asked with a realtime token
        parent = uow.session.scalar(
            select(func.coalesce(StaffToken.parent_id, StaffToken.id)).where(
                StaffToken.token_hash == auth.token_hash(signed_in)
            )
        )
        uow.session.add(
            StaffToken(
                staff_id=who.id,
                token_hash=digest,
                created_at=now,
                expires_at=now + REALTIME_TOKEN_LIFETIME,
                parent_id=parent,
            )
        )
        uow.commit()
    return {"access_token": token, "expires_in": int(REALTIME_TOKEN_LIFETIME.total_seconds())}


def call_ticket(ctx: Context, who: Principal, ticket_id: int, window_id: int) -> dict[str, Any]:
    """Call one particular waiting ticket at a window, when a supervisor allows it; claimed by compare-and-set."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        w = s.scalar(select(Window).where(Window.id == window_id).with_for_update())
        if w is None or w.site_id != who.site_id:
            raise NotFound(f"no window {window_id}")
        site = s.get_one(Site, w.site_id)
        if works_at(who, w) and not who.is_supervisor and not site.settings.get(PICK_SETTING):
            raise Forbidden("calling a particular ticket is not allowed in this hall")
        check_may_call(s, who, w)
        t = s.get(Ticket, ticket_id)
        if t is None or t.site_id != site.id:
            raise NotFound(f"no ticket {ticket_id}")
        weights = read_models.window_services(s, w.id)
        servable = t.target_window_id == w.id or (
            t.target_window_id is None and t.service_id in weights
        )
        if not servable:
            raise Forbidden(f"window {w.number} does not serve ticket {t.number}")
        if t.day != read_models.today(site, now):
            raise InvalidTransition("a ticket from an earlier day cannot be called")
        if claim(uow, t.id, w, who, now) is None:
            raise InvalidTransition(f"ticket {t.number} is no longer waiting", state=t.state)
        s.refresh(t)
        return announce_call(uow, site, t, w, who, now, data={"picked": True})


def listed_tickets(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """Today's no-show, cancelled and parked tickets: all for a supervisor, a clerk's own windows' parked ones."""
    if not who.is_staff:
        raise Forbidden("staff only")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        q = select(Ticket).where(
            Ticket.site_id == site.id,
            Ticket.day == read_models.today(site, now),
            Ticket.state.in_(LISTED_STATES),
        )
        if not who.is_supervisor:
            q = q.where(
                Ticket.state == TicketState.PARKED.value, Ticket.window_id.in_(list(who.window_ids))
            )
        rows = s.scalars(q.order_by(Ticket.finished_at.desc(), Ticket.id.desc()).limit(100)).all()
        return [read_models.ticket_dict(s, t, with_ahead=False) for t in rows]


def rectifications(ctx: Context, who: Principal, limit: int = 100) -> list[dict[str, Any]]:
    """Bad ratings and the rectification (整改) each opened, newest first (supervisors)."""
    if not who.is_supervisor:
        raise Forbidden("only supervisors see rectifications")
    with ctx.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Evaluation, Ticket.number, Window.number, Staff.name)
            .join(Ticket, Ticket.id == Evaluation.ticket_id)
            .outerjoin(Window, Window.id == Evaluation.window_id)
            .outerjoin(Staff, Staff.id == Evaluation.staff_id)
            .where(Evaluation.site_id == who.site_id, Evaluation.rectification.is_not(None))
            .order_by(Evaluation.id.desc())
            .limit(limit)
        ).all()
        return [
            {
                "id": e.id,
                "ticket_id": e.ticket_id,
                "number": num,
                "level": e.level,
                "label": LEVELS[e.level],
                "reason": e.reason,
                "window_id": e.window_id,
                "window_number": wnum,
                "staff_id": e.staff_id,
                "staff_name": sname,
                "at": read_models.iso(e.at),
                "rectification": e.rectification,
            }
            for e, num, wnum, sname in rows
        ]
