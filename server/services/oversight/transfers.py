"""转出 and 转入 per report group, and the handling time a window spent on a visit it transferred.

A `transferred` event is stamped with the window (and clerk) that sent the ticket on and, since
the ticket's item may change with the transfer, with the item it goes to; the item it came from is
in its data. So:

- 转出 (transferred_out) of a window or clerk: the transfers it made; of an item or department: the
  transfers that took a ticket away from it to another item (department).
- 转入 (transferred_in) of a window or clerk: the transferred tickets it then called; of an item or
  department: the transfers that brought a ticket to it from another one.
- by day or hour: every transfer is one out and one in, on the day and hour it happened.

Transfers are few beside the other events, so they are read as rows and grouped here.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...storage.models import Service, TicketEvent

E = TicketEvent


def counts(s: Session, site_id: int, start: date, end: date, by: str) -> dict[Any, tuple[int, int]]:
    """(transferred_in, transferred_out) per group key of the summary's `by`."""
    nxt = aliased(E)
    first_call = (
        select(nxt.id)
        .where(nxt.ticket_id == E.ticket_id, nxt.type == "called", nxt.id > E.id)
        .order_by(nxt.id)
        .limit(1)
        .correlate(E)
        .scalar_subquery()
    )
    rows = s.execute(
        select(E, first_call).where(
            E.site_id == site_id, E.day.between(start, end), E.type == "transferred"
        )
    ).all()
    called_ids = [c for _, c in rows if c is not None]
    called = (
        {e.id: e for e in s.scalars(select(E).where(E.id.in_(called_ids)))} if called_ids else {}
    )
    dept = {}
    if by == "department":
        dept = {
            i: d
            for i, d in s.execute(
                select(Service.id, Service.department_id).where(Service.site_id == site_id)
            )
        }
    ins: Counter[Any] = Counter()
    outs: Counter[Any] = Counter()
    for e, call_id in rows:
        to_call = called.get(call_id) if call_id is not None else None
        from_service = (e.data or {}).get("from_service_id", e.service_id)
        if by in ("window", "staff"):
            attr = "window_id" if by == "window" else "staff_id"
            if getattr(e, attr) is not None:
                outs[getattr(e, attr)] += 1
            if to_call is not None and getattr(to_call, attr) is not None:
                ins[getattr(to_call, attr)] += 1
        elif by in ("service", "department"):
            src, dst = from_service, e.service_id
            if by == "department":
                src, dst = dept.get(src), dept.get(dst)
            if src != dst:
                outs[src] += 1
                ins[dst] += 1
        else:  # day, hour
            k = e.day if by == "day" else e.hour
            outs[k] += 1
            ins[k] += 1
    return {k: (ins.get(k, 0), outs.get(k, 0)) for k in set(ins) | set(outs) if k is not None}
