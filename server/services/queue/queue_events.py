"""What queue commands record: a ticket's log row, and the domain events its change raises.

The log rows (`ticket_events`) are the oversight figures' source; the domain events are what the
subscribers (realtime, printing, ...) hear after commit. Neither builds a wire payload.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...engine import events as ev
from ...engine.numbering import local_time
from ...storage.models import Site, Ticket, TicketEvent, Window
from ...storage.uow import SeqSlot, UnitOfWork
from ...storage.uow import of as uow_of
from ..access.principal import Principal
from . import read_models
from .queue_news import QueueNews, record_counts


@cache
def _first_call() -> Any:
    return (
        select(TicketEvent.id)
        .where(TicketEvent.ticket_id == bindparam("id"), TicketEvent.type == "called")
        .limit(1)
    )


def record(
    s: Session,
    site: Site,
    t: Any,
    type_: str,
    from_state: str | None,
    now: datetime,
    who: Principal | None,
    *,
    window_id: int | None = None,
    duration_s: float | None = None,
    data: dict[str, Any] | None = None,
    seq: SeqSlot | ev.Event | int | None = None,
) -> None:
    """Append one log row (`ticket_events`): who did what to which ticket, where and when.

    It is inserted at commit, with its event number `seq` (a slot, or the event whose number it shares)."""
    uow = uow_of(s)
    local = local_time(now, site.timezone)
    wait = None
    if type_ == "called" and (
        # never back in the queue (a transfer, a 补正 or a reactivation sets queued_at anew): so
        # never called before, and no need to look
        t.queued_at == t.issued_at or uow.execute(_first_call(), {"id": t.id}).first() is None
    ):
        # the report's wait is per ticket, first call − arrival; later calls (after a transfer,
        # a 补正 or a reactivation) keep their queue wait in duration_s only
        wait = (now - t.issued_at).total_seconds()
    uow.add_log(
        {
            "site_id": site.id,
            "ticket_id": t.id,
            "type": type_,
            "from_state": from_state,
            "to_state": t.state,
            "at": now,
            "day": local.date(),
            "hour": local.hour,
            "service_id": t.service_id,
            "window_id": window_id if window_id is not None else t.window_id,
            "staff_id": who.id if who is not None and who.is_staff else None,
            "device_id": who.id if who is not None and not who.is_staff else None,
            "duration_s": duration_s,
            "elapsed_s": (now - t.issued_at).total_seconds(),
            "wait_s": wait,
            "data": data or {},
        },
        seq,
    )


def ref(t: Any) -> ev.TicketRef:
    """The public identity of ticket `t`."""
    return ev.TicketRef(t.id, t.public_id, t.number, t.service_id)


def window_ref(w: Window) -> ev.WindowRef:
    """The public identity of window `w`."""
    return ev.WindowRef(w.id, w.number, w.name)


def queue_changed(uow: UnitOfWork, site_id: int, day: Any, news: QueueNews | None) -> None:
    """Say that the hall's waiting counts changed: a `QueueChanged` of this transaction (counts read
    at commit), or, while the hall's changes are being merged, a `WaitingChanged` (queue_news.py)."""
    if news is None or news.lead(site_id):
        record_counts(uow, site_id, day)
    else:
        uow.record(ev.WaitingChanged(site_id=site_id))


def ticket_changed(
    uow: UnitOfWork,
    kind: type[ev.TicketEvent],
    site: Site,
    t: Ticket,
    view: dict[str, Any] | None = None,
    **extra: Any,
) -> ev.TicketEvent:
    """Record that `t` changed (`kind`: TicketStarted, TicketFinished, ...), with its view after it."""
    view = view if view is not None else read_models.ticket_dict(uow.session, t)
    return uow.record(kind(site_id=site.id, ticket=ref(t), view=view, **extra))  # type: ignore[return-value]


def ticket_called(
    uow: UnitOfWork,
    site: Site,
    t: Ticket,
    w: Window,
    view: dict[str, Any],
    recall: bool,
    day: Any,
) -> ev.TicketCalled:
    """Record a call (or a recall) of `t` at `w`; its `seq` is the call's log row's too.

    The call carries the hall's waiting counts of `day`, read at commit as of its `seq`: one call is
    one message to each screen, no `queue.changed` after it."""
    kind = ev.TicketRecalled if recall else ev.TicketCalled
    called = kind(
        site_id=site.id,
        ticket=ref(t),
        view=view,
        window=window_ref(w),
        template=site.announce_template,
    )
    uow.record(called)

    def fill() -> None:
        called.waiting.update(read_models.waiting_counts(uow.session, site.id, day))

    uow.when_numbered(fill)
    return called


def window_changed(uow: UnitOfWork, site: Site, w: Window, action: str | None = None) -> None:
    """Record that window `w` changed (`action`: open, pause, resume, close, or None for its settings)."""
    kind = ev.WINDOW_EVENTS.get(action or "", ev.WindowChanged)
    uow.record(
        kind(site_id=site.id, window=window_ref(w), view=read_models.window_dict(uow.session, w))
    )
