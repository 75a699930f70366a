"""好差评 from the visitor's phone: the ticket's page `/t/<public id>` rates the visit it belongs to.

The same rules as the counter's evaluator (levels, reasons for 1 and 2, one rating per visit on any
channel, a bad rating opens its rectification), but the phone may rate any time from the end of the
visit until the hall's rating period (`settings.rating_period_days`, default 3 days) has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import AlreadyEvaluated, InvalidInput, NotFound
from ...storage.models import Evaluation, Site, Ticket
from ..context import Context
from ..queue import read_models
from . import evaluations, rating_settings, reason_words
from .evaluations import LEVELS, RATABLE, EvaluationClosed

# reason chips offered for 不满意 / 非常不满意 when the hall has set none (settings["evaluation_reasons"],
# the same list the counter's evaluator offers)
REASONS = ("等候时间长", "办理效率低", "服务态度差", "一次告知不清", "材料要求多", "环境设施差")


def period(site: Site) -> timedelta:
    """How long after a visit ends its visitor may rate it from the phone."""
    return timedelta(days=rating_settings.setting_days(site, "rating_period_days"))


def rating_status(s: Session, site: Site, t: Ticket, now: datetime) -> dict[str, Any]:
    """What the ticket's page shows about rating: whether it can be rated now, until when, the rating given."""
    ev = s.scalar(select(Evaluation).where(*evaluations.of_visit(t)))
    ended = t.state in RATABLE and t.finished_at is not None
    reasons = [str(r) for r in (site.settings or {}).get("evaluation_reasons") or REASONS]
    until = t.finished_at + period(site) if ended and t.finished_at is not None else None
    given = (
        None
        if ev is None
        else {
            "level": ev.level,
            "label": LEVELS[ev.level],
            "channel": ev.channel,
            "at": read_models.iso(ev.at),
        }
    )
    return {
        "open": ev is None and until is not None and now <= until,
        "until": read_models.iso(until),
        "given": given,
        "reasons": reasons,
        "reasons_en": reason_words.english_list(reasons, site.settings),  # the chips in English
    }


def _check_level(level: int, reason: str | None) -> str | None:
    if level not in LEVELS:
        raise InvalidInput("level must be 1 to 5", field="level")
    reason = (reason or "").strip() or None
    if level <= 2 and reason is None:
        raise InvalidInput(
            "a rating of 不满意 or 非常不满意 needs a reason",
            field="reason",
            reason="reason_required",
        )
    return reason


def evaluate(
    ctx: Context, public_id: str, level: int, reason: str | None, subject: str = "visit"
) -> dict[str, Any]:
    """Rate a finished visit (or, with `subject="case"`, the case it opened once delivered) from its
    ticket's page (anyone holding the public id)."""
    reason = _check_level(level, reason)
    if subject == "case":
        from . import case_rating  # it reads this module's period and reasons

        return case_rating.evaluate(ctx, public_id, level, reason)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        if s.scalar(select(Evaluation.id).where(*evaluations.of_visit(t))) is not None:
            raise AlreadyEvaluated(f"ticket {t.number} has already been rated")
        site = s.get_one(Site, t.site_id)
        if t.state not in RATABLE or t.finished_at is None:
            raise EvaluationClosed(
                f"ticket {t.number} is {t.state}; a visit can be rated once it has ended",
                reason="not_ended",
            )
        days = rating_settings.setting_days(site, "rating_period_days")
        if now > t.finished_at + period(site):
            raise EvaluationClosed(
                f"ticket {t.number} ended more than {days} days ago; it can no longer be rated",
                reason="period_over",
                days=days,
            )
        out = evaluations.record(uow, site, t, level, reason, now, "phone", None)
        uow.commit()
        return out
