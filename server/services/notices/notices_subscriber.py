"""The notices subscriber (issue 19): committed domain events in, notices out (into the outbox of
`notices`). Subscribed on the app's event bus in `notices_app.install`; the queue code knows
nothing of it.

Every notice about a ticket goes to the phone its holder opted in with (`notice_optins`: the
kiosk's ticket screen or the ticket's page; or its booking's, `Appointment.notify`), never to
anyone else. The near-turn notice reads the real call order (`call_order`, the number the ticket
page shows) and goes out once per ticket (its key)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import Session

from ...engine import events as ev
from ...storage.models import Appointment, Notice, NoticeOptIn, Service, Site, Ticket, Window
from ..booking.booking_settings import site_settings
from ..context import Context
from ..queue import call_order
from . import notice_optins
from .notices import TEXTS, enqueue, log

# ---- the subscriber: committed events in, notices out ---------------------------------------

EVENTS = (ev.TicketCalled, ev.TicketFinished)  # a recall is a TicketCalled too


def _subjects(events: Sequence[ev.Event]) -> tuple[list[int], list[int], list[int]]:
    """(tickets called, halls whose waiting tickets moved up, tickets whose visit was done)."""
    calls = [e for e in events if isinstance(e, ev.TicketCalled)]
    called = [e.ticket.id for e in calls]
    # people ahead get fewer when a ticket is called (and at opt-in, notice_optins): issuing (the
    # hall's busiest write) pays nothing for notices
    changed = sorted({e.site_id for e in calls})
    done = [
        e.ticket.id
        for e in events
        if isinstance(e, ev.TicketFinished) and e.view.get("state") == "done"
    ]
    return called, changed, done


def in_transaction(ctx: Context, uow: Any, events: Sequence[ev.Event]) -> Callable[[], None] | None:
    """Ask `_probe` on the command's own connection before it commits (a separate read after the
    commit cost a unit of work of its own on every call and finish); what it found travels with
    the notices' after-commit work, which the bus runs once the command has committed."""
    called, changed, done = _subjects(events)
    if not called and not changed and not done:
        return None
    found: tuple[bool, bool] | None
    try:
        row = uow.execute(_probe(), _probe_params(ctx.clock.now(), called + done, changed)).one()
        found = (bool(row[0]), bool(row[1]))
    except Exception:  # never break the command: after commit, the probe is asked on its own
        log.exception("notices: the in-transaction probe failed")
        found = None
    return functools.partial(after_commit, ctx, events, found)


def after_commit(
    ctx: Context, events: Sequence[ev.Event], found: tuple[bool, bool] | None = None
) -> None:
    """Notices the committed events call for: `called` and the near-turn notice for opted-in
    tickets, and the rating invitation after a visit ends. `found`: what `_probe` answered inside
    the transaction (whether any of the tickets opted in, whether any waiting one did)."""
    called, changed, done = _subjects(events)
    if not called and not changed and not done:
        return
    try:
        # most tickets opted in to nothing: one read finds out before the three that would find
        # nothing (made inside the command's transaction, normally)
        told, waiting = found if found is not None else _anyone_to_tell(ctx, called + done, changed)
        called, done = (called, done) if told else ([], [])
        changed = changed if waiting else []
        if called:
            _called(ctx, called)
        if changed:
            near_turn(ctx, changed)
        if done:
            _rating_invitations(ctx, done)
    except Exception:  # a notice must never break the command that already committed
        log.exception("notices: could not queue notices for %s", [type(e).__name__ for e in events])


@cache
def _probe() -> Any:
    """Whether any of tickets `:ids` opted in, and whether any waiting ticket of halls `:sites` on
    `:days` did (by itself or with its booking): one statement, built once."""
    ids: Any = bindparam("ids", expanding=True)
    sites: Any = bindparam("sites", expanding=True)
    days: Any = bindparam("days", expanding=True)
    waiting = and_(Ticket.site_id.in_(sites), Ticket.day.in_(days), Ticket.state == "waiting")
    return select(
        exists().where(NoticeOptIn.ticket_id.in_(ids))
        | exists().where(Appointment.ticket_id.in_(ids), Appointment.notify.is_(True)),
        _recent_optins().where(waiting).exists()
        | exists().where(
            Appointment.site_id.in_(sites),
            Appointment.day.in_(days),
            Appointment.state == "checked_in",
            Appointment.notify.is_(True),
            Appointment.ticket_id == Ticket.id,
            waiting,
        ),
    )


def _recent_optins() -> Any:
    """Tickets of halls `:sites` opted in since `:since`, joined to their tickets: found from the
    opt-ins (ix_notice_optins_site_created), which are few, never from the waiting queue, which a
    busy day makes long (read from the tickets, each call's probe grew with the queue)."""
    return (
        select(NoticeOptIn.ticket_id)
        .join(Ticket, Ticket.id == NoticeOptIn.ticket_id)
        .where(
            NoticeOptIn.site_id.in_(bindparam("sites", expanding=True)),
            NoticeOptIn.created_at >= bindparam("since"),
        )
    )


def _probe_params(now: datetime, ids: list[int], site_ids: list[int]) -> dict[str, Any]:
    """The probe's values: the tickets, the halls and the days as `_waiting_opted_in` takes them."""
    days = [(now + timedelta(days=d)).date() for d in (-1, 0, 1)] if site_ids else []
    return {"ids": ids, "sites": site_ids, "days": days, "since": _optins_since(now)}


def _optins_since(now: datetime) -> datetime:
    """The earliest opt-in a ticket waiting on one of the days `_waiting_opted_in` reads can have:
    made after the ticket was issued, which was at most a day before those days began, in any
    hall's zone."""
    return now - timedelta(days=3)


def _anyone_to_tell(ctx: Context, ids: list[int], site_ids: list[int]) -> tuple[bool, bool]:
    """(any of tickets `ids` opted in, any waiting ticket of `site_ids` opted in)."""
    with ctx.uow(write=False) as uow:
        row = uow.execute(_probe(), _probe_params(ctx.clock.now(), ids, site_ids)).one()
    return bool(row[0]), bool(row[1])


def _store(ctx: Context, now: datetime, todo: list[dict[str, Any]]) -> None:
    """Open a write only when there is a notice to store (most tickets opted in to nothing)."""
    if not todo:
        return
    with ctx.uow() as uow:
        for n in todo:
            enqueue(
                uow.session,
                n["site_id"],
                n["key"],
                n["kind"],
                "sms",
                n["recipient"],
                n["text"],
                now,
                ticket_id=n["ticket_id"],
                appointment_id=n["appointment_id"],
                data=n["data"],
            )
        uow.commit()


def _called(ctx: Context, called: list[int]) -> None:
    now = ctx.clock.now()
    todo: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        s = uow.session
        to = notice_optins.recipients(s, called)
        if not to:
            return
        rows = s.execute(
            select(Ticket, Service, Window)
            .join(Service, Service.id == Ticket.service_id)
            .outerjoin(Window, Window.id == Ticket.window_id)
            .where(Ticket.id.in_(list(to)))
        ).all()
        for t, sv, w in rows:
            site = s.get_one(Site, t.site_id)
            phone, appointment_id = to[t.id]
            text = TEXTS["called"].format(
                centre=site.name, number=t.number, window=w.number if w else "", item=sv.name
            )
            todo.append(
                {
                    "site_id": site.id,
                    "key": f"called:{t.id}:{t.recall_count}",
                    "kind": "called",
                    "recipient": phone,
                    "text": text,
                    "ticket_id": t.id,
                    "appointment_id": appointment_id,
                    "data": {"kind": "called", "number": t.number},
                }
            )
    _store(ctx, now, todo)


def _waiting_opted_in(s: Session, site_ids: list[int], now: datetime) -> list[Ticket]:
    """Today's waiting tickets (± a day: hall time) of these halls whose holders opted in and have
    not been told their turn is near yet."""
    days = [(now + timedelta(days=d)).date() for d in (-1, 0, 1)]
    # each ticket looked up in the notices' ticket index, not every near notice ever sent
    told = exists().where(Notice.ticket_id == Ticket.id, Notice.kind == "near")
    base = [Ticket.site_id.in_(site_ids), Ticket.day.in_(days), Ticket.state == "waiting", ~told]
    ids = set(
        s.scalars(_recent_optins().where(*base), {"sites": site_ids, "since": _optins_since(now)})
    )
    ids |= set(
        s.scalars(
            select(Ticket.id)
            .join(Appointment, Appointment.ticket_id == Ticket.id)
            .where(
                *base,
                Appointment.site_id.in_(site_ids),
                Appointment.day.in_(days),
                Appointment.state == "checked_in",
                Appointment.notify.is_(True),
            )
        )
    )
    if not ids:
        return []
    return list(s.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)))


def near_turn(ctx: Context, site_ids: list[int], only: list[int] | None = None) -> None:
    """ "前面还有N人": once per opted-in ticket, when its place in the real call order (the ticket
    page's number) is within the hall's setting (booking setting `near_ahead`)."""
    now = ctx.clock.now()
    todo: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        s = uow.session
        waiting = [t for t in _waiting_opted_in(s, site_ids, now) if only is None or t.id in only]
        if not waiting:
            return
        to = notice_optins.recipients(s, [t.id for t in waiting])
        orders: dict[int, call_order.Orders] = {}
        for t in waiting:
            site = s.get_one(Site, t.site_id)
            near = site_settings(site)["near_ahead"]
            if t.site_id not in orders:
                # the first near+1 calls of each window are all the notice needs to know
                orders[t.site_id] = call_order.Orders(s, now, limit=near + 1)
            best = orders[t.site_id].best(t)
            if best is None or best[0] > near or t.id not in to:
                continue
            ahead, w = best
            phone, appointment_id = to[t.id]
            text = TEXTS["near" if ahead else "next"].format(
                centre=site.name, number=t.number, n=ahead, window=w.number
            )
            todo.append(
                {
                    "site_id": site.id,
                    "key": f"near:{t.id}",
                    "kind": "near",
                    "recipient": phone,
                    "text": text,
                    "ticket_id": t.id,
                    "appointment_id": appointment_id,
                    "data": {"kind": "near", "number": t.number, "ahead": ahead},
                }
            )
    _store(ctx, now, todo)


def _rating_invitations(ctx: Context, done: list[int]) -> None:
    """After the visit: an invitation to rate it, with the ticket's own page (opted-in tickets)."""
    from ..queue.links import ticket_url

    now = ctx.clock.now()
    todo: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        s = uow.session
        to = notice_optins.recipients(s, done)
        if not to:
            return
        rows = s.execute(
            select(Ticket, Service)
            .join(Service, Service.id == Ticket.service_id)
            .where(Ticket.id.in_(list(to)))
        ).all()
        for t, sv in rows:
            site = s.get_one(Site, t.site_id)
            link = ticket_url(
                t.public_id, site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), None
            )
            phone, appointment_id = to[t.id]
            todo.append(
                {
                    "site_id": site.id,
                    "key": f"rate:{t.id}",
                    "kind": "rate",
                    "recipient": phone,
                    "text": TEXTS["rate"].format(centre=site.name, item=sv.name, link=link),
                    "ticket_id": t.id,
                    "appointment_id": appointment_id,
                    "data": {"kind": "rate", "number": t.number},
                }
            )
    _store(ctx, now, todo)


def catch_up(ctx: Context) -> None:
    """At a server's start: the notices committed events called for that a crash (SIGKILL between a
    command's commit and this subscriber's write) kept from being stored. Each has its key, so one
    stored already is not stored again: a ticket still called hears of its latest call, a visit
    that ended is invited to rate it, and the near-turn notices are worked out afresh."""
    now = ctx.clock.now()
    days = [(now + timedelta(days=d)).date() for d in (-1, 0, 1)]
    with ctx.uow(write=False) as uow:
        s = uow.session
        opted = select(NoticeOptIn.ticket_id).union(
            select(Appointment.ticket_id).where(
                Appointment.notify.is_(True), Appointment.ticket_id.is_not(None)
            )
        )
        rows = s.execute(
            select(Ticket.id, Ticket.site_id, Ticket.state).where(
                Ticket.day.in_(days), Ticket.id.in_(opted)
            )
        ).all()
    called = [tid for tid, _site, state in rows if state == "called"]
    done = [tid for tid, _site, state in rows if state == "done"]
    sites = sorted({site for _tid, site, state in rows if state == "waiting"})
    if called:
        _called(ctx, called)
    if sites:
        near_turn(ctx, sites)
    if done:
        _rating_invitations(ctx, done)
