"""The ticket on paper: its layout from the hall's data, and the admin's preview of that layout.

The preview goes through the very encoder the spooler uses (`render_ticket`) and is read back
with the printer simulator's decoder, so what the admin sees is what the printer is sent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select

from hardware.escpos_decode import DecodedTicket, decode_escpos
from hardware.escpos_ticket import LANGS, Lang, TicketLayout, render_ticket

from ...engine.errors import NotFound
from ...engine.numbering import business_day, local_time
from ...storage.models import Device, Service, Site, Ticket, Window, WindowService
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import links, read_models

PRIORITY_MARKS = {"priority": ("优先", "Priority"), "green": ("绿色通道", "Green channel")}
DEFAULT_FOOTER = "请留意大厅屏幕和语音叫号，过号请到咨询台"
DEFAULT_FOOTER_EN = (
    "Please watch the hall screen and listen for your number; if you miss it, ask at the help desk."
)
MAX_AREA_WINDOWS = 4
PAPER_WIDTHS = (58, 80)
SAMPLE_PUBLIC_ID = "preview"


def _estimate_min(s: Any, site: Site, service: Service, day: date, ahead: int) -> int | None:
    """The hall's shared estimate (the one the kiosk screen shows), or None while no window serving
    the item is open: then the kiosk says 窗口暂未开放, and the paper prints no minutes either."""
    from ..queue.public import HallFigures

    est = HallFigures(s, site.id, day).estimate(service, ahead)
    return int(est.minutes) if est.windows_open else None


def wait_area(s: Any, service_id: int) -> tuple[str | None, str | None]:
    """Where to wait, in Chinese and English: ("3、4号窗口附近", "windows 3, 4")."""
    numbers = sorted(
        s.scalars(
            select(Window.number)
            .join(WindowService, WindowService.window_id == Window.id)
            .where(WindowService.service_id == service_id, Window.active)
        )
    )
    if not numbers:
        return None, None
    shown = [str(n) for n in numbers[:MAX_AREA_WINDOWS]]
    more = len(numbers) > MAX_AREA_WINDOWS
    zh = f"{'、'.join(shown)}号{'等' if more else ''}窗口附近"
    en = (
        f"window{'s' if len(numbers) > 1 else ''} {', '.join(shown)}{' and others' if more else ''}"
    )
    return zh, en


def base_url(site: Site, config: Any, server_url: str | None) -> str:
    """The address printed in the QR code: the hall's setting, then the config, then this server."""
    return links.public_base_url(site.public_base_url, config.get("PUBLIC_BASE_URL"), server_url)


def kiosk_options(dev: Device | None, config: Any) -> tuple[int, Lang]:
    """Paper width and ticket language of a kiosk (the config's defaults without one)."""
    paper = int(
        dev.paper_mm if dev is not None and dev.paper_mm else config.get("PRINTER_PAPER_MM", 80)
    )
    lang = (
        dev.ticket_lang
        if dev is not None and dev.ticket_lang
        else config.get("PRINTER_TICKET_LANG", "zh+en")
    )
    return (paper if paper in PAPER_WIDTHS else 80), cast(Lang, lang if lang in LANGS else "zh+en")


def _layout(
    s: Any,
    site: Site,
    service: Service,
    config: Any,
    *,
    number: str,
    priority: str,
    ahead: int,
    day: date,
    issued: datetime,
    qr_url: str,
    paper: int,
    lang: Lang,
) -> TicketLayout:
    extra = site.settings or {}
    area, area_en = wait_area(s, service.id)
    mark, mark_en = PRIORITY_MARKS.get(priority, (None, None))
    return TicketLayout(
        centre_name=site.name,
        centre_name_en=site.name_en or None,
        service_name=service.name,
        service_name_en=service.name_en or None,
        number=number,
        priority_mark=mark,
        priority_mark_en=mark_en,
        waiting_ahead=ahead,
        estimated_wait_min=_estimate_min(s, site, service, day, ahead),
        issued_at=local_time(issued, site.timezone).strftime("%Y-%m-%d %H:%M"),
        wait_area=area,
        wait_area_en=area_en,
        qr_url=qr_url,
        footer=with_hotline(
            extra.get("ticket_footer") or config.get("PRINTER_FOOTER") or DEFAULT_FOOTER, site, "zh"
        ),
        footer_en=with_hotline(
            extra.get("ticket_footer_en") or config.get("PRINTER_FOOTER_EN") or DEFAULT_FOOTER_EN,
            site,
            "en",
        ),
        lang=lang,
        paper_mm=paper,  # type: ignore[arg-type]
    )


def with_hotline(footer: str, site: Site, lang: str) -> str:
    """The footer with the hall's 监督电话 after it (the footer alone when the hall has none).

    After a footer that ends a sentence the hotline is a sentence of its own: the English default
    ends with a full stop, and "...help desk.; supervision hotline" was printed."""
    phone = str((site.settings or {}).get("supervision_phone") or "")
    if not phone:
        return footer
    if lang == "zh":
        return f"{footer}{'' if footer.endswith('。') else '；'}监督电话：{phone}"
    if footer.rstrip().endswith((".", "!", "?")):
        return f"{footer.rstrip()} Supervision hotline: {phone}."
    return f"{footer}; supervision hotline: {phone}"


def ticket_layout(s: Any, t: Ticket, config: Any, server_url: str | None) -> TicketLayout:
    """Everything printed on the ticket, from the database, its kiosk's options and the config."""
    site = s.get_one(Site, t.site_id)
    dev = s.get(Device, t.device_id) if t.device_id else None
    paper, lang = kiosk_options(dev, config)
    return _layout(
        s,
        site,
        s.get_one(Service, t.service_id),
        config,
        number=t.number,
        priority=t.priority,
        ahead=read_models.waiting_ahead(s, t),
        day=t.day,
        issued=t.issued_at,
        qr_url=f"{base_url(site, config, server_url)}/t/{t.public_id}",
        paper=paper,
        lang=lang,
    )


def sample_layout(
    s: Any, site: Site, config: Any, server_url: str | None, now: datetime, paper: int, lang: Lang
) -> TicketLayout:
    """A ticket of the hall's first item as it would print now (the admin's preview)."""
    service = s.scalar(
        select(Service)
        .where(Service.site_id == site.id, Service.active)
        .order_by(Service.sort, Service.id)
        .limit(1)
    )
    if service is None:  # a hall with no items yet still previews its header and footer
        service = Service(
            id=0,
            site_id=site.id,
            name="示例事项",
            name_en="Sample item",
            prefix="A",
            expected_service_min=10,
        )
    day = business_day(now, site.timezone, site.reset_hour)
    ahead = (
        int(read_models.waiting_counts(s, site.id, day).get(str(service.id), 0) or 0)
        if service.id
        else 0
    )
    return _layout(
        s,
        site,
        service,
        config,
        number=f"{service.prefix}001",
        priority="normal",
        ahead=ahead,
        day=day,
        issued=now,
        qr_url=f"{base_url(site, config, server_url)}/t/{SAMPLE_PUBLIC_ID}",
        paper=paper,
        lang=lang,
    )


def preview(
    ctx: Context,
    who: Principal,
    paper: int | None,
    lang: str | None,
    device_id: int | None = None,
    server_url: str | None = None,
) -> tuple[bytes, DecodedTicket, int, Lang]:
    """The sample ticket's ESC/POS bytes, what a printer makes of them, its paper and language.

    Paper and language default to those of kiosk `device_id`, else to the config's defaults.
    """
    if not who.is_supervisor:
        raise Forbidden("only supervisors and admins preview the ticket layout")
    with ctx.uow(write=False) as uow:
        s = uow.session
        dev = None
        if device_id is not None:
            dev = s.get(Device, device_id)
            if dev is None or dev.site_id != who.site_id:
                raise NotFound(f"no device {device_id}")
        dev_paper, dev_lang = kiosk_options(dev, ctx.config)
        chosen = cast(Lang, lang or dev_lang)
        width = paper or dev_paper
        layout = sample_layout(
            s, s.get_one(Site, who.site_id), ctx.config, server_url, ctx.clock.now(), width, chosen
        )
    data = render_ticket(layout)
    return data, decode_escpos(data)[0], width, chosen
