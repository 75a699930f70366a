"""Manual scores of the monthly assessment: the center's leadership (中心负责人评分) and each
department's window manager (各单位窗口管理人员评分) score windows, clerks and departments."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ...engine.errors import InvalidInput
from ...storage.models import Department, Staff, Window
from ...storage.models_ratings import AssessmentScore
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
KINDS: dict[str, Any] = {"window": Window, "staff": Staff, "department": Department}


def score_dict(r: AssessmentScore) -> dict[str, Any]:
    """The API shape of a manual score."""
    return {
        "id": r.id,
        "month": r.month,
        "subject": {"kind": r.subject_kind, "id": r.subject_id},
        "rater": r.rater,
        "score": r.score,
        "comment": r.comment,
        "by": r.by_name,
        "at": read_models.iso(r.at),
    }


def put(
    ctx: Context,
    who: Principal,
    month: str,
    kind: str,
    subject_id: int,
    rater: str,
    score: int,
    comment: str,
) -> dict[str, Any]:
    """Enter or replace one rater's score of a subject for a month (supervisors and admins)."""
    if not (who.is_staff and who.is_supervisor):
        raise Forbidden("assessment scores are entered by supervisors and admins")
    if not MONTH.match(month):
        raise InvalidInput("month: YYYY-MM", field="month", reason="month")
    if kind == "department" and rater == "department":
        raise InvalidInput(
            "rater: a department is scored by the center",
            field="rater",
            reason="choice",
            params={"choices": "center"},
        )
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("comment: say why this score", field="comment", reason="note_required")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        model = KINDS[kind]
        found = s.scalar(select(model.site_id).where(model.id == subject_id))
        if found != who.site_id:
            raise InvalidInput(
                f"subject: no {kind} {subject_id}", field="subject.id", reason="subject_unknown"
            )
        row = s.scalar(
            select(AssessmentScore)
            .where(
                AssessmentScore.site_id == who.site_id,
                AssessmentScore.month == month,
                AssessmentScore.subject_kind == kind,
                AssessmentScore.subject_id == subject_id,
                AssessmentScore.rater == rater,
            )
            .with_for_update()
        )
        if row is None:
            row = AssessmentScore(
                site_id=who.site_id,
                month=month,
                subject_kind=kind,
                subject_id=subject_id,
                rater=rater,
            )
            s.add(row)
        row.score, row.comment, row.by, row.by_name, row.at = (
            score,
            comment[:500],
            who.id,
            who.name,
            now,
        )
        s.flush()
        out = score_dict(row)
        uow.commit()
        return out


def listing(ctx: Context, who: Principal, month: str) -> list[dict[str, Any]]:
    """The manual scores of a month."""
    if not who.is_supervisor:
        raise Forbidden("assessment scores are for supervisors and admins")
    if not MONTH.match(month):
        raise InvalidInput("month: YYYY-MM", field="month", reason="month")
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(AssessmentScore)
            .where(AssessmentScore.site_id == who.site_id, AssessmentScore.month == month)
            .order_by(
                AssessmentScore.subject_kind, AssessmentScore.subject_id, AssessmentScore.rater
            )
        )
        return [score_dict(r) for r in rows]
