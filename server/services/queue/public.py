"""Public read models for the kiosk and the ticket's status page: no personal data, no sign-in."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...engine.errors import NotFound
from ...engine.estimate import Estimate, OpenWindow, estimate_wait
from ...engine.hours import closing_time, earliest, hours_today, is_open, next_opening
from ...engine.numbering import local_time
from ...engine.states import HELD_STATES, TicketState, WindowState
from ...storage.models import (
    Device,
    Service,
    ServiceDayCount,
    Site,
    Ticket,
    TicketEvent,
    Window,
    WindowService,
)
from ..access.principal import Forbidden, Principal
from ..calendar import service_periods
from ..catalog.keywords import all_terms, keywords_for
from ..catalog.pinyin import pinyin_keys_many
from ..context import Context
from ..notices import notice_optins
from ..ratings import case_rating, complaints, phone_rating, rating_settings
from . import links, read_models

RECENT_SAMPLES = 10


class HallFigures:
    """The live figures behind every estimate of one site and day, read once."""

    def __init__(self, s: Session, site_id: int, day: date) -> None:
        self.waiting = {int(k): v for k, v in read_models.waiting_counts(s, site_id, day).items()}
        links = s.execute(
            select(
                WindowService.window_id,
                WindowService.service_id,
                WindowService.weight,
                Window.state,
            )
            .join(Window, Window.id == WindowService.window_id)
            .where(Window.site_id == site_id, Window.active)
        ).all()
        held = set(
            s.scalars(
                select(Ticket.window_id).where(
                    Ticket.site_id == site_id,
                    Ticket.state.in_([x.value for x in HELD_STATES]),
                    Ticket.window_id.is_not(None),
                )
            )
        )
        weights: dict[int, dict[int, int]] = {}
        states: dict[int, str] = {}
        for wid, sid, weight, state in links:
            weights.setdefault(wid, {})[sid] = weight
            states[wid] = state
        self.open_windows = [
            OpenWindow(weights[wid], busy=wid in held)
            for wid in weights
            if states[wid] == WindowState.OPEN
        ]
        self.serving: dict[int, int] = {}
        for wid in weights:
            for sid in weights[wid]:
                self.serving[sid] = self.serving.get(sid, 0) + 1
        self.recent: dict[int, list[float]] = {}
        rows = s.execute(
            select(TicketEvent.service_id, TicketEvent.duration_s)
            .where(
                TicketEvent.site_id == site_id,
                TicketEvent.day == day,
                TicketEvent.type == "finished",
                TicketEvent.duration_s.is_not(None),
            )
            .order_by(TicketEvent.id.desc())
        )
        for sid, dur in rows:
            got = self.recent.setdefault(sid, [])
            if len(got) < RECENT_SAMPLES:
                got.append(float(dur or 0))

    def estimate(self, service: Service, ahead: int) -> Estimate:
        """The estimated wait for someone with `ahead` people before them in this item's queue."""
        wins = [w for w in self.open_windows if w.weights.get(service.id, 0) > 0]
        return estimate_wait(
            ahead,
            service.id,
            self.recent.get(service.id, []),
            service.expected_service_min,
            wins,
            self.waiting,
            self.serving.get(service.id, 0),
        )


def _site(s: Session, site_id: int) -> Site:
    return s.get_one(Site, site_id)


def estimates(ctx: Context, site_id: int) -> dict[str, Any]:
    """Per active item: people waiting, estimated wait, open windows, today's cap, search keys; keywords."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = _site(s, site_id)
        day = read_models.today(site, now)
        figures = HallFigures(s, site.id, day)
        local = local_time(now, site.timezone)
        items = []
        services = list(
            s.scalars(
                select(Service)
                .where(Service.site_id == site.id, Service.active)
                .order_by(Service.sort, Service.id)
            )
        )
        keys = pinyin_keys_many([sv.name for sv in services])
        issued = dict(
            s.execute(
                select(ServiceDayCount.service_id, ServiceDayCount.issued).where(
                    ServiceDayCount.day == day,
                    ServiceDayCount.service_id.in_([sv.id for sv in services]),
                )
            ).all()
        )
        hd = service_periods.HallDay(s, site)
        for sv in services:
            open_now, nxt = service_periods.item_open(hd, site, sv.id, sv.hours, local)
            waiting = figures.waiting.get(sv.id, 0)
            est = figures.estimate(sv, waiting)
            initials, full = keys[sv.name]
            remaining = (
                None if sv.daily_cap is None else max(0, sv.daily_cap - int(issued.get(sv.id, 0)))
            )
            items.append(
                {
                    "service_id": sv.id,
                    "waiting": waiting,
                    "estimated_wait_min": est.minutes,
                    "windows_open": est.windows_open,
                    "windows_serving": figures.serving.get(sv.id, 0),
                    "initials": initials,
                    "pinyin": full,
                    "daily_cap": sv.daily_cap,
                    "remaining_today": remaining,
                    "full": remaining == 0,
                    # the item's own hours (empty: the hall's) and whether a ticket is issued now
                    # (the ordinary hours, or a 延时/错时 period taking it); when not, when next
                    "hours": sv.hours or {},
                    "open_now": open_now,
                    "next_open": None if nxt is None else service_periods.when(nxt, local),
                }
            )
        consulting = s.scalars(
            select(Window)
            .where(Window.site_id == site.id, Window.active, Window.kind == "consulting")
            .order_by(Window.number)
        )
        desks = [{"number": w.number, "name": w.name, "name_en": w.name_en} for w in consulting]
        found = keywords_for(
            ((sv.id, sv.name, sv.department.short_name) for sv in services),
            pinyin_keys_many(all_terms()),
        )
        return {"items": items, "consulting_windows": desks, "keywords": found}


def hall_status(ctx: Context, site_id: int) -> dict[str, Any]:
    """Whether the hall takes tickets now, until when, and when it next opens (for the kiosk's banner)."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = _site(s, site_id)
        local = local_time(now, site.timezone)
        hours = site.hours or {}
        hd = service_periods.HallDay(s, site)
        # the hall calendar: a public holiday (or the hall's own closing day) closes the hall, an
        # adjusted working weekend day (调休上班日) opens it with the ordinary weekday hours
        days = hd.holidays
        open_now = is_open(hours, local, days)
        extra = service_periods.status(s, site, local, hd)
        # a 延时/错时 period running takes (some) tickets while the ordinary hours are closed
        taking = open_now or not site.enforce_hours or extra["extended_now"]
        nxt = (
            earliest(next_opening(hours, local, days), extra["_next_period"])
            if not taking
            else None
        )
        closes = closing_time(hours, local, days) if site.enforce_hours else None
        holiday = days.key(hours, local.date()) is None
        return {
            "taking_tickets": taking,
            "enforce_hours": site.enforce_hours,
            # tickets at any hour (hours not enforced, or none set): kiosk and hall screen say so
            "around_the_clock": not site.enforce_hours or not hours,
            "hours": hours,
            "open": open_now,
            "holiday": holiday,
            # an adjusted working weekend day: the hall keeps its weekday hours
            "workday": local.date() in days.workdays and local.weekday() >= 5,
            "local_now": local.isoformat(timespec="minutes"),
            "hours_today": hours_today(hours, local.date(), days),
            "closes_at": closes.strftime("%H:%M") if closes else None,
            "next_open": None if nxt is None else service_periods.when(nxt, local),
            # 延时/错时服务: today's periods not over yet (windows, items, `now`), and whether one runs
            "extended_now": extra["extended_now"],
            "extended_today": extra["extended_today"],
        }


def kiosk_printer(ctx: Context, kiosk: Principal) -> dict[str, Any]:
    """This kiosk's own ticket printer, as last polled: online, paper (ok, low, out, unknown), error."""
    if kiosk.kind != "device" or kiosk.role != "kiosk":
        raise Forbidden("only a kiosk asks for its own printer")
    with ctx.uow(write=False) as uow:
        dev = uow.session.get_one(Device, kiosk.id)
        st = (dev.status or {}).get("printer") or {}
        printer = (
            None
            if not dev.printer_url
            else {
                "online": st.get("online"),
                "paper": st.get("paper", "unknown"),
                "error": st.get("error"),
                "checked_at": st.get("checked_at"),
            }
        )
        return {"device_id": dev.id, "printer": printer}


def status_link(ctx: Context, public_id: str, server_base: str | None) -> str:
    """The address behind a ticket's QR code, by the same rule as the printed ticket."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        site = _site(s, t.site_id)
        return links.ticket_url(
            public_id, site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), server_base
        )


def booking_link(ctx: Context, site_id: int, server_base: str | None) -> str:
    """The address behind the hall screen's booking QR code, by the ticket QR's rule."""
    with ctx.uow(write=False) as uow:
        site = _site(uow.session, site_id)
        return links.booking_url(
            site.public_base_url, ctx.config.get("PUBLIC_BASE_URL"), server_base
        )


def ticket_status(ctx: Context, public_id: str) -> dict[str, Any]:
    """A ticket as its holder may see it: number, item, state, place, estimate, window, outcome."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.scalar(select(Ticket).where(Ticket.public_id == public_id))
        if t is None:
            raise NotFound("no such ticket")
        site = _site(s, t.site_id)
        sv = s.get_one(Service, t.service_id)
        ahead = read_models.waiting_ahead(s, t)
        minutes: int | None = None
        windows_open: bool | None = None
        serving: int | None = None
        if t.state == TicketState.WAITING and t.day == read_models.today(site, now):
            figures = HallFigures(s, site.id, t.day)
            est = figures.estimate(sv, ahead)
            windows_open, serving = est.windows_open, figures.serving.get(sv.id, 0)
            # no minutes while no window for the item is open: a figure then would be a guess
            minutes = est.minutes if est.windows_open else None
        win = s.get(Window, t.window_id) if t.window_id else None
        return {
            "public_id": t.public_id,
            "number": t.number,
            "state": t.state,
            "priority": t.priority,
            "service": {
                "name": sv.name,
                "name_en": sv.name_en,
                "department": sv.department.name,
                "department_en": sv.department.name_en,
            },
            "site": {"name": site.name, "name_en": site.name_en},
            "waiting_ahead": ahead,
            # opted in to be texted before its turn: the phone it gave, masked
            "notify": notice_optins.opted_in(s, t.id),
            "estimated_wait_min": minutes,
            "windows_open": windows_open,
            "windows_serving": serving,
            "window": {"number": win.number, "name": win.name, "name_en": win.name_en}
            if win
            else None,
            "recall_count": t.recall_count,
            "outcome": t.outcome,
            "print_state": t.print_state,
            "day": t.day.isoformat(),
            "issued_at": read_models.iso(t.issued_at),
            "called_at": read_models.iso(t.called_at),
            "finished_at": read_models.iso(t.finished_at),
            # issue 18: rating from the phone, complaints filed with this ticket, the 监督电话
            "rating": phone_rating.rating_status(s, site, t, now),
            "case_rating": case_rating.status(s, site, t, now),  # 办件送达后评价
            "complaints": complaints.of_ticket(s, t.id),
            "supervision_phone": rating_settings.supervision_phone(site),
        }


def public_id_of(ctx: Context, ticket_id: int) -> str:
    """The public id of a ticket (the kiosk's QR code link)."""
    with ctx.uow(write=False) as uow:
        t = uow.session.get(Ticket, ticket_id)
        if t is None:
            raise NotFound(f"no ticket {ticket_id}")
        return t.public_id
