"""The live monitor (/admin/monitor): queues against their thresholds, windows, open alerts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ...engine.states import HELD_STATES
from ...storage.models import Service, Site, Staff, Ticket, Window
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models
from ..ratings import rectification
from . import alerts, assessment


def monitor(ctx: Context, who: Principal) -> dict[str, Any]:
    """Per item: waiting and the longest wait vs its threshold; per window: state, clerk, ticket, times;
    the day's alerts and the bad ratings of the last month still awaiting rectification."""
    if not who.is_supervisor:
        raise Forbidden("the monitor is for supervisors and admins")
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        day = read_models.today(site, now)
        waiting = {
            sid: (int(n), oldest)
            for sid, n, oldest in s.execute(
                select(Ticket.service_id, func.count(), func.min(Ticket.queued_at))
                .where(Ticket.site_id == site.id, Ticket.day == day, Ticket.state == "waiting")
                .group_by(Ticket.service_id)
            )
        }
        items = []
        for sv in s.scalars(
            select(Service)
            .where(Service.site_id == site.id, Service.active)
            .order_by(Service.sort, Service.id)
        ):
            n, oldest = waiting.get(sv.id, (0, None))
            longest = (now - oldest).total_seconds() if oldest is not None else 0.0
            items.append(
                {
                    "id": sv.id,
                    "name": sv.name,
                    "name_en": sv.name_en or sv.name,
                    "prefix": sv.prefix,
                    "department": sv.department.name,
                    "waiting": n,
                    "longest_wait_s": round(longest, 1),
                    "threshold_s": sv.wait_threshold_min * 60,
                    "over": longest > sv.wait_threshold_min * 60,
                    "expected_service_s": sv.expected_service_min * 60,
                }
            )
        held = {
            t.window_id: t
            for t in s.scalars(
                select(Ticket).where(
                    Ticket.site_id == site.id, Ticket.state.in_([h.value for h in HELD_STATES])
                )
            )
        }
        # the monitor's "today" is the business day, as for its queues (reports use calendar days)
        t0, t1 = assessment.business_span(site, day)
        paused = assessment.span_time(s, site.id, t0, min(t1, now), "window")
        wins = []
        for w, staff_name in s.execute(
            select(Window, Staff.name)
            .outerjoin(Staff, Staff.id == Window.staff_id)
            .where(Window.site_id == site.id, Window.active)
            .order_by(Window.number)
        ):
            t = held.get(w.id)
            since = t.started_at or t.called_at if t is not None else None
            wins.append(
                {
                    "id": w.id,
                    "number": w.number,
                    "name": w.name,
                    "name_en": w.name_en or w.name,
                    "state": w.state,
                    "pause_reason": w.pause_reason,
                    "staff": {"id": w.staff_id, "name": staff_name}
                    if w.staff_id and w.state != "closed"
                    else None,
                    "state_since": read_models.iso(w.state_since),
                    "in_state_s": round((now - w.state_since).total_seconds(), 1)
                    if w.state_since
                    else None,
                    "paused_today_s": round(paused.get(w.id, (0.0, 0.0))[1], 1),
                    "current": {
                        "id": t.id,
                        "number": t.number,
                        "state": t.state,
                        "service_id": t.service_id,
                        "since": read_models.iso(since),
                        "for_s": round((now - since).total_seconds(), 1) if since else None,
                    }
                    if t is not None
                    else None,
                }
            )
        open_alerts = alerts.listing(s, site.id, day, open_only=False)
        pending = rectification.pending(s, site.id, day)
    return {
        "now": read_models.iso(now),
        "day": day.isoformat(),
        "services": items,
        "windows": wins,
        "alerts": open_alerts,
        "rectifications": pending,
    }
