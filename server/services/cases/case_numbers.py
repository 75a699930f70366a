"""Case numbers (issue 17): XL<acceptance day>-NNNN, per site and day, gapless and never reused.

Like ticket numbers, the day's counter is bumped by one atomic statement (INSERT … ON CONFLICT DO
UPDATE … RETURNING) in the case's own transaction, so a rolled-back acceptance uses no number and
two counters never hand out the same one.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...storage.models import CaseCounter


@cache
def _bump_stmt(dialect: str) -> Any:
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CaseCounter)
    return (
        ins.values(site_id=bindparam("site_id"), day=bindparam("day"), value=1)
        .on_conflict_do_update(
            index_elements=["site_id", "day"], set_={"value": CaseCounter.value + 1}
        )
        .returning(CaseCounter.value)
    )


def next_number(s: Session, site_id: int, day: date) -> int:
    """The day's next case number, in one atomic statement (gapless: it rolls back with the case)."""
    return int(
        s.execute(
            _bump_stmt(s.get_bind().dialect.name), {"site_id": site_id, "day": day}
        ).scalar_one()
    )
