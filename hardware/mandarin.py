"""Mandarin normalisation of ticket numbers and window numbers for speech.

Pure functions, no I/O. Speech engines guess at "A001" or "12" (an English
letter name, "one hundred", "twelve"); we hand them what a hall clerk would
say: ticket digits one by one ("A零零一"), window numbers as cardinals ("十二").
`speech_text` is the one normaliser of a hall's call sentence: the server's
screen audio and the announcer both speak through it, so they say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_TEMPLATE = "请{number}号到{window}号窗口办理"

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿")
_DIGIT_RUN = re.compile(r"\d+")
# A ticket-like token: one to three letters then digits, not inside a longer word.
_TICKET = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3})(\d+)(?![A-Za-z0-9])")
_CARDINAL_MAX_DIGITS = 4  # longer runs (telephone numbers, codes) are read digit by digit


def read_number(number: str) -> str:
    """Spell a ticket number digit by digit, keeping letters: "A001" -> "A零零一"."""
    return "".join(_DIGITS[int(ch)] if ch.isascii() and ch.isdigit() else ch for ch in number)


def _read_below_10000(n: int) -> str:
    # Inner zeros collapse to one 零 ("一千零五"); trailing zeros are silent.
    out: list[str] = []
    pending_zero = False
    for pos in range(3, -1, -1):
        digit = (n // 10**pos) % 10
        if digit == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def read_window(n: int) -> str:
    """Read a non-negative integer as a Mandarin cardinal: 12 -> "十二", 101 -> "一百零一"."""
    if n < 0:
        raise ValueError(f"window number must not be negative: {n}")
    if n == 0:
        return "零"
    if n >= 10**12:
        raise ValueError(f"window number too large to read: {n}")
    groups: list[int] = []
    rest = n
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    out: list[str] = []
    for idx in range(len(groups) - 1, -1, -1):
        group = groups[idx]
        if group == 0:
            continue
        # A group under 1000 after a higher group needs a 零 ("一万零五").
        if out and group < 1000:
            out.append("零")
        out.append(_read_below_10000(group) + _BIG_UNITS[idx])
    text = "".join(out)
    # Spoken Mandarin drops the leading 一 of 10..19 ("十二", not "一十二").
    if 10 <= n < 20:
        text = text[1:]
    return text


def _read_run(digits: str) -> str:
    # "12" is a count (十二); "0451" or "12345678" is a code, said digit by digit.
    if len(digits) > _CARDINAL_MAX_DIGITS or (len(digits) > 1 and digits[0] == "0"):
        return read_number(digits)
    return read_window(int(digits))


def _read_digit_runs(text: str) -> str:
    """Replace every run of ASCII digits with its spoken reading."""
    return _DIGIT_RUN.sub(lambda m: _read_run(m.group()), text)


def speech_text(text: str, number: str | None = None) -> str:
    """Normalise a call sentence for Mandarin speech: "请A001号到12号窗口" -> "请A零零一号到十二号窗口".

    ``number``, when known, is the ticket number in the sentence, read digit by
    digit (its first appearance) even without a letter prefix; other ticket-like
    tokens (letters then digits) are read the same way, and every remaining
    run of digits as a cardinal (a window number).
    """
    spoken = text
    if number:
        # Once: a sentence names its ticket once, and "12" may also be the window's number.
        spoken = re.sub(
            r"(?<![A-Za-z0-9])" + re.escape(number) + r"(?![A-Za-z0-9])",
            lambda _m: read_number(number),
            spoken,
            count=1,
        )
    spoken = _TICKET.sub(lambda m: m.group(1) + read_number(m.group(2)), spoken)
    return _read_digit_runs(spoken)


def _speech_window(window: int | str) -> str:
    if isinstance(window, int):
        return read_window(window)
    return _read_digit_runs(str(window).strip())


class _KeepMissing(dict[str, str]):
    """Leave unknown placeholders visible instead of failing on a site's custom template."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(_KeepMissing(values))


def announcement(template: str, number: str, window: int | str, window_name: str = "") -> str:
    """Render a call template with forms an engine reads right: "请A零零一号到三号窗口办理"."""
    return _render(
        template or DEFAULT_TEMPLATE,
        {
            "number": read_number(number),
            "window": _speech_window(window),
            "window_name": _read_digit_runs(window_name),
        },
    )


def display_text(template: str, number: str, window: int | str, window_name: str = "") -> str:
    """Render a call template with plain digits for screens: "请A001号到3号窗口办理"."""
    return _render(
        template or DEFAULT_TEMPLATE,
        {"number": number, "window": str(window).strip(), "window_name": window_name},
    )
