"""Text rules shared by input validation and every export: control characters and spreadsheet formulas.

Input refuses control characters (they show as nothing on a screen, break XML, and let a name
pass for another); exports still survive rows stored before that rule, by writing each such
character as visible text (`\\x07`). A spreadsheet cell that begins with `=`, `+`, `-`, `@`, tab or
carriage return would be read as a formula by Excel, LibreOffice or WPS, so exports put an
apostrophe in front of it (the usual spreadsheet-safety rule); numbers stay numbers.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, newline and carriage return; DEL and C1 controls; lone surrogates
# (they cannot even be encoded as UTF-8); the two non-characters XML forbids.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]")
# Characters an XLSX (XML 1.0) cell cannot hold at all; openpyxl raises on them.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Input fields meant to span lines (reasons, notes, guides, notices); every other text is one line.
MULTILINE = frozenset(
    {
        "reason",
        "note",
        "body",
        "basis",
        "conditions",
        "materials",
        "procedure",
        "time_limit",
        "fees",
    }
)


def control_problem(value: str, multiline: bool) -> str | None:
    """Why `value` is refused as input (None when it is fine): control characters anywhere, and in a
    one-line field also tabs and line breaks."""
    if CONTROL.search(value):
        return "contains a control character"
    if not multiline and LINE_BREAKS.search(value):
        return "contains a tab or line break (one line only)"
    return None


def refuse_controls(value: Any, multiline: bool) -> None:
    """Raise pydantic's `control_chars` error when any text in `value` (or in its lists and
    mappings) holds a control character; validators call it so the error names the field."""
    if isinstance(value, str):
        why = control_problem(value, multiline)
        if why:
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("control_chars", "the text " + why)
    elif isinstance(value, list | tuple):
        for v in value:
            refuse_controls(v, multiline)
    elif isinstance(value, dict):
        for k, v in value.items():
            refuse_controls(k, False)
            refuse_controls(v, multiline)


def _visible(ch: re.Match[str]) -> str:
    code = ord(ch.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """`text` with every character an XML document cannot hold written out as `\\xNN` / `\\uNNNN`."""
    return XML_ILLEGAL.sub(_visible, text)


def one_line(text: str) -> str:
    """`text` with every control character, tab and line break written out (for what an attacker may
    send that is kept anyway, such as the username of a refused sign-in in the audit log)."""
    text = CONTROL.sub(_visible, text)
    return LINE_BREAKS.sub(_visible, text)


def safe_cell(value: Any) -> Any:
    """One spreadsheet cell: numbers, dates and None as they are; text without XML-illegal
    characters and, when it would start a formula, with an apostrophe in front."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        import datetime as _dt

        if isinstance(value, _dt.date | _dt.time):
            return value
        value = str(value)
    text = visible_controls(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def unescape_cell(value: Any) -> Any:
    """Undo `safe_cell`'s apostrophe when a workbook this server exported is imported again."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value
