"""预约 at the hall (issue 19): kiosk check-in, the booked call order, and 爽约.

A checked-in booking is an ordinary ticket of its item whose row in `appointments` names it. While
its slot's call window is on (settings call_before_min / call_after_min) a window calls it ahead
of the queue, except that after `booked_ratio` booked calls in a row a waiting walk-in goes first.
A booking nobody checked in for is the visitor's 爽约: recorded on the booking, never as a ticket
event, so no clerk's figures carry it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, update
from sqlalchemy.orm import Session

from ..engine import booking, ordering
from ..engine.errors import Conflict, DomainError, NotFound
from ..engine.states import Priority, TicketState
from ..storage.models import Appointment, Site, Ticket, TicketEvent
from . import idcard, tickets
from .appointments import check_phone, local_iso
from .booking_settings import site_settings
from .context import Context
from .principal import Forbidden, Principal


class TooEarly(DomainError):
    code = "too_early"


class TooLate(DomainError):
    code = "too_late"


def sweep_no_shows(ctx: Context, site_id: int) -> int:
    """Record 爽约 for bookings whose check-in time is over; how many (the visitor's, not a clerk's)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        late = timedelta(minutes=site_settings(s.get_one(Site, site_id))["checkin_late_min"])
        n = s.execute(
            update(Appointment)
            .where(
                Appointment.site_id == site_id,
                Appointment.state == "booked",
                Appointment.start < now - late,
            )
            .values(state="no_show")
        ).rowcount  # type: ignore[attr-defined]
        uow.commit()
        return int(n or 0)


def _find(
    s: Session, site_id: int, code: str | None, phone: str | None, digest: str | None, day: date
) -> Appointment:
    q = select(Appointment).where(Appointment.site_id == site_id)
    if code:
        q = q.where(Appointment.code == code)
    else:
        who = (
            Appointment.id_digest == digest
            if digest
            else Appointment.phone == check_phone(phone or "")
        )
        q = q.where(who, Appointment.day == day, Appointment.state == "booked").order_by(
            Appointment.start
        )
    a = s.scalars(q.limit(1)).first()
    if a is None:
        raise NotFound("no booking with this code" if code else "no booking today for this visitor")
    return a


def check_in(
    ctx: Context,
    who: Principal,
    code: str | None = None,
    phone: str | None = None,
    card: str | None = None,
) -> dict[str, Any]:
    """A kiosk turns a booking into a ticket marked as booked; 409 too_early / too_late say what to do."""
    if who.role != "kiosk" and not who.is_staff:
        raise Forbidden("only kiosks and staff check bookings in")
    now = ctx.clock.now()
    digest = idcard.digest_from_card(ctx, who.id, card) if card else None  # a swiped ID card
    with ctx.uow() as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        conf = site_settings(site)
        a = _find(s, site.id, code, phone, digest, now.astimezone(tickets_zone(site)).date())
        if a.state == "checked_in":
            raise Conflict("this booking is already checked in", state=a.state)
        if (
            a.state in ("cancelled", "no_show", "late")
            or a.day != now.astimezone(tickets_zone(site)).date()
        ):
            raise Conflict(
                f"this booking is {a.state if a.state != 'booked' else 'for another day'}",
                state=a.state,
                day=a.day.isoformat(),
            )
        verdict = booking.check_in_verdict(
            now, a.start, a.end, conf["checkin_early_min"], conf["checkin_late_min"]
        )
        if verdict == "too_early":
            opens = a.start - timedelta(minutes=conf["checkin_early_min"])
            raise TooEarly(
                f"check-in opens at {local_iso(site, opens)[11:16]}; please come back then",
                opens_at=local_iso(site, opens),
                start=local_iso(site, a.start),
            )
        if verdict == "too_late":
            s.execute(
                update(Appointment)
                .where(Appointment.id == a.id, Appointment.state == "booked")
                .values(state="late")
            )
            uow.commit()  # a late visitor came: not 爽约
            raise TooLate(
                "the booked slot has passed; take an ordinary ticket for this item",
                service_id=a.service_id,
                start=local_iso(site, a.start),
            )
        appointment_id, start = a.id, a.start
        service_id, out_code = a.service_id, a.code

    def vouch(s2: Session, _site: Site, t: Ticket, at: datetime) -> None:
        claimed = s2.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id, Appointment.state == "booked")
            .values(state="checked_in", ticket_id=t.id, checked_in_at=at)
        ).rowcount  # type: ignore[attr-defined]
        if claimed != 1:
            raise Conflict("this booking was checked in a moment ago", state="checked_in")

    out = tickets.issue(ctx, who, service_id, "normal", vouch=vouch)
    with ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, who.site_id)
        out["appointment"] = {"code": out_code, "start": local_iso(site, start)}
    return out


def tickets_zone(site: Site) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(site.timezone)


def _waiting_unbooked_targets() -> Any:
    """Waiting tickets of a hall's day (`:site_id`, `:day`) for the window's items (`:services`)
    that no window was named for."""
    return and_(
        Ticket.site_id == bindparam("site_id"),
        Ticket.day == bindparam("day"),
        Ticket.state == TicketState.WAITING.value,
        Ticket.target_window_id.is_(None),
        Ticket.service_id.in_(bindparam("services", expanding=True)),
    )


# Every call-next asks these, and building them cost more than SQLite takes to run them: built once
# with bind parameters, like storage/statements.py.


@cache
def _booked_head(skip: bool) -> Any:
    """The first checked-in booking whose call window is on (`:start_by`, `:end_from`)."""
    q = (
        select(Ticket.id, Ticket.service_id, Ticket.priority, Ticket.issued_at)
        .join(Appointment, Appointment.ticket_id == Ticket.id)
        .where(
            _waiting_unbooked_targets(),
            Appointment.start <= bindparam("start_by"),
            Appointment.end >= bindparam("end_from"),
        )
        .order_by(Appointment.start, Ticket.issued_at, Ticket.id)
    )
    if skip:
        q = q.where(Ticket.id.notin_(bindparam("skip", expanding=True)))
    return q.limit(1)


@cache
def _walk_in_waiting() -> Any:
    return select(
        exists().where(
            _waiting_unbooked_targets(), ~exists().where(Appointment.ticket_id == Ticket.id)
        )
    )


@cache
def _last_calls() -> Any:
    """The window's (`:window_id`) last `:n` calls of `:day`, newest first, with their booking if any."""
    return (
        select(TicketEvent.ticket_id, Appointment.id)
        .outerjoin(Appointment, Appointment.ticket_id == TicketEvent.ticket_id)
        .where(
            TicketEvent.window_id == bindparam("window_id"),
            TicketEvent.day == bindparam("day"),
            TicketEvent.type == "called",
        )
        .order_by(TicketEvent.id.desc())
        .limit(bindparam("n"))
    )


def booked_streak(s: Session, window_id: int, day: date, ratio: int) -> int:
    """How many of the window's last calls today, in a row, were booked tickets."""
    if ratio <= 0:
        return 0
    rows = s.execute(_last_calls(), {"window_id": window_id, "day": day, "n": ratio}).all()
    streak = 0
    for _tid, appt in rows:
        if appt is None:
            break
        streak += 1
    return streak


def booked_pick(
    s: Session,
    site: Site,
    window_id: int,
    weights: dict[int, int],
    day: date,
    now: datetime,
    skip: set[int],
    cands: list[ordering.Candidate],
) -> ordering.Candidate | None:
    """The booked ticket a window calls ahead of the queue now, or None (then the usual order).

    Tickets transferred to this very window still go first."""
    if not weights or any(c.target_window_id == window_id for c in cands):
        return None
    conf = site_settings(site)
    params: dict[str, Any] = {"site_id": site.id, "day": day, "services": list(weights)}
    row = s.execute(
        _booked_head(bool(skip)),
        {
            **params,
            "start_by": now + timedelta(minutes=conf["call_before_min"]),
            "end_from": now - timedelta(minutes=conf["call_after_min"]),
            **({"skip": sorted(skip)} if skip else {}),
        },
    ).first()
    if row is None:
        return None
    ratio = conf["booked_ratio"]
    walk_in = bool(s.scalar(_walk_in_waiting(), params))
    if not booking.booked_first(booked_streak(s, window_id, day, ratio), ratio, walk_in):
        return None
    return ordering.Candidate(row[0], row[1], Priority(row[2]), row[3], None)
