"""Security headers on every answer of the app, pages and API alike.

The pages load nothing from elsewhere (halls run on closed intranets; scripts, styles, fonts and
the socket.io client are served by this server), so the policy allows this origin only: no
inline script or style, no framing, no plug-ins. Audio for `?sound=1` and the ticket preview are
made in the page as `blob:` URLs; QR codes and photos are served images.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # device tokens were once in page addresses; nothing leaks onwards
}


def install(app: Flask) -> None:
    """Add the headers to every response the app sends (a view's own value is kept)."""

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        for name, value in HEADERS.items():
            resp.headers.setdefault(name, value)
        return resp
