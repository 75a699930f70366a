"""The steps of a bad rating's rectification besides its status: the 回访 and the clerk's 申诉.

- 回访: a supervisor calls the visitor back and records who, when, what the visitor said and whether
  they accept the explanation. The rectification closes only after one (services/ratings/rectification.py).
- 申诉: the clerk rated (or a supervisor for them) appeals once with a reason; a supervisor upholds or
  rejects it with a note. An upheld appeal takes the rating out of that clerk's and window's
  assessment (the rating stays in the hall's figures: the visitor did say it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import InvalidInput, InvalidTransition, NotFound
from ...storage.models import Evaluation, Site
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models
from . import rectification


def _load(s: Session, who: Principal, rating_id: int) -> Evaluation:
    e = s.scalar(select(Evaluation).where(Evaluation.id == rating_id).with_for_update())
    if e is None or e.site_id != who.site_id or e.level > 2:
        raise NotFound(f"no bad rating {rating_id}")
    return e


def _log(e: Evaluation, who: Principal, now: datetime, step: str, note: str) -> None:
    status = e.rectification or "open"
    e.rectification_log = [
        *(e.rectification_log or []),
        {
            "from": status,
            "status": status,
            "step": step,
            "note": note[:500],
            "by": who.id,
            "by_name": who.name,
            "at": read_models.iso(now),
        },
    ]


def _done(uow: Any, e: Evaluation, now: datetime) -> dict[str, Any]:
    s = uow.session
    s.flush()
    site = s.get_one(Site, e.site_id)
    row = rectification._rows(s, [Evaluation.id == e.id], today=read_models.today(site, now))[0]
    uow.emit(
        "rectification.changed",
        {"seq": read_models.next_seq(s, site.id), "rectification": row},
        rectification.ROOM_SITE.format(site.id),
    )
    uow.commit()
    return row


def callback(
    ctx: Context, who: Principal, rating_id: int, accepted: bool, note: str | None
) -> dict[str, Any]:
    """Record a 回访 of the visitor (supervisors and admins): what they said, whether they accept."""
    if not (who.is_staff and who.is_supervisor):
        raise Forbidden("回访 is recorded by supervisors and admins")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("note: say what the visitor said", field="note", reason="note_required")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        e = _load(uow.session, who, rating_id)
        if (e.rectification or "open") == "closed":
            raise InvalidTransition(
                "this rectification is closed", state="closed", reason="rectification_closed"
            )
        e.callbacks = [
            *(e.callbacks or []),
            {
                "by": who.id,
                "by_name": who.name,
                "at": read_models.iso(now),
                "accepted": bool(accepted),
                "note": note[:500],
            },
        ]
        _log(e, who, now, "callback", note)
        return _done(uow, e, now)


def appeal(ctx: Context, who: Principal, rating_id: int, reason: str) -> dict[str, Any]:
    """The rated clerk's 申诉 (once per rating); a supervisor may file it for them."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "reason: say why the rating is not fair", field="reason", reason="reason_required"
        )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        e = _load(uow.session, who, rating_id)
        if not who.is_staff or not (who.is_supervisor or e.staff_id == who.id):
            raise Forbidden("only the clerk rated, or a supervisor, may appeal this rating")
        if e.appeal:
            raise InvalidTransition("this rating has already been appealed", reason="appeal_exists")
        e.appeal = {
            "by": who.id,
            "by_name": who.name,
            "at": read_models.iso(now),
            "reason": reason[:500],
            "decision": None,
            "decided_by": None,
            "decided_at": None,
            "note": "",
        }
        _log(e, who, now, "appeal", reason)
        return _done(uow, e, now)


def decide(
    ctx: Context, who: Principal, rating_id: int, upheld: bool, note: str | None
) -> dict[str, Any]:
    """A supervisor's decision on a 申诉: upheld (the rating leaves the clerk's assessment) or rejected."""
    if not (who.is_staff and who.is_supervisor):
        raise Forbidden("appeals are decided by supervisors and admins")
    note = (note or "").strip()
    if not note:
        raise InvalidInput(
            "note: give the reason for the decision", field="note", reason="note_required"
        )
    now = ctx.clock.now()
    with ctx.uow() as uow:
        e = _load(uow.session, who, rating_id)
        if not e.appeal:
            raise InvalidTransition("this rating has not been appealed", reason="no_appeal")
        if e.appeal.get("decision"):
            raise InvalidTransition("this appeal has already been decided", reason="appeal_decided")
        if e.appeal.get("by") == who.id:
            raise Forbidden("an appeal is decided by someone other than who filed it")
        e.appeal = {
            **e.appeal,
            "decision": "upheld" if upheld else "rejected",
            "decided_by": who.name,
            "decided_at": read_models.iso(now),
            "note": note[:500],
        }
        _log(e, who, now, "appeal_" + ("upheld" if upheld else "rejected"), note)
        return _done(uow, e, now)


def overdue(ctx: Context, who: Principal, overdue_only: bool) -> list[dict[str, Any]]:
    """Bad ratings with their steps and deadlines; `overdue_only` keeps those past a deadline."""
    if not who.is_supervisor:
        raise Forbidden("rectification is for supervisors and admins")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        return rectification.listing(s, site.id, read_models.today(site, now), overdue_only)


def alert_candidates(s: Session, site: Site, today: date) -> list[dict[str, Any]]:
    """Alerts for the live monitor: each 差评 whose 回访 or 整改反馈 is past its day, and each complaint
    not answered by its deadline (raised once each, see services/oversight/alerts.py)."""
    from ...storage.models_ratings import Complaint

    out: list[dict[str, Any]] = []
    for row in rectification.listing(s, site.id, today, overdue_only=True):
        for step in row["overdue"]:
            due = row["callback_due"] if step == "callback" else row["feedback_due"]
            what = "回访" if step == "callback" else "整改反馈"
            out.append(
                {
                    "key": f"rect-{step}:{row['id']}",
                    "kind": f"{step}_overdue",
                    "severity": "bad",
                    "window_id": row["window_id"],
                    "staff_id": row["staff_id"],
                    "ticket_id": row["ticket_id"],
                    "message": f"{row['number']}的差评（{row['label']}）{what}已超期（期限{due}）",
                    "data": {
                        "number": row["number"],
                        "step": step,
                        "due": due,
                        "evaluation_id": row["id"],
                    },
                }
            )
    for c in s.scalars(
        select(Complaint).where(
            Complaint.site_id == site.id,
            Complaint.reply.is_(None),
            Complaint.state != "closed",
            Complaint.due < today,
        )
    ):
        label = "投诉" if c.category == "complaint" else "建议"
        out.append(
            {
                "key": f"complaint-late:{c.id}",
                "kind": "complaint_overdue",
                "severity": "bad",
                "message": f"{label}{c.number}未在期限（{c.due.isoformat()}）内答复",
                "data": {"number": c.number, "due": c.due.isoformat(), "complaint_id": c.id},
            }
        )
    return out
