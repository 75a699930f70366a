"""Weekly hours as one line of text, for the catalogue spreadsheet: "周一至周五 09:00-12:00, 13:30-17:00；周六 09:00-12:00".

The API and the database keep hours as `{"mon": [["09:00", "12:00"]], ...}` (engine.hours); a
spreadsheet cell is easier to read and type as text. Days are Chinese (周一, 星期一) or English
(mon, Monday); a range is written with 至, 到, - or ~; "每天" or "daily" means every day.
"""

from __future__ import annotations

import re
from typing import Any

from ...engine.hours import DAY_KEYS, validate_hours

ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_NAMES: dict[str, int] = {}
for _i, _k in enumerate(DAY_KEYS):
    _NAMES[_k] = _i
    _NAMES[("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[_i]] = _i
    _NAMES[ZH[_i]] = _i
    _NAMES["星期" + "一二三四五六日"[_i]] = _i
_NAMES["周天"] = _NAMES["星期天"] = 6
_SPAN = re.compile(r"(\d{1,2}:\d{2})\s*[-–~～至到]\s*(\d{1,2}:\d{2})")
_RANGE = re.compile(r"\s*(?:至|到|-|–|~|～)\s*")


def _days(spec: str) -> list[int] | None:
    spec = spec.strip().lower()
    if spec in ("每天", "每日", "daily", "every day"):
        return list(range(7))
    out: list[int] = []
    for part in re.split(r"[、,，/\s]+", spec):
        if not part:
            continue
        ends = _RANGE.split(part)
        if len(ends) == 1 and ends[0] in _NAMES:
            out.append(_NAMES[ends[0]])
        elif len(ends) == 2 and ends[0] in _NAMES and ends[1] in _NAMES:
            a, b = _NAMES[ends[0]], _NAMES[ends[1]]
            if b < a:
                return None
            out.extend(range(a, b + 1))
        else:
            return None
    return out or None


def parse(text: str) -> tuple[dict[str, list[list[str]]], str | None]:
    """The hours a text describes, and why it cannot be read (None when it can). Empty text: no own hours."""
    hours: dict[str, list[list[str]]] = {}
    for segment in re.split(r"[;；\n]+", text or ""):
        segment = segment.strip()
        if not segment:
            continue
        first = _SPAN.search(segment)
        if first is None:
            return {}, f"{segment!r}: give days and times, e.g. 周一至周五 09:00-12:00"
        days = _days(segment[: first.start()])
        if days is None:
            return {}, f"{segment!r}: days are 周一 … 周日 (or mon … sun), a range like 周一至周五"
        spans = [[_pad(a), _pad(b)] for a, b in _SPAN.findall(segment)]
        for d in days:
            hours.setdefault(DAY_KEYS[d], []).extend(spans)
    why = validate_hours(hours)
    return (hours, None) if why is None else ({}, why)


def _pad(hhmm: str) -> str:
    h, m = hhmm.split(":")
    return f"{int(h):02d}:{m}"


def format_hours(hours: dict[str, Any] | None) -> str:
    """The hours as text, consecutive days with the same times joined: "周一至周五 09:00-12:00"."""
    if not hours:
        return ""
    cells = [tuple(tuple(s) for s in hours.get(k, [])) for k in DAY_KEYS]
    parts, i = [], 0
    while i < 7:
        j = i
        while j + 1 < 7 and cells[j + 1] == cells[i]:
            j += 1
        if cells[i]:
            days = ZH[i] if i == j else f"{ZH[i]}至{ZH[j]}"
            parts.append(days + " " + ", ".join(f"{a}-{b}" for a, b in cells[i]))
        i = j + 1
    return "；".join(parts)
