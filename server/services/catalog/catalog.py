"""The hall's configuration: departments, items, windows, staff and devices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...engine.errors import Conflict, InvalidInput, NotFound
from ...engine.hours import DAY_KEYS, Days, is_open, validate_hours
from ...engine.numbering import local_time, validate_prefix
from ...engine.states import is_promised
from ...storage.models import (
    Department,
    Device,
    Evaluation,
    Service,
    Site,
    Staff,
    StaffWindow,
    Ticket,
    TicketEvent,
    Window,
    WindowEvent,
    WindowService,
)
from ...storage.uow import UnitOfWork
from ..access import access, lockout
from ..access.auth import (
    DEVICE_TOKEN_PREFIX,
    forget_sessions,
    generate_password,
    hash_password,
    new_token,
)
from ..access.principal import Forbidden, Principal
from ..calendar import calendar
from ..common import reasons
from ..context import Context
from ..printing.printer_urls import check_printer_url
from ..queue import read_models


def department_dict(d: Department) -> dict[str, Any]:
    return {
        "id": d.id,
        "code": d.code,
        "name": d.name,
        "name_en": d.name_en,
        "short_name": d.short_name,
        "sort": d.sort,
        "active": d.active,
    }


def service_dict(sv: Service, waiting: int = 0, open_now: bool | None = None) -> dict[str, Any]:
    return {
        "id": sv.id,
        "code": sv.code,
        "name": sv.name,
        "name_en": sv.name_en,
        "prefix": sv.prefix,
        "department": {
            "id": sv.department.id,
            "name": sv.department.name,
            "name_en": sv.department.name_en,
        },
        "department_id": sv.department_id,
        "promised_days": sv.promised_days,
        # mode: the contract's instant|promised; handling: the hall's way (instant|promised|joint|agency)
        "mode": "promised" if is_promised(sv.mode, sv.promised_days) else "instant",
        "handling": sv.mode,
        "daily_cap": sv.daily_cap,
        "expected_service_min": sv.expected_service_min,
        "wait_threshold_min": sv.wait_threshold_min,
        "needs_consult": sv.needs_consult,
        "sort": sv.sort,
        "active": sv.active,
        "disclosure": sv.disclosure,
        "waiting": waiting,
        "hours": sv.hours or {},
        **({"open_now": open_now} if open_now is not None else {}),
    }


def staff_dict(s: Session, st: Staff) -> dict[str, Any]:
    wids = sorted(s.scalars(select(StaffWindow.window_id).where(StaffWindow.staff_id == st.id)))
    numbers = sorted(s.scalars(select(Window.number).where(Window.id.in_(wids)))) if wids else []
    return {
        "id": st.id,
        "username": st.username,
        "name": st.name,
        "badge": st.badge,
        "role": st.role,
        "photo": st.photo,
        "active": st.active,
        "window_ids": wids,
        "window_numbers": numbers,
    }


def device_dict(d: Device) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "kind": d.kind,
        "window_id": d.window_id,
        "printer_url": d.printer_url,
        "active": d.active,
        "last_seen": read_models.iso(d.last_seen),
        "status": d.status,
        "paper_mm": d.paper_mm,
        "ticket_lang": d.ticket_lang,
    }


def list_departments(
    ctx: Context, site_id: int, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Departments of a site, in display order."""
    with ctx.uow(write=False) as uow:
        q = (
            select(Department)
            .where(Department.site_id == site_id)
            .order_by(Department.sort, Department.id)
        )
        if not include_inactive:
            q = q.where(Department.active)
        return [department_dict(d) for d in uow.session.scalars(q)]


def list_services(
    ctx: Context, site_id: int, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Service items with their waiting counts."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        counts = read_models.waiting_counts(s, site_id, read_models.today(site, now))
        q = select(Service).join(Department).where(Service.site_id == site_id)
        if not include_inactive:
            q = q.where(Service.active, Department.active)
        q = q.order_by(Department.sort, Service.sort, Service.id)
        local = local_time(now, site.timezone)
        days = calendar.days(s, site.id, site.holidays, site.hours)
        # open_now: the item's own hours allow a ticket now (the hall's own hours apply on top)
        return [
            service_dict(sv, counts.get(str(sv.id), 0), service_open(sv, days, local))
            for sv in s.scalars(q)
        ]


def service_open(sv: Service, days: Days, local: Any) -> bool:
    """True unless the item has hours of its own and `local` (hall time) is outside them (on a
    public holiday of the hall calendar always; on an adjusted working day by its weekday hours)."""
    return not sv.hours or is_open(sv.hours, local, days)


def default_site_id(ctx: Context) -> int:
    """The hall served to anonymous callers (the first site)."""
    with ctx.uow(write=False) as uow:
        sid = uow.session.scalar(select(func.min(Site.id)))
        if sid is None:
            raise NotFound("no hall is configured yet; run `queuehall init`")
        return int(sid)


# ---- admin commands ---------------------------------------------------------------------------


def _admin(who: Principal) -> None:
    if not who.is_admin:
        raise Forbidden("only an admin may change the hall's configuration")


def catalog_changed(uow: UnitOfWork, site_id: int, what: str) -> None:
    """Tell kiosks and screens the catalogue changed (`what`: the kind of object, or "catalogue")."""
    payload = {"seq": read_models.next_seq(uow.session, site_id), "what": what}
    uow.emit("catalog.changed", payload, f"site:{site_id}")


def _get(s: Session, model: Any, obj_id: int, site_id: int) -> Any:
    obj = s.get(model, obj_id)
    if obj is None or obj.site_id != site_id:
        raise NotFound(f"no {model.__tablename__.rstrip('s')} {obj_id}")
    return obj


def _check_department(s: Session, site_id: int, dep_id: int) -> None:
    _get(s, Department, dep_id, site_id)


def _apply(obj: Any, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for k in fields:
        if k in data:
            setattr(obj, k, data[k])


# the plain columns a department or an item takes as given (the API and the XLSX import alike)
DEPT_PLAIN_FIELDS = ("name", "name_en", "short_name", "sort", "active")
SERVICE_PLAIN_FIELDS = (
    "name",
    "name_en",
    "prefix",
    "mode",
    "promised_days",
    "daily_cap",
    "expected_service_min",
    "wait_threshold_min",
    "needs_consult",
    "sort",
    "active",
)
DEPT_FIELDS = ("code", *DEPT_PLAIN_FIELDS)
SERVICE_FIELDS = ("code", *SERVICE_PLAIN_FIELDS, "disclosure", "department_id", "hours")
WINDOW_FIELDS = ("number", "name", "name_en", "kind", "marquee", "active")
STAFF_FIELDS = ("name", "badge", "role", "photo", "active")
DEVICE_FIELDS = ("name", "window_id", "printer_url", "active", "paper_mm", "ticket_lang")


NULL_MEANS_KEEP = {"password"}  # a staff change without a new password keeps the old one


def _refuse_nulls(model: Any, data: dict[str, Any]) -> None:
    """In a change, null is allowed only where the column may be empty (no daily cap, no printer)."""
    columns = model.__table__.columns
    for key, value in data.items():
        if (
            value is None
            and key not in NULL_MEANS_KEEP
            and not (key in columns and columns[key].nullable)
        ):
            raise InvalidInput(f"{key} cannot be null; leave it out to keep it", field=key)


def save(
    ctx: Context, who: Principal, kind: str, data: dict[str, Any], obj_id: int | None = None
) -> dict[str, Any]:
    """Create (obj_id None) or update one configuration object of `kind`."""
    _admin(who)
    if obj_id is not None:
        _refuse_nulls(_MODELS[kind], data)
    if "code" in data and not data["code"]:
        data = {k: v for k, v in data.items() if k != "code"}  # generated after insert
    if kind == "device" and data.get("printer_url"):
        check_printer_url(data["printer_url"], ctx.config.get("PRINTER_DEVICE_DIRS"))
    with ctx.uow() as uow:
        s = uow.session
        was = None
        if kind == "staff" and obj_id is not None:
            st = _get(s, Staff, obj_id, who.site_id)
            access.guard_admin_change(s, who, st, data)
            was = access.before(st)
        try:
            out = _SAVERS[kind](s, who.site_id, data, obj_id)
            s.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"this {kind} clashes with an existing one (a code, number or name must be unique)"
            ) from exc
        if kind == "staff":
            access.after_staff_saved(uow, who, out.row, was, data, ctx.clock.now())
        elif kind == "window" and "staff_ids" in data:
            access.window_staff_changed(uow, who, out.row, ctx.clock.now())
        catalog_changed(uow, who.site_id, kind)
        result = out()
        if obj_id is None:
            uow.created(result["id"])
        uow.commit()
        forget_sessions(ctx)
        return result


@dataclass
class _Saved:
    """A saved row and how to render it once the row is final."""

    row: Any
    render: Callable[[], dict[str, Any]]

    def __call__(self) -> dict[str, Any]:
        return self.render()


def _save_department(s: Session, site_id: int, data: dict[str, Any], obj_id: int | None) -> Any:
    d = (
        _get(s, Department, obj_id, site_id)
        if obj_id is not None
        else Department(site_id=site_id, code=data.get("code") or "")
    )
    _apply(d, data, DEPT_FIELDS)
    if obj_id is None:
        s.add(d)
        s.flush()
        if not d.code:
            d.code = f"D{d.id:03d}"
    return lambda: department_dict(d)


def _save_service(s: Session, site_id: int, data: dict[str, Any], obj_id: int | None) -> Any:
    if "prefix" in data:
        why = validate_prefix(data["prefix"])
        if why:
            code, params = reasons.prefix(data["prefix"])
            raise InvalidInput(why, field="prefix", reason=code, params=params)
    if "department_id" in data:
        _check_department(s, site_id, data["department_id"])
    if data.get("hours"):
        why = validate_hours(data["hours"])
        if why:
            day = next((d for d in DAY_KEYS if why.startswith(d + ":")), None)
            raise InvalidInput(
                f"hours: {why}", field=f"hours.{day}" if day else "hours", reason="hours"
            )
    if data.get("handling"):  # the hall's four ways are written as `handling`; `mode` still works
        data = {**{k: v for k, v in data.items() if k != "handling"}, "mode": data["handling"]}
    sv = (
        _get(s, Service, obj_id, site_id)
        if obj_id is not None
        else Service(site_id=site_id, code=data.get("code") or "")
    )
    _apply(sv, data, SERVICE_FIELDS)
    if obj_id is None:
        s.add(sv)
        s.flush()
        if not sv.code:
            sv.code = f"S{sv.id:04d}"
    s.flush()
    s.refresh(sv)
    return lambda: service_dict(sv)


def _save_window(s: Session, site_id: int, data: dict[str, Any], obj_id: int | None) -> Any:
    w = _get(s, Window, obj_id, site_id) if obj_id is not None else Window(site_id=site_id)
    _apply(w, data, WINDOW_FIELDS)
    if obj_id is None:
        s.add(w)
    s.flush()
    if "services" in data:
        s.execute(delete(WindowService).where(WindowService.window_id == w.id))
        for item in data["services"]:
            _get(s, Service, item["service_id"], site_id)
            s.add(
                WindowService(
                    window_id=w.id, service_id=item["service_id"], weight=item.get("weight", 5)
                )
            )
    if "staff_ids" in data:
        s.execute(delete(StaffWindow).where(StaffWindow.window_id == w.id))
        for sid in data["staff_ids"]:
            _get(s, Staff, sid, site_id)
            s.add(StaffWindow(staff_id=sid, window_id=w.id))
    s.flush()
    return _Saved(w, lambda: read_models.window_dict(s, w))


def _save_staff(s: Session, site_id: int, data: dict[str, Any], obj_id: int | None) -> Any:
    password = data.get("password")
    generated = None
    if obj_id is not None:
        st = _get(s, Staff, obj_id, site_id)
    else:
        if password is None:
            password = generated = generate_password()
        st = Staff(site_id=site_id, username=data["username"], password_hash="")
        s.add(st)
    _apply(st, {k: v for k, v in data.items() if v is not None or k == "photo"}, STAFF_FIELDS)
    if password:
        st.password_hash = hash_password(password)
        st.failed_logins = 0
        st.locked_until = None
        lockout.unlock(s, st.username)  # a new password starts without the old one's lockouts
    s.flush()
    if "window_ids" in data:
        s.execute(delete(StaffWindow).where(StaffWindow.staff_id == st.id))
        for wid in data["window_ids"]:
            _get(s, Window, wid, site_id)
            s.add(StaffWindow(staff_id=st.id, window_id=wid))
        s.flush()
    return _Saved(
        st, lambda: {**staff_dict(s, st), **({"password": generated} if generated else {})}
    )


def _save_device(s: Session, site_id: int, data: dict[str, Any], obj_id: int | None) -> Any:
    token = None
    if data.get("window_id") is not None:
        _get(s, Window, data["window_id"], site_id)
    if obj_id is not None:
        d = _get(s, Device, obj_id, site_id)
    else:
        token, digest = new_token(DEVICE_TOKEN_PREFIX)
        d = Device(site_id=site_id, kind=data["kind"], token_hash=digest)
        s.add(d)
    _apply(d, data, DEVICE_FIELDS)
    if data.get("rotate_token"):
        token, d.token_hash = new_token(DEVICE_TOKEN_PREFIX)
    s.flush()
    return lambda: {**device_dict(d), **({"token": token} if token else {})}


_SAVERS = {
    "department": _save_department,
    "service": _save_service,
    "window": _save_window,
    "staff": _save_staff,
    "device": _save_device,
}
_MODELS: dict[str, Any] = {
    "department": Department,
    "service": Service,
    "window": Window,
    "staff": Staff,
    "device": Device,
}
_DICTS = {
    "department": lambda s, o: department_dict(o),
    "service": lambda s, o: service_dict(o),
    "window": lambda s, o: read_models.window_dict(s, o),
    "staff": staff_dict,
    "device": lambda s, o: device_dict(o),
}


class HasHistory(Conflict):
    """The object is named in the hall's history: deleting it would leave figures untraceable."""

    code = "has_history"


def _history_refs(kind: str, obj_id: int) -> list[Any]:
    """Queries that find a row of history naming the object (each stops at its first row)."""
    cols: list[Any]
    if kind == "service":
        cols = [Ticket.service_id, TicketEvent.service_id, Evaluation.service_id]
    elif kind == "window":
        cols = [
            Ticket.window_id,
            Ticket.first_window_id,
            Ticket.target_window_id,
            WindowEvent.window_id,
            TicketEvent.window_id,
            Evaluation.window_id,
        ]
    elif kind == "staff":
        cols = [
            Ticket.staff_id,
            WindowEvent.staff_id,
            WindowEvent.clerk_id,
            TicketEvent.staff_id,
            Evaluation.staff_id,
        ]
    else:
        return []
    return [select(col).where(col == obj_id).limit(1) for col in cols]


def remove(ctx: Context, who: Principal, kind: str, obj_id: int) -> dict[str, Any]:
    """Delete a configuration object; an item, window or clerk with history must be deactivated instead."""
    _admin(who)
    with ctx.uow() as uow:
        s = uow.session
        obj = _get(s, _MODELS[kind], obj_id, who.site_id)
        out = _DICTS[kind](s, obj)
        if any(s.scalar(q) is not None for q in _history_refs(kind, obj_id)):
            raise HasHistory(
                f"this {kind} appears in the hall's history (tickets, window log or ratings), which "
                "must stay traceable; deactivate it instead (PATCH active=false)",
                hint="deactivate",
            )
        if kind == "staff":
            access.before_staff_removed(uow, who, obj, ctx.clock.now())
        if kind == "department" and s.scalar(
            select(func.count()).where(Service.department_id == obj_id)
        ):
            raise Conflict(
                "this department still has items; move or delete them first, or deactivate it"
            )
        try:
            s.delete(obj)
            s.flush()
        except IntegrityError as exc:
            raise Conflict(f"this {kind} is referred to by history; deactivate it instead") from exc
        catalog_changed(uow, who.site_id, kind)
        uow.commit()
        forget_sessions(ctx)
        return out


def list_kind(ctx: Context, who: Principal, kind: str) -> list[dict[str, Any]]:
    """Every object of `kind` in the caller's site (staff lists for supervisors and admins)."""
    if kind in ("staff", "device") and not who.is_supervisor:
        raise Forbidden("only supervisors and admins list staff and devices")
    with ctx.uow(write=False) as uow:
        s = uow.session
        model = _MODELS[kind]
        rows = s.scalars(select(model).where(model.site_id == who.site_id).order_by(model.id))
        return [_DICTS[kind](s, o) for o in rows]
