"""Load the demo hall (新林区行政便民服务中心) and issue fresh credentials for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from . import demo_data
from .demo_data_en import english_guide
from .services.access.auth import DEVICE_TOKEN_PREFIX, generate_password, hash_password, new_token
from .storage.db import Database
from .storage.models import (
    Department,
    Device,
    Publicity,
    Service,
    Site,
    Staff,
    StaffWindow,
    Window,
    WindowService,
)
from .storage.uow import UnitOfWork

D: Any = demo_data  # plain literals; typed loosely on purpose
WEEK = {
    "mon": "weekdays",
    "tue": "weekdays",
    "wed": "weekdays",
    "thu": "weekdays",
    "fri": "weekdays",
    "sat": "saturday",
    "sun": "sunday",
}


@dataclass
class Credentials:
    site_id: int
    passwords: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # username, name, role, password
    tokens: list[tuple[str, str, int | None, str]] = field(
        default_factory=list
    )  # name, kind, window, token


def ensure_site(db: Database, name: str = "行政便民服务中心") -> int:
    """The first site, created when the database has none."""
    with UnitOfWork(db) as uow:
        site = uow.session.scalar(select(Site).order_by(Site.id))
        if site is None:
            site = Site(
                code="main", name=name, hours={}, holidays=[], settings={}, enforce_hours=True
            )
            uow.session.add(site)
            uow.session.flush()
        uow.commit()
        return site.id


def load_demo(db: Database, printer_url: str | None = None) -> Credentials:
    """Load (or refresh) the demo hall; every password and device token is generated anew."""
    site_id = ensure_site(db, D.CENTRE["name"])
    creds = Credentials(site_id)
    with UnitOfWork(db) as uow:
        s = uow.session
        site = s.get_one(Site, site_id)
        site.name, site.name_en = D.CENTRE["name"], D.CENTRE["name_en"]
        if not site.hours:
            # first load: the demo takes tickets around the clock so it can be tried at night; its
            # kiosk and hall screen say so (hall-status "around_the_clock"); an admin may turn hours on
            site.enforce_hours = D.CENTRE["enforce_hours"]
        site.hours = {day: D.CENTRE["hours"][key] for day, key in WEEK.items()}
        site.settings = {
            **site.settings,
            "address": D.CENTRE["address"],
            "phone": D.CENTRE["phone"],
            "evaluation_reasons": D.EVALUATION_REASONS,
            # an admin's own number survives a reload of the demo
            "supervision_phone": site.settings.get("supervision_phone")
            or D.CENTRE["supervision_phone"],
        }
        from .services.calendar.calendar import seed_bundled

        seed_bundled(s, site_id, 2026)  # cases (issue 17): the State Council's 2026 calendar
        depts = {
            d.code: d for d in s.scalars(select(Department).where(Department.site_id == site_id))
        }
        for i, d in enumerate(D.DEPARTMENTS):
            dep = depts.get(d["code"]) or Department(site_id=site_id, code=d["code"])
            dep.name, dep.name_en, dep.short_name, dep.sort = (
                d["name"],
                d.get("name_en", ""),
                d.get("short", ""),
                i,
            )
            s.add(dep)
            depts[d["code"]] = dep
        s.flush()
        services = {x.code: x for x in s.scalars(select(Service).where(Service.site_id == site_id))}
        for i, d in enumerate(D.SERVICES):
            sv = services.get(d["code"]) or Service(site_id=site_id, code=d["code"])
            sv.department_id = depts[d["department"]].id
            sv.name, sv.name_en, sv.prefix, sv.mode = (
                d["name"],
                d.get("name_en", ""),
                d["prefix"],
                d["mode"],
            )
            sv.promised_days, sv.daily_cap = d["promised_days"], d["daily_cap"]
            sv.expected_service_min, sv.wait_threshold_min = (
                d["expected_service_min"],
                d["wait_threshold_min"],
            )
            # the guide in English too (demo_data_en), shown in the kiosk's English mode
            disclosure = {**d["disclosure"], **english_guide(d["code"], d["disclosure"])}
            sv.needs_consult, sv.disclosure, sv.sort = d["needs_consult"], disclosure, i
            s.add(sv)
            services[d["code"]] = sv
        s.flush()
        windows = {w.number: w for w in s.scalars(select(Window).where(Window.site_id == site_id))}
        for d in D.WINDOWS:
            w = windows.get(d["number"]) or Window(site_id=site_id, number=d["number"])
            w.name, w.name_en, w.kind = d["name"], d.get("name_en", ""), d["kind"]
            s.add(w)
            s.flush()
            windows[d["number"]] = w
            existing = {
                ws.service_id: ws
                for ws in s.scalars(select(WindowService).where(WindowService.window_id == w.id))
            }
            for code, weight in d["services"]:
                ws = existing.get(services[code].id) or WindowService(
                    window_id=w.id, service_id=services[code].id
                )
                ws.weight = weight
                s.add(ws)
        for d in D.STAFF:
            st = s.scalar(select(Staff).where(Staff.username == d["username"]))
            password = generate_password()
            if st is None:
                st = Staff(site_id=site_id, username=d["username"], password_hash="")
                s.add(st)
            st.name, st.badge, st.role, st.active = d["name"], d["badge"], d["role"], True
            st.password_hash, st.failed_logins, st.locked_until = hash_password(password), 0, None
            s.flush()
            for n in d["windows"]:
                if s.get(StaffWindow, (st.id, windows[n].id)) is None:
                    s.add(StaffWindow(staff_id=st.id, window_id=windows[n].id))
            creds.passwords.append((d["username"], d["name"], d["role"], password))
        for d in D.DEVICES:
            dev = s.scalar(
                select(Device).where(Device.site_id == site_id, Device.name == d["name"])
            )
            token, digest = new_token(DEVICE_TOKEN_PREFIX)
            if dev is None:
                dev = Device(site_id=site_id, name=d["name"], kind=d["kind"], token_hash=digest)
                s.add(dev)
            dev.token_hash, dev.active = digest, True
            dev.window_id = windows[d["window"]].id if d.get("window") else None
            if d["kind"] == "kiosk" and printer_url:
                dev.printer_url = printer_url
            creds.tokens.append((d["name"], d["kind"], d.get("window"), token))
        _seed_booking_rules(s, site_id, services)  # 预约 (issue 19)
        _seed_service_periods(s, site_id, services, windows)  # 延时/错时服务 (issue 19)
        if not s.scalar(select(Publicity.id).where(Publicity.site_id == site_id).limit(1)):
            for i, p in enumerate(D.PUBLICITY):
                s.add(
                    Publicity(
                        site_id=site_id,
                        kind=p["kind"],
                        title=p["title"],
                        body=p.get("body", ""),
                        sort=i,
                    )
                )
        uow.commit()
    return creds


def _seed_booking_rules(s: Any, site_id: int, services: dict[str, Service]) -> None:
    """The demo hall's bookable items (kept when an admin has already changed them)."""
    from .storage.models import BookingRule

    for d in D.BOOKING_RULES:
        sv = services[d["service"]]
        if s.get(BookingRule, sv.id) is None:
            s.add(
                BookingRule(
                    service_id=sv.id,
                    site_id=site_id,
                    periods=d["periods"],
                    slot_min=d["slot_min"],
                    capacity=d["capacity"],
                    saturday_capacity=d["saturday_capacity"],
                    active=True,
                )
            )


def _seed_service_periods(
    s: Any, site_id: int, services: dict[str, Service], windows: dict[int, Window]
) -> None:
    """The demo hall's lunchtime 延时服务 and Saturday-morning 错时服务 (unless it has periods)."""
    from .storage.models import ServicePeriod

    if s.scalar(select(ServicePeriod.id).where(ServicePeriod.site_id == site_id).limit(1)):
        return
    for d in D.SERVICE_PERIODS:
        s.add(
            ServicePeriod(
                site_id=site_id,
                kind=d["kind"],
                name=d["name"],
                name_en=d["name_en"],
                days=d["days"],
                start=d["start"],
                end=d["end"],
                window_ids=[windows[n].id for n in d["windows"]],
                service_ids=[services[c].id for c in d["services"]],
                active=True,
            )
        )


def counts(db: Database) -> dict[str, Any]:
    """How much the demo hall holds (for the init summary)."""
    from sqlalchemy import func

    with UnitOfWork(db, write=False) as uow:
        s = uow.session
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Department, Service, Window, Staff, Device)
        }
