"""The counter's outcome of a visit (issue 17), called from the ticket's finish in its unit of work.

- `done`: 即办件 completed on the spot; nothing more to record.
- `accepted`: 受理 of a promised item: a case opens (services/cases.py) and the answer names it.
- `refused`: 不予受理, with its reason (the ticket's finish already requires one).
- `parked`: 补正: the missing materials (from the item's list, or free text) and a note go into the
  ticket's `parked` event, which the 一次性告知书 and the visitor's page read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..engine.errors import InvalidInput
from ..storage.models import Site, Ticket, Window
from ..storage.uow import UnitOfWork
from . import cases
from .principal import Principal


def on_finish(
    uow: UnitOfWork,
    site: Site,
    t: Ticket,
    w: Window | None,
    who: Principal,
    now: datetime,
    case_input: dict[str, Any],
    data: dict[str, Any],
) -> dict[str, Any] | None:
    """Record what the outcome needs; the opened case's summary for `accepted`, else None."""
    if t.outcome == "accepted":
        opened = cases.open_case(uow, site, t, w, who, now, case_input.get("applicant") or {})
        data["case_id"], data["case_number"] = opened["id"], opened["number"]
        return opened
    if case_input.get("applicant"):
        raise InvalidInput("an applicant is recorded only with an accepted case", field="applicant")
    if t.outcome == "parked":
        materials = [m.strip() for m in case_input.get("materials") or [] if m and m.strip()]
        if materials:
            data["materials"] = materials
        note = (case_input.get("note") or "").strip()
        if note:
            data["note"] = note
    elif case_input.get("materials"):
        raise InvalidInput(
            "missing materials are recorded only when parking (补正)", field="materials"
        )
    return None
