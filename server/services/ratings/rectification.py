"""Rectification (整改) of bad ratings: a supervisor follows each 不满意 / 非常不满意 to its end.

A bad rating starts `open` with two clocks in the hall's working days: 回访 (call the visitor
back, `settings.callback_days`, default 1) and 整改反馈 (`settings.feedback_days`, default 5). A
supervisor or admin moves it to `in_progress` (a note on what is being done), `done` (what was
done) or `closed` (why it needs nothing more); 回访 records and the clerk's 申诉 are in
services/ratings/rectification_steps.py. Each change keeps who and when on the rating and in its history;
the API call itself is in the audit log. It closes only after a 回访 is recorded, and a closed
rectification is final; a done one goes back to in progress only when the latest 回访 found the
visitor did not accept the explanation.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput, InvalidTransition, NotFound
from ...logmask import mask, mask_deep
from ...storage.models import Case, Evaluation, Service, Site, Staff, Ticket, Window
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models
from .evaluations import LEVELS

STATUSES = ("open", "in_progress", "done", "closed")
NEXT = {
    "open": {"in_progress", "done", "closed"},
    "in_progress": {"in_progress", "done", "closed"},
    "done": {"in_progress", "closed"},
    "closed": set(),
}
NEEDS_NOTE = {"done", "closed"}
ROOM_SITE = "site:{}"


def overdue_steps(e: Evaluation, today: date) -> list[str]:
    """The steps past their deadline: `callback` (no 回访 after its day), `feedback` (not done or
    closed after the 整改反馈 day)."""
    late = []
    if e.callback_due is not None and not e.callbacks and today > e.callback_due:
        late.append("callback")
    if (
        e.feedback_due is not None
        and (e.rectification or "open") in ("open", "in_progress")
        and today > e.feedback_due
    ):
        late.append("feedback")
    return late


def _rows(
    s: Session, where: list[Any], limit: int | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    q = (
        select(
            Evaluation,
            Ticket.number,
            Service.name,
            Window.number,
            Staff.name,
            Case.number,
            Service.name_en,
        )
        .join(Ticket, Ticket.id == Evaluation.ticket_id)
        .outerjoin(Case, Case.id == Evaluation.case_id)
        .join(Service, Service.id == Evaluation.service_id)
        .outerjoin(Window, Window.id == Evaluation.window_id)
        .outerjoin(Staff, Staff.id == Evaluation.staff_id)
        .where(Evaluation.level <= 2, *where)
        .order_by(Evaluation.at.desc(), Evaluation.id.desc())
    )
    if limit is not None:
        q = q.limit(limit)
    found = s.execute(q).all()
    by_ids = {e.rectified_by for e, *_ in found if e.rectified_by}
    names = (
        {i: n for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(by_ids)))}
        if by_ids
        else {}
    )
    return [
        {
            **row_dict(e, num, sname, wnum, stname, names.get(e.rectified_by or -1)),
            "overdue": overdue_steps(e, today) if today is not None else [],
            "case_number": case_number,  # a rating of a delivered case (办件送达后评价), else None
            "service_en": sname_en or sname,  # for pages in English
        }
        for e, num, sname, wnum, stname, case_number, sname_en in found
    ]


def row_dict(
    e: Evaluation,
    number: str,
    service: str,
    window: int | None,
    staff: str | None,
    rectified_by_name: str | None,
) -> dict[str, Any]:
    """A bad rating with its rectification: status, note, who and when, history."""
    return {
        "id": e.id,
        "day": e.day.isoformat(),
        "at": read_models.iso(e.at),
        "ticket_id": e.ticket_id,
        "number": number,
        "service": service,
        "window": window,
        "staff": staff,
        "level": e.level,
        "reason": mask(e.reason) if e.reason else e.reason,
        "rectification": e.rectification or "open",
        "rectification_note": mask(e.rectification_note or ""),
        "rectified_by": rectified_by_name or "",
        "rectified_by_id": e.rectified_by,
        "rectified_at": read_models.iso(e.rectified_at),
        "history": mask_deep(list(e.rectification_log or [])),
        "channel": e.channel,
        "case_id": e.case_id,
        "callback_due": e.callback_due.isoformat() if e.callback_due else None,
        "feedback_due": e.feedback_due.isoformat() if e.feedback_due else None,
        "callbacks": mask_deep(list(e.callbacks or [])),
        "appeal": mask_deep(e.appeal),
        # the names the clerk page's list has always read
        "label": LEVELS[e.level],
        "window_id": e.window_id,
        "window_number": window,
        "staff_id": e.staff_id,
        "staff_name": staff,
    }


def in_range(
    s: Session, site_id: int, start: date, end: date, today: date | None = None
) -> list[dict[str, Any]]:
    """Bad ratings of the days `start`..`end`, newest first (with their overdue steps as of `today`)."""
    return _rows(
        s, [Evaluation.site_id == site_id, Evaluation.day.between(start, end)], today=today
    )


def listing(s: Session, site_id: int, today: date, overdue_only: bool) -> list[dict[str, Any]]:
    """Bad ratings still open or in progress (any age) and those of the last 90 days, newest first,
    each with its overdue steps; `overdue_only` keeps those with a step past its deadline."""
    rows = _rows(
        s,
        [
            Evaluation.site_id == site_id,
            Evaluation.rectification.in_(("open", "in_progress"))
            | Evaluation.rectification.is_(None)
            | (Evaluation.day >= today - timedelta(days=90)),
        ],
        today=today,
    )
    return [r for r in rows if r["overdue"]] if overdue_only else rows


def pending(
    s: Session, site_id: int, today: date, days: int = 31, limit: int = 50
) -> list[dict[str, Any]]:
    """Bad ratings of the last `days` days still open or in progress, newest first (for the monitor)."""
    return _rows(
        s,
        [
            Evaluation.site_id == site_id,
            Evaluation.day >= today - timedelta(days=days),
            Evaluation.rectification.in_(("open", "in_progress"))
            | Evaluation.rectification.is_(None),
        ],
        limit,
        today,
    )


def update(
    ctx: Context, who: Principal, evaluation_id: int, status: str, note: str | None
) -> dict[str, Any]:
    """Move a bad rating's rectification on (supervisors and admins); pushes `rectification.changed`."""
    if not (who.is_staff and who.is_supervisor):
        raise Forbidden("rectification is for supervisors and admins")
    if status not in STATUSES[1:]:
        raise InvalidInput(
            "status must be in_progress, done or closed",
            field="status",
            reason="choice",
            params={"choices": "in_progress, done, closed"},
        )
    note = (note or "").strip()
    if status in NEEDS_NOTE and not note:
        raise InvalidInput(
            f"note: say what was done or why it is {status}", field="note", reason="note_required"
        )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        e = s.scalar(select(Evaluation).where(Evaluation.id == evaluation_id).with_for_update())
        if e is None or e.site_id != who.site_id or e.level > 2:
            raise NotFound(f"no bad rating {evaluation_id}")
        before = e.rectification or "open"
        if status not in NEXT[before]:
            raise InvalidTransition(
                f"a rectification that is {before} cannot become {status}",
                state=before,
                reason="rectification_" + before,
            )
        if status == "closed" and not e.callbacks:
            raise InvalidTransition(
                "record the 回访 (call the visitor back) before closing",
                state=before,
                reason="callback_required",
            )
        if (
            before == "done"
            and status == "in_progress"
            and (not e.callbacks or e.callbacks[-1].get("accepted"))
        ):
            raise InvalidTransition(
                "a done rectification is reopened only when the visitor, called back, did not "
                "accept it",
                state=before,
                reason="reopen_needs_callback",
            )
        e.rectification, e.rectified_by, e.rectified_at = status, who.id, now
        if note:
            e.rectification_note = note[:500]
        e.rectification_log = [
            *(e.rectification_log or []),
            {
                "from": before,
                "status": status,
                "note": note[:500],
                "by": who.id,
                "by_name": who.name,
                "at": read_models.iso(now),
            },
        ]
        s.flush()
        site = s.get_one(Site, e.site_id)
        row = _rows(s, [Evaluation.id == e.id], today=read_models.today(site, now))[0]
        uow.emit(
            "rectification.changed",
            {"seq": read_models.next_seq(s, site.id), "rectification": row},
            ROOM_SITE.format(site.id),
        )
        uow.commit()
        return row
