"""The notices subscriber (issue 19): committed domain events in, notices out (into the outbox of
`notices`). Subscribed on the app's event bus in `notices_app.install`; the queue code knows
nothing of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

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
    if not called and not changed and not done:
        return
    try:
        _notify(ctx, called, changed)
        if done:
            _rating_invitations(ctx, done)
    except Exception:  # a notice must never break the command that already committed
        log.exception("notices: could not queue notices for %s", [type(e).__name__ for e in events])


def _notify(ctx: Context, called: list[int], changed: list[int]) -> None:
    """Read what the events call for; open a write only when there is a notice to store (the hall's
    busiest commands feed this, and most of their tickets have no opted-in booking)."""
    now = ctx.clock.now()
    todo: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        s = uow.session
        if called:
            rows = s.execute(
                select(Appointment, Ticket, Service, Window)
                .join(Ticket, Ticket.id == Appointment.ticket_id)
                .join(Service, Service.id == Ticket.service_id)
                .outerjoin(Window, Window.id == Ticket.window_id)
                .where(Appointment.ticket_id.in_(called), Appointment.notify.is_(True))
            ).all()
            for a, t, sv, w in rows:
                site = s.get_one(Site, a.site_id)
                text = TEXTS["called"].format(
                    centre=site.name, number=t.number, window=w.number if w else "", item=sv.name
                )
                todo.append(
                    {
                        "site_id": site.id,
                        "key": f"called:{t.id}:{t.recall_count}",
                        "kind": "called",
                        "recipient": a.phone,
                        "text": text,
                        "ticket_id": t.id,
                        "appointment_id": a.id,
                        "data": {"kind": "called", "number": t.number},
                    }
                )
        if changed:
            rows2 = s.execute(
                select(Appointment, Ticket)
                .join(Ticket, Ticket.id == Appointment.ticket_id)
                .where(
                    # the hall's changed queues, today's bookings (± a day: hall time), by the index
                    Appointment.site_id.in_(changed),
                    Appointment.day.in_([(now + timedelta(days=d)).date() for d in (-1, 0, 1)]),
                    Appointment.state == "checked_in",
                    Appointment.notify.is_(True),
                    Ticket.state == "waiting",
                    Ticket.day == Appointment.day,
                )
            ).all()
            for a, t in rows2:
                ahead = views.waiting_ahead(s, t)
                if ahead <= NEAR_AHEAD:
                    site = s.get_one(Site, a.site_id)
                    text = TEXTS["near" if ahead else "next"].format(
                        centre=site.name, number=t.number, n=ahead
                    )
                    todo.append(
                        {
                            "site_id": site.id,
                            "key": f"near:{t.id}",
                            "kind": "near",
                            "recipient": a.phone,
                            "text": text,
                            "ticket_id": t.id,
                            "appointment_id": a.id,
                            "data": {"kind": "near", "number": t.number, "ahead": ahead},
                        }
                    )
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


def _rating_invitations(ctx: Context, done: list[int]) -> None:
    """After the visit: an invitation to rate it, with the ticket's own page (opted-in bookings)."""
    from .links import ticket_url

    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Appointment, Ticket, Service)
            .join(Ticket, Ticket.id == Appointment.ticket_id)
            .join(Service, Service.id == Ticket.service_id)
            .where(Appointment.ticket_id.in_(done), Appointment.notify.is_(True))
        ).all()
        todo: list[tuple[int, int, str, int, str, str]] = []
        for a, t, sv in rows:
            site = s.get_one(Site, a.site_id)
            link = ticket_url(
                t.public_id, site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), None
            )
            text = TEXTS["rate"].format(centre=site.name, item=sv.name, link=link)
            todo.append(
                (site.id, a.id, a.phone, t.id, t.number, text)
            )  # plain values: the session closes
    if not todo:
        return
    with ctx.uow() as uow:
        for site_id, appointment_id, phone, ticket_id, number, text in todo:
            enqueue(
                uow.session,
                site_id,
                f"rate:{ticket_id}",
                "rate",
                "sms",
                phone,
                text,
                now,
                ticket_id=ticket_id,
                appointment_id=appointment_id,
                data={"kind": "rate", "number": number},
            )
        uow.commit()
