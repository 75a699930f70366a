"""The hall screen and the per-window screens, opened by display devices with ?token=."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from server.device_pages import page_token, remember
from server.pages import page_config
from server.services.access import auth
from server.services.access.principal import Principal

LED_DEFAULT = (384, 192)
MISSED_DEFAULT_S = 30  # the same as `queuehall announcer --missed-seconds`


def _device() -> tuple[Principal | None, str]:
    """The display device behind ?token= (or the token this page remembered), verified by the
    server; None when it is not one."""
    token = page_token()
    if not token:
        return None, ""
    who = auth.authenticate(current_app.extensions["queuehall"], token)
    if who is None or who.kind != "device" or who.role != "display":
        return None, token
    remember(token)
    return who, token


def _refused(status: int, reason_key: str) -> tuple[str, int]:
    cfg = page_config(("display.",))
    return render_template(
        "display/refused.html", status=status, reason_key=reason_key, qh_config=cfg
    ), status


def _size(name: str, default: int) -> int:
    try:
        return max(64, min(4096, int(request.args.get(name, default))))
    except ValueError:
        return default


def _bookable(site_id: int) -> bool:
    """Whether the hall has an item that can be booked (then the hall screen shows the booking QR)."""
    from server.services.booking import appointments

    return bool(
        appointments.bookable_services(current_app.extensions["queuehall"], site_id)["items"]
    )


def _missed_s() -> int:
    """?missed=N: after a reconnect, calls younger than N seconds are still announced (default 30)."""
    try:
        return max(0, min(3600, int(request.args.get("missed", MISSED_DEFAULT_S))))
    except ValueError:
        return MISSED_DEFAULT_S


def make_blueprint() -> Blueprint:
    """Blueprint with /display/hall and /display/window/<number>."""
    bp = Blueprint(
        "display",
        __name__,
        url_prefix="/display",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )

    @bp.get("/hall")
    def hall() -> Any:
        """The big hall screen (?layout=led&w=&h= for an LED panel, ?sound=1 to speak calls itself)."""
        who, token = _device()
        if who is None:
            return _refused(401, "display.refused_token")
        led = request.args.get("layout") == "led"
        w, h = (_size("w", LED_DEFAULT[0]), _size("h", LED_DEFAULT[1])) if led else (1920, 1080)
        page = {
            "layout": "led" if led else "tv",
            "width": w,
            "height": h,
            "sound": request.args.get("sound") == "1",
            "missed_s": _missed_s(),
            # the public booking page's QR code, when the hall has items that can be booked
            "booking_qr": url_for("booking.qr") if not led and _bookable(who.site_id) else None,
        }
        from server.services.ratings import rating_settings

        hotline = rating_settings.phone_of_hall(
            current_app.extensions["queuehall"]
        )  # 监督电话 (issue 18)
        return render_template(
            "display/hall.html",
            page=page,
            hotline=hotline,
            qh_config=page_config(("display.", "hours."), token=token, page=page),
        )

    @bp.get("/window/<int:number>")
    def window(number: int) -> Any:
        """The screen above one window; a screen bound to a window shows only that window."""
        who, token = _device()
        if who is None:
            return _refused(401, "display.refused_token")
        if who.window_ids:
            from server.services.queue import windows

            mine = [
                w["number"]
                for w in windows.list_windows(current_app.extensions["queuehall"], who)
                if w["id"] in who.window_ids
            ]
            if number not in mine:
                return _refused(403, "display.refused_window")
        page = {"number": number}
        return render_template(
            "display/window.html",
            page=page,
            qh_config=page_config(("display.",), token=token, page=page),
        )

    return bp
