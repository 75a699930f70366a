"""Draw a decoded ticket as a PNG, roughly as a thermal printer would print it."""

from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from hardware.escpos_decode import DecodedLine, DecodedQR, DecodedTicket

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PAPER_DOTS = {58: 384, 80: 576}  # printable width at 203 dpi
BASE_DOTS = 24  # font A cell height; a CJK glyph is 24 x 24 dots
MARGIN = 16

FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(size: int) -> FontT:
    """The CJK font at this pixel size, or Pillow's default when it is not installed."""
    if os.path.exists(CJK_FONT):
        try:
            return ImageFont.truetype(CJK_FONT, size)
        except OSError:
            pass  # half-installed font package: fall back rather than fail the print
    return ImageFont.load_default(size=size)


def _line_image(line: DecodedLine) -> Image.Image:
    """One text line scaled like GS ! does: height by height_mult, width by width_mult."""
    size = BASE_DOTS * line.height_mult
    font = _font(size)
    stroke = 1 if line.bold else 0
    right = font.getbbox(line.text or " ", stroke_width=stroke)[2]
    # Height from the font's metrics (not the glyphs) keeps every line of a size the same pitch.
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        pitch = ascent + descent
    else:
        pitch = size + size // 4
    img = Image.new("L", (max(int(right), 1) + 2, pitch + 2 * stroke + 4), 255)
    draw = ImageDraw.Draw(img)
    draw.text((0, 2 + stroke), line.text, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
    if line.width_mult != line.height_mult:
        # Width and height multipliers are independent on the printer: stretch horizontally.
        new_w = max(1, round(img.width * line.width_mult / line.height_mult))
        img = img.resize((new_w, img.height), Image.Resampling.BICUBIC)
    return img


def _qr_image(qr: DecodedQR) -> Image.Image:
    """The QR symbol at the printer's module size (level M, like the ticket command)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=max(qr.module_dots, 1), border=1
    )
    code.add_data(qr.payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def ticket_image(ticket: DecodedTicket, paper_mm: int = 80) -> Image.Image:
    """The ticket drawn on paper of that width (greyscale)."""
    width = PAPER_DOTS.get(paper_mm, PAPER_DOTS[80])
    parts: list[tuple[Image.Image, str]] = []
    for block in ticket.blocks:
        if isinstance(block, DecodedQR):
            parts.append((_qr_image(block), block.align))
        else:
            parts.append((_line_image(block), block.align))
    height = sum(img.height for img, _ in parts) + 2 * MARGIN
    page = Image.new("L", (width + 2 * MARGIN, height), 255)
    y = MARGIN
    for img, align in parts:
        if img.width > width:  # the printer would wrap; shrink instead of clipping
            img = img.resize((width, img.height))
        x = {"center": (width - img.width) // 2, "right": width - img.width}.get(align, 0)
        page.paste(img, (MARGIN + x, y))
        y += img.height
    if ticket.cut:
        draw = ImageDraw.Draw(page)
        for x in range(0, page.width, 12):  # dashed cut line
            draw.line([(x, height - 2), (x + 6, height - 2)], fill=128)
    return page


def ticket_png_bytes(ticket: DecodedTicket, paper_mm: int = 80) -> bytes:
    """The ticket as PNG bytes (for a preview answered over HTTP)."""
    buf = io.BytesIO()
    ticket_image(ticket, paper_mm).save(buf, format="PNG")
    return buf.getvalue()


def render_ticket_png(ticket: DecodedTicket, path: str | Path, paper_mm: int = 80) -> Path:
    """Write the ticket as a PNG picture and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    ticket_image(ticket, paper_mm).save(out, format="PNG")
    return out
