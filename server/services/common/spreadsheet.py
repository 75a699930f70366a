"""The one way this server writes CSV and XLSX: every cell goes through `cleantext.safe_cell`.

Every export (report summary and table, heat map, bad ratings, assessment, audit log, catalogue)
writes through here, so a name such as `=HYPERLINK(...)` arrives in the spreadsheet as text, and
a character stored before input refused it cannot make an export fail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from .cleantext import safe_cell


def to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file with one header row, UTF-8 with BOM so Excel reads Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """Append one row to an openpyxl worksheet; text cells are stored as text, never as formulas."""
    ws.append([safe_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def to_xlsx(header: Sequence[Any], rows: Iterable[Sequence[Any]], title: str = "sheet") -> bytes:
    """An XLSX workbook of one sheet with one header row, frozen, and columns as wide as their text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31] or "sheet"
    append_row(ws, header)
    for row in rows:
        append_row(ws, row)
    fit_sheet(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _width(v: Any) -> int:
    """Display width of a cell's text: a Chinese character takes two columns."""
    text = "" if v is None else str(v)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def fit_sheet(ws: Any, sample: int = 2000) -> None:
    """Freeze the header row and size each column to its longest value (capped at 60).

    A column holding fractions (minutes, rates) shows them with their one decimal.
    """
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    for i, column in enumerate(
        ws.iter_cols(min_row=1, max_row=min(ws.max_row, sample + 1)), start=1
    ):
        ws.column_dimensions[get_column_letter(i)].width = min(
            60, max(_width(c.value) for c in column) + 2
        )
        if any(isinstance(c.value, float) for c in column[1:]):
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "0.0"
