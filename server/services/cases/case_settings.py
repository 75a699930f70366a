"""The hall's case settings (issue 17): whether days waiting for materials stop the clock."""

from __future__ import annotations

from typing import Any

from ...storage.models import Site
from ..access.principal import Forbidden, Principal
from ..context import Context


def pause_awaiting(site: Site) -> bool:
    """Whether days waiting for materials stop the clock (hall setting, on by default)."""
    return bool((site.settings or {}).get("cases_pause_awaiting", True))


def settings(ctx: Context, who: Principal) -> dict[str, Any]:
    """The hall's case settings."""
    with ctx.uow(write=False) as uow:
        return {"pause_awaiting": pause_awaiting(uow.session.get_one(Site, who.site_id))}


def update_settings(ctx: Context, who: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Change the case settings (admin)."""
    if not who.is_admin:
        raise Forbidden("only an admin may change the case settings")
    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        extra = dict(site.settings or {})
        if "pause_awaiting" in data:
            extra["cases_pause_awaiting"] = bool(data["pause_awaiting"])
        site.settings = extra
        uow.commit()
    return settings(ctx, who)
