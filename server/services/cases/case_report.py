"""Case figures of the reports (issue 17), computed from the case events and the ticket log.

Definitions (also written on the reports page):

- 受理 `accepted`: cases opened (受理) in the period, by acceptance day.
- 即办 `instant_done`: visits finished at the counter with outcome `done` (即收即办) in the period.
- 不予受理 `refused`: visits finished with outcome `refused`; never a case, never 办结.
- 办结 `cases_completed`: cases decided in the period (approved 准予 → 待领取, or 不予许可), by decision day.
- 按时办结 `cases_on_time`: of those, decided on or before the due date (acceptance day + promised
  working days, the acceptance day not counted, days waiting for materials not counted when the
  hall says so).
- 超期 `cases_overdue`: cases decided late in the period, plus cases still undecided at the end of
  the period (or today, if earlier) whose due date had passed then; by day, each day counts the
  cases overdue on that day.
- 即办率 `instant_rate` = 即办 ÷ (即办 + 受理); 按时办结率 `on_time_rate` = 按时办结 ÷ 办结.

Cases are counted where they were accepted: the item, its department, the accepting window and clerk.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.calendar import DONE_STATES, WorkCalendar, case_clock
from ...engine.numbering import local_time
from ...storage.models import Case, CaseEvent, Service, Site, Ticket, TicketEvent
from ..calendar import calendar
from ..context import Context
from ..queue import read_models
from . import cases

CASE_COLUMNS = (
    "accepted",
    "instant_done",
    "refused",
    "cases_completed",
    "cases_on_time",
    "cases_overdue",
    "instant_rate",
    "on_time_rate",
)
COUNTS = CASE_COLUMNS[:6]


def _case_key(c: Case, by: str, dept: dict[int, int], site: Site, day: date) -> Any:
    if by == "service":
        return c.service_id
    if by == "department":
        return dept.get(c.service_id)
    if by == "window":
        return c.window_id
    if by == "staff":
        return c.staff_id
    if by == "day":
        return day
    return local_time(c.accepted_at, site.timezone).hour  # by hour: the hour of acceptance


def figures(
    s: Session, site: Site, start: date, end: date, by: str, today: date
) -> dict[Any, dict[str, int]]:
    """The six counts per group key (same keys as reports.summary)."""
    dept = dict(
        s.execute(select(Service.id, Service.department_id).where(Service.site_id == site.id)).all()
    )
    out: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    # outcomes at the counter, from the ticket log (the visit's finish) and the ticket's outcome
    q = (
        select(
            TicketEvent.service_id,
            TicketEvent.window_id,
            TicketEvent.staff_id,
            TicketEvent.day,
            TicketEvent.hour,
            Ticket.outcome,
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.site_id == site.id,
            TicketEvent.type == "finished",
            TicketEvent.day.between(start, end),
            Ticket.outcome.in_(("done", "refused")),
        )
    )
    for sid, wid, staff, day, hour, outcome in s.execute(q):
        key = {
            "service": sid,
            "department": dept.get(sid),
            "window": wid,
            "staff": staff,
            "day": day,
            "hour": hour,
        }[by]
        if key is not None:
            out[key]["instant_done" if outcome == "done" else "refused"] += 1
    cal = calendar.load(s, site.id)
    pause = cases.pause_awaiting(site)
    as_of = min(end, today)
    moves_of: dict[int, list[tuple[date, str]]] = defaultdict(list)
    relevant = list(s.scalars(select(Case).where(Case.site_id == site.id, Case.day <= end)))
    ids = [c.id for c in relevant]
    for i in range(0, len(ids), 500):
        for ev in s.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids[i : i + 500]), CaseEvent.type != "accepted")
            .order_by(CaseEvent.id)
        ):
            moves_of[ev.case_id].append((ev.day, ev.to_state))
    for c in relevant:
        moves = moves_of[c.id]
        if start <= c.day <= end:
            key = _case_key(c, by, dept, site, c.day)
            if key is not None:
                out[key]["accepted"] += 1
        decided = next((d for d, st in moves if st in DONE_STATES), None)
        if decided is not None and start <= decided <= end:
            clk = case_clock(cal, c.day, c.promised_days, moves, decided, pause)
            key = _case_key(c, by, dept, site, decided)
            if key is not None:
                out[key]["cases_completed"] += 1
                out[key]["cases_on_time" if clk.on_time else "cases_overdue"] += 1
        _open_overdue(out, c, moves, decided, cal, pause, start, as_of, by, dept, site)
    return dict(out)


def _open_overdue(
    out: dict[Any, dict[str, int]],
    c: Case,
    moves: list[tuple[date, str]],
    decided: date | None,
    cal: WorkCalendar,
    pause: bool,
    start: date,
    as_of: date,
    by: str,
    dept: dict[int, int],
    site: Site,
) -> None:
    """Count a case still undecided and past its due date: at `as_of`, or on each day for `by=day`."""
    if by == "hour":
        return
    days = (
        [as_of]
        if by != "day"
        else [start + timedelta(days=i) for i in range((as_of - start).days + 1)]
    )
    for d in days:
        if d < c.day or (decided is not None and decided <= d):
            continue
        if case_clock(cal, c.day, c.promised_days, moves, d, pause).overdue:
            key = _case_key(c, by, dept, site, d)
            if key is not None:
                out[key]["cases_overdue"] += 1


def add_columns(
    ctx: Context,
    site_id: int,
    start: date,
    end: date,
    by: str,
    rows: list[dict[str, Any]],
    names: Any,
) -> list[dict[str, Any]]:
    """The summary's rows with the case columns; groups with only case figures get a row of their own
    (`names(keys)` names them as the summary does)."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        figs = figures(s, site, start, end, by, read_models.today(site, ctx.clock.now()))
        missing = {
            k
            for k in figs
            if (k.isoformat() if isinstance(k, date) else k) not in {r["key"] for r in rows}
        }
        named = names(s, missing) if missing else {}
    by_key = {r["key"]: r for r in rows}
    for k in sorted(missing, key=lambda x: (str(type(x)), x)):
        key = k.isoformat() if isinstance(k, date) else k
        by_key[key] = {
            "key": key,
            "name": named.get(k, str(k)),
            "issued": 0,
            "served": 0,
            "no_show": 0,
            "transferred": 0,
            "cancelled": 0,
            "evaluations": 0,
            "satisfied": 0,
        }
        rows.append(by_key[key])
    lookup = {(k.isoformat() if isinstance(k, date) else k): v for k, v in figs.items()}
    for r in rows:
        f = lookup.get(r["key"], dict.fromkeys(COUNTS, 0))
        r.update(f)
        taken = f["instant_done"] + f["accepted"]
        r["instant_rate"] = round(f["instant_done"] / taken, 4) if taken else None
        r["on_time_rate"] = (
            round(f["cases_on_time"] / f["cases_completed"], 4) if f["cases_completed"] else None
        )
    return rows
