"""Alerts of cases (issue 17) for the live monitor: due within one working day, and overdue.

Each occurrence has its own key (the case and its due date), so it is raised once; a case whose due
date moves (days waiting for materials) is raised again for its new date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.calendar import OPEN_STATES, due_within
from ...storage.models import Case, Service, Site, Window
from ..calendar import calendar
from ..queue import read_models
from . import cases


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def candidates(s: Session, site: Site, now: datetime) -> list[dict[str, Any]]:
    """Undecided cases overdue, or due today or by the next working day (not while awaiting materials)."""
    today = read_models.today(site, now)
    cal = calendar.load(s, site.id)
    pause = cases.pause_awaiting(site)
    out: list[dict[str, Any]] = []
    for c, name, wnum in s.execute(
        select(Case, Service.name, Window.number)
        .join(Service, Service.id == Case.service_id)
        .outerjoin(Window, Window.id == Case.window_id)
        .where(Case.site_id == site.id, Case.state.in_(OPEN_STATES))
    ):
        clk = cases.clock_of(s, c, cal, today, pause)
        base = {
            "service_id": c.service_id,
            "window_id": c.window_id,
            "staff_id": c.staff_id,
            "ticket_id": c.ticket_id,
        }
        data = {
            "case_id": c.id,
            "number": c.number,
            "service": name,
            "due_date": clk.due_date.isoformat(),
            "window": wnum,
            "state": c.state,
        }
        if clk.overdue:
            out.append(
                {
                    **base,
                    "key": f"case_overdue:{c.id}:{clk.due_date}",
                    "kind": "case_overdue",
                    "severity": "bad",
                    "data": data,
                    "message": f"办件{c.number}（{name}）已超期：承诺{_cn(clk.due_date)}办结，仍未办结",
                }
            )
        elif c.state != "awaiting_materials" and due_within(cal, today, clk.due_date, 1):
            out.append(
                {
                    **base,
                    "key": f"case_due:{c.id}:{clk.due_date}",
                    "kind": "case_due_soon",
                    "data": data,
                    "message": f"办件{c.number}（{name}）将于{_cn(clk.due_date)}到期，请抓紧办理",
                }
            )
    return out
