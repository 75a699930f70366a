"""/favicon.ico: the hall's icon (a ticket on the hall's red), drawn once with Pillow, so no page
answers 404 for it and no binary file is kept in the repository."""

from __future__ import annotations

import functools
import io


@functools.lru_cache(maxsize=1)
def icon_bytes() -> bytes:
    """A 16, 32 and 48 px ICO: a white ticket with a number line on a red rounded square."""
    from PIL import Image, ImageDraw

    size = 96
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, size - 1, size - 1), radius=20, fill=(196, 30, 36, 255))
    d.rounded_rectangle((24, 14, 72, 82), radius=6, fill=(255, 255, 255, 255))
    d.rectangle((32, 28, 64, 40), fill=(196, 30, 36, 255))  # the number
    for y in (50, 60, 70):
        d.line((32, y, 64, y), fill=(150, 150, 150, 255), width=3)
    out = io.BytesIO()
    img.save(out, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return out.getvalue()
