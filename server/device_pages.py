"""Device pages (kiosk, hall and window screens, evaluator) keep their token out of the address.

API.md has a device open its page with `?token=` on first load. The server then keeps the token
in an HttpOnly cookie scoped to that page's path, and the page takes `token` out of its address
(server/static/qh/client.js), so the token is not left in history, bookmarks, screenshots of
the address bar or proxy logs; a reload reads it from the cookie. A token given in the address
always wins, so a screen can be moved to another device's token by opening the new link.
"""

from __future__ import annotations

from flask import Response, after_this_request, current_app, request

COOKIE = "qh_device"
MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie; a rotated token ends it sooner


def page_token() -> str:
    """The device token of this page request: `?token=` when the address has one (even empty: a
    screen opened with a blank token is refused), else the one remembered for this page."""
    if "token" in request.args:
        return (request.args.get("token") or "").strip()
    return (request.cookies.get(COOKIE) or "").strip()


def remember(token: str) -> None:
    """Keep `token` for this page's path in an HttpOnly cookie (set on the answer being built)."""
    path = request.path

    @after_this_request
    def _set(resp: Response) -> Response:
        resp.set_cookie(
            COOKIE,
            token,
            max_age=MAX_AGE_S,
            path=path,
            httponly=True,
            samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return resp
