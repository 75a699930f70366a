"""Queue ticket layout rendered to raw ESC/POS bytes (text mode, native QR, no raster images)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

ESC_INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"  # FS &: bytes >= 0x80 are GB18030 from here on
CHINESE_OFF = b"\x1c."  # FS .
CUT = b"\x1dV\x00"  # GS V 0: full cut; function A is the one every cutter supports
ALIGN = {"left": b"\x1ba\x00", "center": b"\x1ba\x01", "right": b"\x1ba\x02"}

# ASCII columns of font A (12 dots) across the printable width; a CJK glyph takes two.
COLUMNS = {58: 32, 80: 48}
# Largest GS ! multiplier for the ticket number: big enough to read across the hall's queue,
# small enough to keep a 4-character number on one line.
NUMBER_MAX_MULT = {58: 5, 80: 6}
QR_MODULE_DOTS = {58: 5, 80: 6}

# Full-width punctuation that must not begin a line (Chinese typesetting, 避头点).
NO_LINE_START = set("，。、；：！？）》」』】〕…—％")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "ahead": "前面等候：{n} 人",
        "wait": "预计等候：约 {m} 分钟",
        "issued": "取号时间：{t}",
        "area": "请在{a}等候",
        "scan": "扫码查看排队进度",
        "mark": "【{m}】",
    },
    "en": {
        "ahead": "People ahead: {n}",
        "wait": "Est. wait: about {m} min",
        "issued": "Issued: {t}",
        "area": "Please wait at {a}",
        "scan": "Scan to follow your queue",
        "mark": "[ {m} ]",
    },
}


Lang = Literal["zh", "en", "zh+en"]
LANGS: tuple[Lang, ...] = ("zh", "en", "zh+en")


@dataclass(kw_only=True)
class TicketLayout:
    """Everything printed on one queue ticket, already formatted (keywords only).

    The *_en fields are the English texts; with lang "en" each falls back to the Chinese one,
    with "zh+en" (bilingual) the English line is printed under the Chinese one when it exists.
    """

    centre_name: str
    service_name: str
    number: str
    priority_mark: str | None = None
    waiting_ahead: int
    estimated_wait_min: int | None = None
    issued_at: str
    wait_area: str | None = None
    qr_url: str
    footer: str | None = None
    lang: Lang = "zh"
    paper_mm: Literal[58, 80] = 80
    centre_name_en: str | None = None
    service_name_en: str | None = None
    priority_mark_en: str | None = None
    wait_area_en: str | None = None
    footer_en: str | None = None


def char_cols(ch: str) -> int:
    """Columns a character occupies at normal size: 2 for full-width/CJK, 1 otherwise."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_cols(text: str) -> int:
    """Columns a string occupies at normal size."""
    return sum(char_cols(c) for c in text)


def wrap_text(text: str, cols: int) -> list[str]:
    """Wrap to at most cols columns: CJK breaks anywhere, Latin words move whole when they fit."""
    cols = max(cols, 2)
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line, width = "", 0
        i = 0
        while i < len(para):
            ch = para[i]
            if ch.isascii() and not ch.isspace():
                # Take the whole Latin word so it is not split across lines.
                j = i
                while j < len(para) and para[j].isascii() and not para[j].isspace():
                    j += 1
                word = para[i:j]
                if width + len(word) > cols and line.strip() and len(word) <= cols:
                    lines.append(line.rstrip())
                    line, width = "", 0
                for c in word:  # a word longer than a line is split hard
                    if width + 1 > cols:
                        lines.append(line)
                        line, width = "", 0
                    line, width = line + c, width + 1
                i = j
                continue
            w = char_cols(ch)
            if width + w > cols:
                carry = ""
                if ch in NO_LINE_START and len(line) > 1 and not line[-1].isascii():
                    # Closing punctuation may not start a line: take the previous glyph along.
                    line, carry = line[:-1], line[-1]
                lines.append(line.rstrip())
                line, width = carry, text_cols(carry)
                if ch.isspace():
                    i += 1
                    continue
            line, width = line + ch, width + w
            i += 1
        lines.append(line.rstrip())
    return lines


def encode_text(text: str) -> bytes:
    """Bytes for one line of text: plain ASCII, or GB18030 wrapped in FS & ... FS .."""
    if text.isascii():
        return text.encode("ascii")
    # Encoding ourselves keeps full-width punctuation and rare CJK (4-byte GB18030) intact.
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF


def size_cmd(width: int, height: int) -> bytes:
    """GS ! n: character width and height multipliers, 1..8 each."""
    return b"\x1d!" + bytes([((width - 1) << 4) | (height - 1)])


def bold_cmd(on: bool) -> bytes:
    """ESC E n: emphasised (bold) on or off."""
    return b"\x1bE" + (b"\x01" if on else b"\x00")


def _block(text: str, cols: int, width: int = 1, height: int = 1, bold: bool = False) -> bytes:
    """A wrapped paragraph at the given size; every line ends with LF."""
    out = size_cmd(width, height) + bold_cmd(bold)
    for line in wrap_text(text, cols // width):
        out += encode_text(line) + b"\n"
    return out + size_cmd(1, 1) + bold_cmd(False)


def native_qr(payload: str, module_dots: int) -> bytes:
    """GS ( k sequence for a model 2, level M QR code printed by the printer itself."""
    # imported here: python-escpos loads its printer-capabilities database on import (~30 MB)
    from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
    from escpos.printer import Dummy

    dummy = Dummy()
    dummy.qr(payload, ec=QR_ECLEVEL_M, size=module_dots, model=QR_MODEL_2, native=True)
    return dummy.output


def _texts(lang: str, zh: str | None, en: str | None) -> tuple[str | None, str | None]:
    """(first line, English line beneath it or None) for one field in `lang`."""
    if lang == "en":
        return (en or zh), None
    if lang == "zh+en":
        return zh, (en if en and en != zh else None)
    return zh, None


def render_ticket(layout: TicketLayout) -> bytes:
    """Render a queue ticket to raw ESC/POS bytes for a 58 or 80 mm printer."""
    if layout.paper_mm not in COLUMNS:
        raise ValueError(f"paper_mm must be 58 or 80, not {layout.paper_mm!r}")
    if layout.lang not in LANGS:
        raise ValueError(f"lang must be 'zh', 'en' or 'zh+en', not {layout.lang!r}")
    cols = COLUMNS[layout.paper_mm]
    lang = layout.lang
    first = LABELS["en" if lang == "en" else "zh"]
    en = LABELS["en"]

    def field(
        zh: str | None,
        en_text: str | None,
        width: int = 1,
        height: int = 1,
        bold: bool = False,
        en_bold: bool = False,
    ) -> bytes:
        # The English line is always normal size: the Chinese one is what the hall reads first.
        top, below = _texts(lang, zh, en_text)
        out = _block(top, cols, width, height, bold) if top else b""
        return out + (_block(below, cols, bold=en_bold) if below else b"")

    def label(key: str, width: int = 1, height: int = 1, bold: bool = False, **kw: object) -> bytes:
        return field(
            first[key].format(**kw),
            en[key].format(**kw) if lang == "zh+en" else None,
            width,
            height,
            bold,
        )

    out = bytearray(ESC_INIT)
    out += ALIGN["center"]
    out += field(layout.centre_name, layout.centre_name_en, bold=True)
    out += b"-" * cols + b"\n"
    out += field(layout.service_name, layout.service_name_en, 2, 2, bold=True, en_bold=True)
    if layout.priority_mark:
        top, below = _texts(lang, layout.priority_mark, layout.priority_mark_en)
        out += _block(first["mark"].format(m=top), cols, 2, 1, bold=True)
        if below:
            out += _block(en["mark"].format(m=below), cols, bold=True)
    mult = max(1, min(NUMBER_MAX_MULT[layout.paper_mm], cols // max(text_cols(layout.number), 1)))
    out += b"\n" + _block(layout.number, cols, mult, mult, bold=True) + b"\n"
    out += label("ahead", 1, 2, n=layout.waiting_ahead)
    if layout.estimated_wait_min is not None:
        out += label("wait", m=layout.estimated_wait_min)
    if layout.wait_area:
        top, below = _texts(lang, layout.wait_area, layout.wait_area_en)
        out += _block(first["area"].format(a=top), cols, bold=True)
        if below:
            out += _block(en["area"].format(a=below), cols)
    out += b"\n"
    if layout.qr_url:
        out += native_qr(layout.qr_url, QR_MODULE_DOTS[layout.paper_mm])
        out += b"\n" + label("scan")
    out += label("issued", t=layout.issued_at)
    if layout.footer or layout.footer_en:
        out += b"-" * cols + b"\n"
        out += field(layout.footer or layout.footer_en, layout.footer_en)
    out += ALIGN["left"]
    # ESC d 5: carry the last line past the cutter before cutting.
    out += b"\x1bd\x05" + CUT
    return bytes(out)
