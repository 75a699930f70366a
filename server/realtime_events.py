"""The realtime subscriber: committed domain events -> Socket.IO messages (API.md, Realtime).

This module alone knows the event names, their payloads, the rooms and the sentence a screen shows
for a call. It receives a committed transaction's events in the order their site numbers (`seq`)
were taken (see `storage.bus`) and sends them in that order.
"""

from __future__ import annotations

from typing import Any

from .engine import events as ev
from .services.queue.read_models import sentence
from .storage.uow import resolve

Message = tuple[str, dict[str, Any], str]


def site_room(site_id: int) -> str:
    """Every screen, clerk page and device of a hall."""
    return f"site:{site_id}"


def ticket_room(public_id: str) -> str:
    """The ticket's own status page (the QR code on the paper)."""
    return f"ticket:{public_id}"


def device_room(device_id: int) -> str:
    """One device (a kiosk hears its printer's news here)."""
    return f"device:{device_id}"


def messages(event: ev.Event) -> list[Message]:
    """The Socket.IO messages one committed event sends."""
    if isinstance(event, ev.Notice):
        return [(event.name, resolve(event.body), event.room)]
    if isinstance(event, ev.TicketCalled):
        t, w = event.ticket, event.window
        called = {
            "seq": event.seq,
            "ticket": {"id": t.id, "number": t.number, "service_id": t.service_id},
            "window": {"id": w.id, "number": w.number, "name": w.name},
            "recall": isinstance(event, ev.TicketRecalled),
            "text": sentence(event.template, t.number, w.number),
            "waiting": event.waiting,  # the counts after the call: no queue.changed follows it
        }
        # one call is one message to each screen of the hall (the counts ride on it); only the
        # ticket's own page (which follows no site seq) hears the ticket's update
        return [
            ("ticket.called", called, site_room(event.site_id)),
            ("ticket.updated", {"ticket": event.view}, ticket_room(t.public_id)),
        ]
    if isinstance(event, ev.TicketIssued):
        return []  # the hall hears the new counts (QueueChanged); the ticket's page is not open yet
    if isinstance(event, ev.TicketEvent):
        body = {"seq": event.seq, "ticket": event.view}
        return [
            ("ticket.updated", body, site_room(event.site_id)),
            ("ticket.updated", body, ticket_room(event.ticket.public_id)),
        ]
    if isinstance(event, ev.QueueChanged):
        return [
            (
                "queue.changed",
                {"seq": event.seq, "waiting": event.waiting},
                site_room(event.site_id),
            )
        ]
    if isinstance(event, ev.WindowEvent):
        return [
            ("window.changed", {"seq": event.seq, "window": event.view}, site_room(event.site_id))
        ]
    if isinstance(event, ev.PrintQueued):
        t = event.ticket
        paper: dict[str, Any] = {
            "ticket_id": t.id,
            "number": t.number,
            "public_id": t.public_id,
            "print_state": event.print_state,
            "error": None,
            "job_id": event.job_id,
        }
        return [("print.updated", paper, device_room(event.device_id))]
    return []
