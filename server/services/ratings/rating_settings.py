"""The hall's settings for ratings, rectification, complaints and the supervision phone (监督电话).

Kept in `Site.settings` beside the others; read by the ticket paper, the hall screen and the phone
pages (the phone number), by the rating and complaint services (the periods) and by the reports
(whether 基本满意 counts as satisfied in 满意率).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ...engine.errors import InvalidInput
from ...storage.models import Site
from ..access.principal import Forbidden, Principal
from ..calendar import calendar
from ..context import Context

DEFAULT_DAYS = {
    "rating_period_days": 3,
    "callback_days": 1,
    "feedback_days": 5,
    "complaint_reply_days": 5,
}
DAY_KEYS = tuple(DEFAULT_DAYS)
LIMITS = {
    "rating_period_days": (1, 60),
    "callback_days": (1, 30),
    "feedback_days": (1, 60),
    "complaint_reply_days": (1, 60),
}


def setting_days(site: Site, key: str) -> int:
    """A day-count setting of the hall (`settings[key]`), else its default."""
    raw: Any = (site.settings or {}).get(key, DEFAULT_DAYS[key])
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return DEFAULT_DAYS[key]


def due(site: Site, start: date, key: str) -> date:
    """The deadline `settings[key]` working days (the hall calendar's) after `start`."""
    return calendar.for_site(site).add_workdays(start, setting_days(site, key))


def satisfied_levels(site: Site) -> tuple[int, ...]:
    """The levels 满意率 counts as satisfied: 5 and 4, and 3 (基本满意) when the hall says so."""
    return (5, 4, 3) if (site.settings or {}).get("satisfaction_counts_basic") else (5, 4)


def supervision_phone(site: Site) -> str:
    """The hall's 监督电话 ("" when not set)."""
    return str((site.settings or {}).get("supervision_phone") or "")


def ratings_dict(site: Site) -> dict[str, Any]:
    """The API shape of these settings, with the 满意率 definition in words."""
    counts_basic = 3 in satisfied_levels(site)
    return {
        **{k: setting_days(site, k) for k in DAY_KEYS},
        "supervision_phone": supervision_phone(site),
        "satisfaction_counts_basic": counts_basic,
        "satisfaction_definition": (
            "满意率 =（非常满意 + 满意 + 基本满意）÷ 评价数"
            if counts_basic
            else "满意率 =（非常满意 + 满意）÷ 评价数"
        ),
        "satisfaction_definition_en": (
            "satisfaction rate = (very satisfied + satisfied + fairly satisfied) ÷ ratings"
            if counts_basic
            else "satisfaction rate = (very satisfied + satisfied) ÷ ratings"
        ),
    }


def get(ctx: Context, who: Principal) -> dict[str, Any]:
    """The settings (supervisors and admins)."""
    if not who.is_supervisor:
        raise Forbidden("only supervisors and admins see the hall's configuration")
    with ctx.uow(write=False) as uow:
        return ratings_dict(uow.session.get_one(Site, who.site_id))


def update(ctx: Context, who: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Change some of them (admins); screens and kiosks reload, as for the other settings."""
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's configuration")
    for k, (lo, hi) in LIMITS.items():
        if k in data and not (isinstance(data[k], int) and lo <= data[k] <= hi):
            raise InvalidInput(
                f"{k}: a whole number of days from {lo} to {hi}",
                field=k,
                reason="range",
                params={"min": lo, "max": hi},
            )
    from ..catalog.settings import _changed

    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        site.settings = {**(site.settings or {}), **data}
        uow.session.flush()
        _changed(uow, who.site_id, "settings")
        out = ratings_dict(site)
        uow.commit()
        return out


def phone_of_hall(ctx: Context) -> str:
    """The 监督电话 of the (first) hall, for pages opened without a ticket or device."""
    from sqlalchemy import select

    with ctx.uow(write=False) as uow:
        site = uow.session.scalar(select(Site).order_by(Site.id).limit(1))
        return supervision_phone(site) if site is not None else ""
