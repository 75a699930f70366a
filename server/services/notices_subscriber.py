"""The notices subscriber (issue 19): committed domain events in, notices out (into the outbox of
`notices`). Subscribed on the app's event bus in `notices_app.install`; the queue code knows
nothing of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..engine import events as ev
from ..storage.models import Appointment, Service, Site, Ticket, Window
from . import views
from .context import Context
from .notices import NEAR_AHEAD, TEXTS, enqueue, log

# ---- the subscriber: committed events in, notices out ---------------------------------------

EVENTS = (ev.TicketCalled, ev.TicketFinished)  # a recall is a TicketCalled too


def after_commit(ctx: Context, events: Sequence[ev.Event]) -> None:
    """Notices the committed events call for: `called` and the near-turn notice for opted-in
    bookings, and the rating invitation after a visit ends."""
    calls = [e for e in events if isinstance(e, ev.TicketCalled)]
    called = [e.ticket.id for e in calls]
    # people ahead only get fewer when a ticket is called: issuing (the hall's busiest write) pays
    # nothing for notices
    changed = sorted({e.site_id for e in calls})
    done = [
        e.ticket.id
        for e in events
        if isinstance(e, ev.TicketFinished) and e.view.get("state") == "done"
    ]
    if not called and not done:
        return
    try:
        now = ctx.clock.now()
        # one read for all of it; a write only when there is a notice to store (the hall's busiest
        # commands feed this, and most of their tickets have no opted-in booking)
        with ctx.uow(write=False) as uow:
            todo = _called_and_near(uow.session, now, called, changed) if called else []
            if done:
                todo += _rating_invitations(ctx, uow.session, done)
        if todo:
            _store(ctx, now, todo)
    except Exception:  # a notice must never break the command that already committed
        log.exception("notices: could not queue notices for %s", [type(e).__name__ for e in events])


# The reads run after every call and every finished visit, and nearly always find nothing: built
# once with bind parameters (as in storage/statements.py), and reading plain columns rather than
# mapped objects (an item's row brings its department along; setting that up cost more than the query).
_BOOKING = (Appointment.id, Appointment.site_id, Appointment.phone)


@cache
def _called_stmt() -> Any:
    return (
        select(
            *_BOOKING, Ticket.id, Ticket.number, Ticket.recall_count, Service.name, Window.number
        )
        .join(Ticket, Ticket.id == Appointment.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .outerjoin(Window, Window.id == Ticket.window_id)
        .where(
            Appointment.ticket_id.in_(bindparam("ids", expanding=True)),
            Appointment.notify.is_(True),
        )
    )


@cache
def _near_stmt() -> Any:
    return (
        select(*_BOOKING, Ticket)
        .join(Ticket, Ticket.id == Appointment.ticket_id)
        .where(
            # the hall's changed queues, today's bookings (± a day: hall time), by the index
            Appointment.site_id.in_(bindparam("sites", expanding=True)),
            Appointment.day.in_(bindparam("days", expanding=True)),
            Appointment.state == "checked_in",
            Appointment.notify.is_(True),
            Ticket.state == "waiting",
            Ticket.day == Appointment.day,
        )
    )


@cache
def _rate_stmt() -> Any:
    return (
        select(*_BOOKING, Ticket.id, Ticket.public_id, Ticket.number, Service.name)
        .join(Ticket, Ticket.id == Appointment.ticket_id)
        .join(Service, Service.id == Ticket.service_id)
        .where(
            Appointment.ticket_id.in_(bindparam("ids", expanding=True)),
            Appointment.notify.is_(True),
        )
    )


def _called_and_near(
    s: Session, now: datetime, called: list[int], changed: list[int]
) -> list[dict[str, Any]]:
    """The `called` notices of the called tickets, and the near-turn ones of the changed halls."""
    todo: list[dict[str, Any]] = []
    rows = s.execute(_called_stmt(), {"ids": called}).all()
    for a_id, site_id, phone, t_id, number, recalls, item, window in rows:
        site = s.get_one(Site, site_id)
        text = TEXTS["called"].format(
            centre=site.name, number=number, window=window or "", item=item
        )
        todo.append(
            {
                "site_id": site.id,
                "key": f"called:{t_id}:{recalls}",
                "kind": "called",
                "recipient": phone,
                "text": text,
                "ticket_id": t_id,
                "appointment_id": a_id,
                "data": {"kind": "called", "number": number},
            }
        )
    days = [(now + timedelta(days=d)).date() for d in (-1, 0, 1)]
    for a_id, site_id, phone, t in s.execute(_near_stmt(), {"sites": changed, "days": days}).all():
        ahead = views.waiting_ahead(s, t)
        if ahead <= NEAR_AHEAD:
            site = s.get_one(Site, site_id)
            text = TEXTS["near" if ahead else "next"].format(
                centre=site.name, number=t.number, n=ahead
            )
            todo.append(
                {
                    "site_id": site.id,
                    "key": f"near:{t.id}",
                    "kind": "near",
                    "recipient": phone,
                    "text": text,
                    "ticket_id": t.id,
                    "appointment_id": a_id,
                    "data": {"kind": "near", "number": t.number, "ahead": ahead},
                }
            )
    return todo


def _rating_invitations(ctx: Context, s: Session, done: list[int]) -> list[dict[str, Any]]:
    """After the visit: an invitation to rate it, with the ticket's own page (opted-in bookings)."""
    from .links import ticket_url

    todo: list[dict[str, Any]] = []
    for a_id, site_id, phone, t_id, public_id, number, item in s.execute(
        _rate_stmt(), {"ids": done}
    ).all():
        site = s.get_one(Site, site_id)
        link = ticket_url(public_id, site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), None)
        todo.append(
            {
                "site_id": site.id,
                "key": f"rate:{t_id}",
                "kind": "rate",
                "recipient": phone,
                "text": TEXTS["rate"].format(centre=site.name, item=item, link=link),
                "ticket_id": t_id,
                "appointment_id": a_id,
                "data": {"kind": "rate", "number": number},
            }
        )  # plain values: the session closes
    return todo


def _store(ctx: Context, now: datetime, todo: list[dict[str, Any]]) -> None:
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
