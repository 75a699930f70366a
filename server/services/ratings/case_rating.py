"""办件送达后评价: the visitor rates a case once its result has been delivered (送达, at the window or by
post), from the ticket's page `/t/<public id>` that opened it.

The same rules as a visit's phone rating (five levels, a reason for 1 and 2, a bad rating opens its
rectification with both clocks) and the same period (`settings.rating_period_days` from delivery).
One rating per case on any channel: the unique `ux_evaluations_case` index, separate from the
visit's own rating (a visitor may rate the counter visit and, days later, the delivered case).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.cases import CaseState
from ...engine.errors import AlreadyEvaluated, NotFound
from ...storage.models import Case, Evaluation, Site, Ticket
from ..context import Context
from ..queue import read_models
from . import evaluations, phone_rating, rating_settings
from .evaluations import LEVELS, EvaluationClosed


def status(s: Session, site: Site, t: Ticket, now: datetime) -> dict[str, Any] | None:
    """What the ticket's page shows about rating its case: None without a case; else whether it can
    be rated now (delivered, within the period, not yet rated), until when, the rating given."""
    c = s.scalar(select(Case).where(Case.ticket_id == t.id))
    if c is None:
        return None
    ev = s.scalar(select(Evaluation).where(Evaluation.case_id == c.id))
    delivered = c.state == CaseState.DELIVERED.value and c.delivered_at is not None
    until = (
        c.delivered_at + phone_rating.period(site)
        if delivered and c.delivered_at is not None
        else None
    )
    return {
        "case_number": c.number,
        "open": ev is None and until is not None and now <= until,
        "until": read_models.iso(until),
        "given": None
        if ev is None
        else {
            "level": ev.level,
            "label": LEVELS[ev.level],
            "channel": ev.channel,
            "at": read_models.iso(ev.at),
        },
        **{
            k: v
            for k, v in phone_rating.rating_status(s, site, t, now).items()
            if k in ("reasons", "reasons_en")
        },
    }


def evaluate(ctx: Context, public_id: str, level: int, reason: str | None) -> dict[str, Any]:
    """Rate the delivered case of a ticket (level and reason already checked by the caller)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        c = s.scalar(select(Case).where(Case.ticket_id == t.id))
        if c is None:
            raise NotFound(f"ticket {t.number} opened no case")
        if s.scalar(select(Evaluation.id).where(Evaluation.case_id == c.id)) is not None:
            raise AlreadyEvaluated(f"case {c.number} has already been rated")
        site = s.get_one(Site, t.site_id)
        if c.state != CaseState.DELIVERED.value or c.delivered_at is None:
            raise EvaluationClosed(
                f"case {c.number} is {c.state}; it can be rated once its result is delivered",
                reason="not_delivered",
            )
        days = rating_settings.setting_days(site, "rating_period_days")
        if now > c.delivered_at + phone_rating.period(site):
            raise EvaluationClosed(
                f"case {c.number} was delivered more than {days} days ago; it can no longer be rated",
                reason="period_over",
                days=days,
            )
        out = evaluations.record(uow, site, t, level, reason, now, "phone", None, case=c)
        uow.commit()
        return {**out, "case_number": c.number}
