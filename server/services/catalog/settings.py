"""Hall settings and publicity content: the admin's commands, each one unit of work."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ...engine.errors import InvalidInput, NotFound
from ...engine.hours import DAY_KEYS, validate_hours
from ...storage.models import Device, Publicity, Site
from ...storage.uow import UnitOfWork
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..printing.ticket_paper import DEFAULT_FOOTER, DEFAULT_FOOTER_EN
from ..queue import read_models

SITE_FIELDS = (
    "name",
    "name_en",
    "timezone",
    "reset_hour",
    "priority_ratio",
    "announce_template",
    "public_base_url",
    "hours",
    "holidays",
    "enforce_hours",
)
VOICE_FIELDS = ("voice_repeat", "voice_chime", "voice_name", "voice_rate")
TICKET_FIELDS = ("ticket_footer", "ticket_footer_en")  # "" prints the standard footer
PUBLICITY_FIELDS = (
    "kind",
    "title",
    "body",
    "media",
    "sort",
    "active",
    "starts_on",
    "ends_on",
    "daily_from",
    "daily_to",
    "screens",
    "device_ids",
)
DEFAULT_RATE = 150  # words per minute, as the announcer's default


def _admin(who: Principal) -> None:
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's configuration")


def _supervisor(who: Principal) -> None:
    if not who.is_supervisor:
        raise Forbidden("only supervisors and admins see the hall's configuration")


def _changed(uow: UnitOfWork, site_id: int, what: str) -> None:
    """Tell kiosks and screens to reload their configuration, after the commit."""
    uow.emit(
        "catalog.changed",
        {"seq": read_models.next_seq(uow.session, site_id), "what": what},
        f"site:{site_id}",
    )


def settings_dict(site: Site) -> dict[str, Any]:
    """The API shape of a hall's settings."""
    extra = site.settings or {}
    return {
        "id": site.id,
        "code": site.code,
        "name": site.name,
        "name_en": site.name_en,
        "timezone": site.timezone,
        "reset_hour": site.reset_hour,
        "priority_ratio": site.priority_ratio,
        "announce_template": site.announce_template,
        "public_base_url": site.public_base_url,
        "hours": site.hours or {},
        "holidays": list(site.holidays or []),
        "enforce_hours": site.enforce_hours,
        **voice_dict(site),
        "ticket_footer": str(extra.get("ticket_footer") or ""),
        "ticket_footer_en": str(extra.get("ticket_footer_en") or ""),
        "ticket_footer_default": DEFAULT_FOOTER,
        "ticket_footer_en_default": DEFAULT_FOOTER_EN,
    }


def voice_dict(site: Site) -> dict[str, Any]:
    """How calls are spoken: repeats, chime, the speech engine's voice ("" = the server's
    QUEUEHALL_TTS_VOICE) and rate in words per minute."""
    extra = site.settings or {}
    return {
        "voice_repeat": int(extra.get("voice_repeat", 1)),
        "voice_chime": bool(extra.get("voice_chime", True)),
        "voice_name": str(extra.get("voice_name", "")),
        "voice_rate": int(extra.get("voice_rate", DEFAULT_RATE)),
    }


def check_template(template: str) -> tuple[str, str, dict[str, Any]] | None:
    """Why an announcement template is unusable (message, reason code, parameters), or None."""
    if not isinstance(template, str):  # e.g. a JSON null
        return "the template must be text", "string_type", {}
    for key in ("{number}", "{window}"):
        if key not in template:
            return f"the template must contain {key}", "template_key", {"key": key}
    try:
        template.format(number="A001", window=1)
    except (KeyError, IndexError, ValueError) as exc:
        return f"only {{number}} and {{window}} may appear in braces ({exc})", "template_braces", {}
    return None


def _check_settings(data: dict[str, Any]) -> None:
    columns = Site.__table__.columns
    for key, value in data.items():
        if value is None and not (key in columns and columns[key].nullable):
            raise InvalidInput(f"{key}: may not be null", field=key, reason="not_null")
    if "announce_template" in data:
        bad = check_template(data["announce_template"])
        if bad:
            raise InvalidInput(
                f"announce_template: {bad[0]}",
                field="announce_template",
                reason=bad[1],
                params=bad[2],
            )
    if "hours" in data:
        hours = data["hours"]
        why = validate_hours(hours)
        if why:
            day = next((d for d in DAY_KEYS if why.startswith(d + ":")), None)
            raise InvalidInput(
                f"hours: {why}", field=f"hours.{day}" if day else "hours", reason="hours"
            )
    if "holidays" in data:
        clean = []
        for i, h in enumerate(data["holidays"]):
            try:
                clean.append(date.fromisoformat(h).isoformat())
            except ValueError:
                raise InvalidInput(
                    f"holidays: {h!r} is not a date YYYY-MM-DD",
                    field=f"holidays.{i}",
                    reason="date_text",
                    params={"value": str(h)},
                ) from None
        data["holidays"] = sorted(set(clean))
    if "timezone" in data:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(data["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"timezone: unknown time zone {data['timezone']!r}",
                field="timezone",
                reason="timezone",
                params={"value": str(data["timezone"])},
            ) from None


def get_settings(ctx: Context, who: Principal) -> dict[str, Any]:
    """The caller's hall settings (supervisors and admins)."""
    _supervisor(who)
    with ctx.uow(write=False) as uow:
        return settings_dict(uow.session.get_one(Site, who.site_id))


def update_settings(ctx: Context, who: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """Change some of the hall's settings; screens and kiosks reload them."""
    _admin(who)
    _check_settings(data)
    with ctx.uow() as uow:
        site = uow.session.get_one(Site, who.site_id)
        for k in SITE_FIELDS:
            if k in data:
                setattr(site, k, data[k])
        extra = dict(site.settings or {})
        extra.update({k: data[k] for k in VOICE_FIELDS + TICKET_FIELDS if k in data})
        site.settings = extra
        uow.session.flush()
        _changed(uow, who.site_id, "settings")
        out = settings_dict(site)
        uow.commit()
        return out


# ---- publicity ---------------------------------------------------------------------------------


def publicity_dict(p: Publicity) -> dict[str, Any]:
    """The API shape of a publicity item, with its schedule and the screens it is shown on."""
    return {
        "id": p.id,
        "kind": p.kind,
        "title": p.title,
        "body": p.body,
        "media": p.media,
        "sort": p.sort,
        "active": p.active,
        "starts_on": p.starts_on.isoformat() if p.starts_on else None,
        "ends_on": p.ends_on.isoformat() if p.ends_on else None,
        "daily_from": p.daily_from,
        "daily_to": p.daily_to,
        "screens": p.screens,
        "device_ids": list(p.device_ids or []),
    }


def _check_publicity(s: Any, p: Publicity) -> None:
    if p.kind in ("image", "video") and not p.media:
        raise InvalidInput(
            f"media: an {p.kind} item needs an uploaded file",
            field="media",
            reason="media_required",
        )
    if p.kind == "text" and not (p.body or "").strip():
        raise InvalidInput("body: a text item needs a text", field="body", reason="text_required")
    if p.starts_on and p.ends_on and p.ends_on < p.starts_on:
        raise InvalidInput(
            "ends_on: the last day is before the first", field="ends_on", reason="date_order"
        )
    if (p.daily_from is None) != (p.daily_to is None):
        field = "daily_to" if p.daily_to is None else "daily_from"
        raise InvalidInput(
            f"{field}: give both daily times or neither", field=field, reason="both_times"
        )
    if p.daily_from and p.daily_to and p.daily_to <= p.daily_from:
        raise InvalidInput(
            "daily_to: the end is not after the start", field="daily_to", reason="time_order"
        )
    if p.screens == "devices":
        if not p.device_ids:
            raise InvalidInput(
                "device_ids: choose at least one screen",
                field="device_ids",
                reason="devices_required",
            )
        found = set(
            s.scalars(
                select(Device.id).where(
                    Device.site_id == p.site_id,
                    Device.kind == "display",
                    Device.id.in_(p.device_ids),
                )
            )
        )
        missing = [d for d in p.device_ids if d not in found]
        if missing:
            raise InvalidInput(
                f"device_ids: no display device {missing[0]}",
                field="device_ids",
                reason="device_unknown",
                params={"id": missing[0]},
            )
    else:
        p.device_ids = []


def list_publicity(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """Every publicity item of the hall, active or not, in display order."""
    _supervisor(who)
    with ctx.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(Publicity)
            .where(Publicity.site_id == who.site_id)
            .order_by(Publicity.sort, Publicity.id)
        )
        return [publicity_dict(p) for p in rows]


def save_publicity(
    ctx: Context, who: Principal, data: dict[str, Any], obj_id: int | None = None
) -> dict[str, Any]:
    """Create (obj_id None) or change a publicity item; the hall screen shows it at once."""
    _admin(who)
    with ctx.uow() as uow:
        s = uow.session
        found = Publicity(site_id=who.site_id) if obj_id is None else s.get(Publicity, obj_id)
        if found is None or found.site_id != who.site_id:
            raise NotFound(f"no publicity item {obj_id}")
        p = found
        if obj_id is None:
            s.add(p)
        columns = Publicity.__table__.columns
        for k in PUBLICITY_FIELDS:
            if k in data:
                if data[k] is None and not columns[k].nullable:
                    raise InvalidInput(f"{k}: may not be null", field=k, reason="not_null")
                setattr(p, k, data[k])
        _check_publicity(s, p)
        s.flush()
        _changed(uow, who.site_id, "publicity")
        out = publicity_dict(p)
        if obj_id is None:
            uow.created(p.id)
        uow.commit()
        return out


def delete_publicity(ctx: Context, who: Principal, obj_id: int) -> dict[str, Any]:
    """Remove a publicity item."""
    _admin(who)
    with ctx.uow() as uow:
        p = uow.session.get(Publicity, obj_id)
        if p is None or p.site_id != who.site_id:
            raise NotFound(f"no publicity item {obj_id}")
        out = publicity_dict(p)
        uow.session.delete(p)
        uow.session.flush()
        _changed(uow, who.site_id, "publicity")
        uow.commit()
        return out
