"""Read models: the JSON shapes of tickets, windows and the snapshot."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from ...engine.numbering import business_day
from ...engine.states import HELD_STATES
from ...storage import statements
from ...storage.models import Site, Staff, Ticket, TicketEvent, Window, WindowService
from ...storage.uow import of as uow_of

RECENT_CALLS = 10


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset, or None."""
    return dt.isoformat() if dt is not None else None


def today(site: Site, now: datetime) -> date:
    """The site's current business day."""
    return business_day(now, site.timezone, site.reset_hour)


def next_seq(session: Session, site_id: int) -> Any:
    """The site's next event number, allocated when the session's unit of work commits."""
    return uow_of(session).seq(site_id)


def waiting_counts(session: Session, site_id: int, day: date) -> dict[str, int]:
    """Waiting tickets per active service id (zeros included, so screens can clear).

    Read from `queue_counts`, which triggers on `tickets` keep (migration 0011), so the cost does
    not grow with the queue."""
    rows = session.connection().execute(
        statements.waiting_counts(), {"site_id": site_id, "day": day}
    )
    return {str(sid): n or 0 for sid, n in rows}


def waiting_ahead(session: Session, t: Ticket) -> int:
    """How many tickets would be called before `t`: its place in the real call order of the windows
    serving its item (services/queue/call_order.py), the number the ticket page and the notices share."""
    from . import call_order

    return call_order.ahead(session, t)


def ticket_dict(
    session: Session, t: Ticket, with_ahead: bool = True, ahead: int | None = None
) -> dict[str, Any]:
    """The API shape of a ticket (`ahead`, when the caller already knows it, spares a query)."""
    win = session.get(Window, t.window_id) if t.window_id else None
    return {
        "id": t.id,
        "public_id": t.public_id,
        "number": t.number,
        "state": t.state,
        "service_id": t.service_id,
        "priority": t.priority,
        "window_id": t.window_id,
        "window_number": win.number if win else None,
        "target_window_id": t.target_window_id,
        "first_window_id": t.first_window_id,
        "recall_count": t.recall_count,
        "transfer_count": t.transfer_count,
        "waiting_ahead": ahead
        if ahead is not None
        else (waiting_ahead(session, t) if with_ahead else 0),
        "issued_at": iso(t.issued_at),
        "queued_at": iso(t.queued_at),
        "called_at": iso(t.called_at),
        "started_at": iso(t.started_at),
        "finished_at": iso(t.finished_at),
        "outcome": t.outcome,
        "note": t.note,
        "print_state": t.print_state,
    }


@cache
def _window_services() -> Any:
    return select(WindowService.service_id, WindowService.weight).where(
        WindowService.window_id == bindparam("wid")
    )


def window_services(session: Session, window_id: int) -> dict[int, int]:
    """The items a window serves, with its weight for each."""
    rows = session.connection().execute(_window_services(), {"wid": window_id})
    return {int(sid): int(w) for sid, w in rows}


@cache
def _held() -> Any:
    held = [
        Ticket.state == s.value for s in HELD_STATES
    ]  # literals: an IN list would expand at each run
    return (
        select(Ticket.id, Ticket.number, Ticket.state, Ticket.service_id)
        .where(Ticket.window_id == bindparam("wid"), or_(*held))
        .limit(1)
    )


def held_ticket(session: Session, window_id: int) -> Any:
    """The ticket a window is busy with (called or serving), if any: its id, number, state, service_id."""
    return session.connection().execute(_held(), {"wid": window_id}).first()


def window_dict(session: Session, w: Window) -> dict[str, Any]:
    """The API shape of a window, with its clerk and current ticket."""
    current = held_ticket(session, w.id)
    staff = session.get(Staff, w.staff_id) if w.staff_id else None
    return {
        "id": w.id,
        "number": w.number,
        "name": w.name,
        "name_en": w.name_en,
        "kind": w.kind,
        "state": w.state,
        "pause_reason": w.pause_reason,
        "state_since": iso(w.state_since),
        "marquee": w.marquee,
        "active": w.active,
        "service_ids": sorted(window_services(session, w.id)),
        "weights": {str(k): v for k, v in window_services(session, w.id).items()},
        "staff": (
            {"id": staff.id, "name": staff.name, "badge": staff.badge, "photo": staff.photo}
            if staff is not None and w.state != "closed"
            else None
        ),
        "current": (
            {
                "id": current.id,
                "number": current.number,
                "service_id": current.service_id,
                "state": current.state,
            }
            if current is not None
            else None
        ),
    }


def call_payload(seq: Any, t: Ticket, w: Window, recall: bool, text: str) -> dict[str, Any]:
    """The `ticket.called` event body, exactly as API.md gives it."""
    return {
        "seq": seq,
        "ticket": {"id": t.id, "number": t.number, "service_id": t.service_id},
        "window": {"id": w.id, "number": w.number, "name": w.name},
        "recall": recall,
        "text": text,
    }


def call_text(site: Site, number: str, window_number: int) -> str:
    """The display sentence of a call from the hall's template."""
    return sentence(site.announce_template, number, window_number)


def sentence(template: str, number: str, window_number: int) -> str:
    """A call's sentence from a hall's template ("请{number}号到{window}号窗口办理")."""
    return template.format(number=number, window=window_number)


def recent_calls(session: Session, site: Site, day: date) -> list[dict[str, Any]]:
    """The latest calls and recalls of the day, newest first."""
    rows = session.execute(
        select(TicketEvent, Ticket, Window)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Window, Window.id == TicketEvent.window_id)
        .where(
            TicketEvent.site_id == site.id,
            TicketEvent.day == day,
            TicketEvent.type.in_(["called", "recalled"]),
        )
        .order_by(TicketEvent.id.desc())
        .limit(RECENT_CALLS)
    )
    # a snapshot's calls also say when they were made, so a screen back from an outage can tell
    # which ones it still ought to announce
    return [
        {
            **call_payload(
                ev.seq or 0, t, w, ev.type == "recalled", call_text(site, t.number, w.number)
            ),
            "at": iso(ev.at),
        }
        for ev, t, w in rows
    ]


def voice(site: Site) -> dict[str, Any]:
    """The hall's announcement settings, shared by the announcer and the screens' own audio."""
    extra = site.settings or {}
    # name "" and rate 150 leave the speech engine's own voice and speed (QUEUEHALL_TTS_VOICE)
    return {
        "repeat": int(extra.get("voice_repeat", 1)),
        "chime": bool(extra.get("voice_chime", True)),
        "name": str(extra.get("voice_name") or ""),
        "rate": int(extra.get("voice_rate") or 150),
    }


def snapshot(session: Session, site: Site, now: datetime) -> dict[str, Any]:
    """Everything a screen needs to draw itself from scratch.

    ``server_time`` lets a client age the calls by the server's clock, not its own.
    """
    seq = int(session.scalar(select(Site.seq).where(Site.id == site.id)) or 0)
    day = today(site, now)
    windows = session.scalars(
        select(Window).where(Window.site_id == site.id, Window.active).order_by(Window.number)
    )
    return {
        "seq": seq,
        "day": day.isoformat(),
        "site": {"id": site.id, "name": site.name, "name_en": site.name_en},
        "calls": recent_calls(session, site, day),
        "windows": [window_dict(session, w) for w in windows],
        "waiting": waiting_counts(session, site.id, day),
        "voice": voice(site),
        "server_time": iso(now),
    }
