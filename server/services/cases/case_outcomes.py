"""The counter's outcome of a visit (issue 17): an in-transaction subscriber of a ticket's end.

Registered in create_app (`subscribe`): it runs inside the finish's unit of work, before its
commit, so a case opens with the finish or not at all, and bad input (an applicant without 受理)
refuses the finish itself. The queue's code does not know about cases.

- `done`: 即办件 completed on the spot; nothing more to record.
- `accepted`: 受理 of a promised item: a case opens (services/cases/cases.py) and the answer names it.
- `refused`: 不予受理, with its reason (the ticket's finish already requires one).
- `parked`: 补正: the missing materials (from the item's list, or free text) and a note go into the
  ticket's `parked` event, which the 一次性告知书 and the visitor's page read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ...engine import events as ev
from ...engine.errors import InvalidInput
from ...storage.models import Site, Ticket, Window
from ...storage.uow import UnitOfWork
from ..access.principal import Principal
from . import cases


def on_ended(uow: UnitOfWork, events: Sequence[ev.Event]) -> None:
    """The subscriber (`TicketEnded`, in the transaction): what each outcome needs, the opened case
    added to the answer (`view["case"]`) and its number to the log row (`log`)."""
    s = uow.session
    for e in events:
        if not isinstance(e, ev.TicketEnded) or e.at is None:
            continue
        t = s.get_one(Ticket, e.ticket.id)  # locked and changed by the command: no query
        site = s.get_one(Site, e.site_id)
        w = s.get(Window, t.window_id) if t.window_id else None
        opened = on_finish(uow, site, t, w, e.by, e.at, e.details, e.log)
        if opened is not None:
            e.view["case"] = opened


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
