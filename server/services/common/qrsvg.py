"""QR codes drawn here as SVG (no CDN, no client library): a ticket's status page, the booking page."""

from __future__ import annotations

import io


def svg(url: str) -> bytes:
    """The QR code of `url` as an SVG document."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()
