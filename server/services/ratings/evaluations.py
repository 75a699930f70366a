"""Satisfaction ratings (好差评): one per ticket, from the counter's evaluator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...engine.errors import (
    AlreadyEvaluated,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from ...engine.events import VisitRated
from ...engine.numbering import local_time
from ...engine.states import TicketState
from ...storage.models import Case, Evaluation, Site, Ticket
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models
from . import rating_settings

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
RATABLE = (TicketState.DONE, TicketState.PARKED)
DEFAULT_WINDOW_MIN = 30  # QUEUEHALL_EVALUATION_WINDOW_MIN


class EvaluationClosed(DomainError):
    """The visit is no longer the one at the counter, or finished too long ago, to be rated."""

    code = "evaluation_closed"
    status = 409


def rating_window(ctx: Context) -> timedelta:
    """How long after a visit ends its visitor may still rate it on the counter's tablet."""
    raw = ctx.config.get("EVALUATION_WINDOW_MIN", DEFAULT_WINDOW_MIN)
    try:
        minutes = float(raw)
    except (TypeError, ValueError):
        minutes = DEFAULT_WINDOW_MIN
    return timedelta(minutes=max(0.0, minutes))


def _check_open(s: Session, t: Ticket, today: date, now: datetime, window: timedelta) -> None:
    """Only the window's latest finished visit, within `window` of its end, is rated.

    The tablet sits at the counter: a rating is the visitor who was just served rating that
    visit, not anyone rating an old visit of this window later.
    """
    if t.finished_at is None or now - t.finished_at > window:
        minutes = int(window.total_seconds() // 60)
        raise EvaluationClosed(
            f"ticket {t.number} finished more than {minutes} minutes ago; it cannot be rated now",
            minutes=minutes,
        )
    later = s.scalar(
        select(Ticket.id)
        .where(
            Ticket.site_id == t.site_id,
            Ticket.day.in_({t.day, today}),  # the queue index, not a table scan
            Ticket.window_id == t.window_id,
            Ticket.state.in_([r.value for r in RATABLE]),
            Ticket.id != t.id,
            or_(
                Ticket.finished_at > t.finished_at,
                and_(Ticket.finished_at == t.finished_at, Ticket.id > t.id),
            ),
        )
        .limit(1)
    )
    if later is not None:
        raise EvaluationClosed(
            f"ticket {t.number} is no longer the latest visit at this counter; it cannot be rated now"
        )


def evaluate(
    ctx: Context, who: Principal, ticket_id: int, level: int, reason: str | None
) -> dict[str, Any]:
    """Record a visitor's rating of a finished visit; bad ratings need a reason and open a rectification."""
    if level not in LEVELS:
        raise InvalidInput("level must be 1 to 5", field="level")
    reason = (reason or "").strip() or None
    if level <= 2 and reason is None:
        raise InvalidInput("a rating of 不满意 or 非常不满意 needs a reason", field="reason")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t = s.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        if who.role != "evaluator" or t.window_id is None or t.window_id not in who.window_ids:
            raise Forbidden("only the evaluator of the window that served this ticket may rate it")
        if s.scalar(select(Evaluation.id).where(*of_visit(t))) is not None:
            raise AlreadyEvaluated(f"ticket {t.number} has already been rated")
        if t.state not in RATABLE:
            raise InvalidTransition(
                f"ticket {t.number} is {t.state}; only a finished visit can be rated"
            )
        site = s.get_one(Site, t.site_id)
        _check_open(s, t, read_models.today(site, now), now, rating_window(ctx))
        out = record(uow, site, t, level, reason, now, "counter", who.id)
        uow.commit()
        return out


def of_visit(t: Ticket) -> tuple[Any, ...]:
    """The conditions selecting the rating of the visit itself (not of the case it opened)."""
    return (Evaluation.ticket_id == t.id, Evaluation.case_id.is_(None))


def record(
    uow: Any,
    site: Site,
    t: Ticket,
    level: int,
    reason: str | None,
    now: datetime,
    channel: str,
    device_id: int | None,
    case: Case | None = None,
) -> dict[str, Any]:
    """Store a checked rating on either channel; a bad one opens its rectification with both clocks.

    The unique indexes are the one-rating rules: one per visit (ticket, no case) and one per case
    (办件送达后评价): a visit rated on the counter cannot be rated on the phone, nor the reverse,
    also when both arrive at the same moment. A case's rating counts for the item, window and clerk
    that accepted it (as the case figures do).
    """
    s = uow.session
    rated_on = local_time(now, site.timezone).date()
    bad = level <= 2
    ev = Evaluation(
        site_id=t.site_id,
        ticket_id=t.id,
        case_id=case.id if case is not None else None,
        service_id=case.service_id if case is not None else t.service_id,
        window_id=case.window_id if case is not None else t.window_id,
        staff_id=case.staff_id if case is not None else t.staff_id,
        device_id=device_id,
        level=level,
        reason=reason,
        at=now,
        day=rated_on,
        rectification="open" if bad else None,
        channel=channel,
        callback_due=rating_settings.due(site, rated_on, "callback_days") if bad else None,
        feedback_due=rating_settings.due(site, rated_on, "feedback_days") if bad else None,
    )
    what = f"case {case.number}" if case is not None else f"ticket {t.number}"
    s.add(ev)
    try:
        s.flush()
    except IntegrityError:  # the other channel won the race: the unit of work rolls back
        raise AlreadyEvaluated(f"{what} has already been rated") from None
    out = evaluation_dict(ev, t.number)
    uow.emit(
        "evaluation.created",
        {"seq": read_models.next_seq(s, site.id), "evaluation": out},
        f"site:{site.id}",
    )
    uow.record(
        VisitRated(
            site_id=site.id, evaluation_id=ev.id, ticket_id=t.id, level=level, channel=channel
        )
    )  # alerts (a bad rating) react to it after the commit
    uow.created(ev.id)
    return out


def evaluation_dict(e: Evaluation, number: str) -> dict[str, Any]:
    """The API shape of a rating."""
    return {
        "id": e.id,
        "ticket_id": e.ticket_id,
        "number": number,
        "level": e.level,
        "label": LEVELS[e.level],
        "reason": e.reason,
        "window_id": e.window_id,
        "staff_id": e.staff_id,
        "at": read_models.iso(e.at),
        "rectification": e.rectification,
        "channel": e.channel,
        "case_id": e.case_id,
        "callback_due": e.callback_due.isoformat() if e.callback_due else None,
        "feedback_due": e.feedback_due.isoformat() if e.feedback_due else None,
    }
