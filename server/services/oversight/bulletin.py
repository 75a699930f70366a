"""The monthly 通报 to a department (定期向各进驻单位通报): its assessment, its windows and clerks,
its 差评 and their rectification, and the complaints routed to it, on one printable page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...engine.errors import NotFound
from ...storage.models import Department, Evaluation, Service, Site, StaffWindow
from ...storage.models_ratings import Complaint
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..ratings import complaints, rectification
from . import scorecard, scorecard_inputs


def build(
    ctx: Context, who: Principal, month: str, department_id: int, lang: str = "zh"
) -> dict[str, Any]:
    """Everything the 通报 shows for one department and month (score explanations in `lang`)."""
    if not who.is_supervisor:
        raise Forbidden("the 通报 is for supervisors and admins")
    start, end = scorecard.month_span(month)
    with ctx.uow(write=False) as uow:
        s = uow.session
        dept = s.get(Department, department_id)
        if dept is None or dept.site_id != who.site_id:
            raise NotFound(f"no department {department_id}")
        site = s.get_one(Site, who.site_id)
        own = {w for w, d in scorecard_inputs.own_windows(s, site.id).items() if d == dept.id}
        clerks = (
            set(s.scalars(select(StaffWindow.staff_id).where(StaffWindow.window_id.in_(own))))
            if own
            else set()
        )
        items = set(s.scalars(select(Service.id).where(Service.department_id == dept.id)))
        bad = [
            r
            for r in rectification.in_range(s, site.id, start, end)
            if s.get_one(Evaluation, r["id"]).service_id in items
        ]
        comp = [
            complaints.complaint_dict(s, c)
            for c in s.scalars(
                select(Complaint)
                .where(
                    Complaint.site_id == site.id,
                    Complaint.department_id == dept.id,
                    Complaint.day.between(start, end),
                )
                .order_by(Complaint.id)
            )
        ]
        site_name, dept_out = site.name, {"id": dept.id, "name": dept.name}
    dept_rows = scorecard.assess(ctx, who, start, end, "department", None, month, lang)
    win_rows = scorecard.assess(ctx, who, start, end, "window", None, month, lang)
    staff_rows = scorecard.assess(ctx, who, start, end, "staff", None, month, lang)
    return {
        "site": site_name,
        "month": month,
        "department": dept_out,
        "score": next((r for r in dept_rows["items"] if r["key"] == dept_out["id"]), None),
        "windows": [r for r in win_rows["items"] if r["key"] in own],
        "staff": [r for r in staff_rows["items"] if r["key"] in clerks],
        "weights": dept_rows["weights"],
        "bad_ratings": bad,
        "complaints": comp,
    }
