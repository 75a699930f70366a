"""The item catalogue (departments and items with disclosure fields) to and from XLSX.

Import is all or nothing: every row is checked first, each error names its sheet, row and
column, and the catalogue is written in one transaction only when the whole file is good.
Rows are matched by code; departments and items missing from the file are left as they are.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...engine import booking
from ...engine.errors import Conflict, InvalidInput
from ...engine.numbering import validate_prefix
from ...offload import blocking
from ...storage.models import BookingRule, Department, Service
from ..access.principal import Forbidden, Principal
from ..common import reasons
from ..common.cleantext import MULTILINE, refuse_controls, unescape_cell
from ..common.spreadsheet import append_row
from ..context import Context
from . import catalog, hours_text

MAX_ROWS = 5000
MODES = {"instant": "即办件", "promised": "承诺件", "joint": "联办件", "agency": "代办件"}
YES = {"1", "true", "yes", "y", "是", "启用", "√", "✓", "x"}
NO = {"0", "false", "no", "n", "否", "停用", ""}

DEPT_SHEET = ("单位", "departments")
ITEM_SHEET = ("事项", "items")
DEPT_COLUMNS: list[tuple[str, str]] = [
    ("code", "单位编码"),
    ("name", "单位名称"),
    ("name_en", "英文名称"),
    ("short_name", "简称"),
    ("sort", "排序"),
    ("active", "启用"),
]
ITEM_COLUMNS: list[tuple[str, str]] = [
    ("code", "事项编码"),
    ("department_code", "单位编码"),
    ("name", "事项名称"),
    ("name_en", "英文名称"),
    ("prefix", "号码前缀"),
    ("mode", "办件类型"),
    ("promised_days", "承诺时限(工作日)"),
    ("daily_cap", "每日限号"),
    ("expected_service_min", "预计办理(分钟)"),
    ("wait_threshold_min", "等候预警(分钟)"),
    ("needs_consult", "需先咨询"),
    ("sort", "排序"),
    ("active", "启用"),
    ("basis", "设定依据"),
    ("conditions", "受理条件"),
    ("materials", "申请材料(每行一项)"),
    ("procedure", "办理流程(每行一步)"),
    ("time_limit", "法定时限"),
    ("fees", "收费标准"),
    ("hours", "办理时段"),
    # 预约 (issue 19): the item's booking rule; a file without 可预约 leaves the rules alone
    ("bookable", "可预约"),
    ("booking_periods", "预约时段"),
    ("slot_min", "每段时长(分钟)"),
    ("booking_capacity", "每段名额"),
    ("saturday_capacity", "周六每段名额"),
    ("booking_days_ahead", "可提前预约天数(空=大厅设置)"),
    ("booking_per_phone_item", "每号码每日限约(空=大厅设置)"),
]
DISCLOSURE = ("basis", "conditions", "materials", "procedure", "time_limit", "fees")
BOOKING = (
    "bookable",
    "booking_periods",
    "slot_min",
    "booking_capacity",
    "saturday_capacity",
    "booking_days_ahead",
    "booking_per_phone_item",
)
_PERIOD = re.compile(r"(\d{1,2}:\d{2})\s*[-–~～至到]\s*(\d{1,2}:\d{2})")


def _pad(hhmm: str) -> str:
    h, m = hhmm.split(":")
    return f"{int(h):02d}:{m}"


def parse_periods(text: str) -> tuple[list[list[str]], str | None]:
    """A rule's bookable periods from a cell, "09:00-11:30, 13:30-17:00", and why not (None: fine)."""
    spans = [[_pad(a), _pad(b)] for a, b in _PERIOD.findall(text or "")]
    rest = _PERIOD.sub("", text or "")
    if not spans or re.sub(r"[\s,，;；、]+", "", rest):
        return [], "write the periods as 09:00-11:30, 13:30-17:00"
    return spans, None


def format_periods(periods: list[Any]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in periods or [])


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, v: Any, info: ValidationInfo) -> Any:
        refuse_controls(v, info.field_name in MULTILINE)  # the same rule as the API's input
        return v


class DeptRow(_Row):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    short_name: str = Field(default="", max_length=60)
    sort: int = 0
    active: bool = True


class ItemRow(_Row):
    code: str = Field(min_length=1, max_length=40)
    department_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    prefix: str = Field(min_length=1, max_length=1)
    mode: str = "instant"
    promised_days: int = Field(default=0, ge=0, le=365)
    daily_cap: int | None = Field(default=None, ge=1)
    expected_service_min: int = Field(default=10, ge=1, le=600)
    wait_threshold_min: int = Field(default=30, ge=1, le=600)
    needs_consult: bool = False
    sort: int = 0
    active: bool = True
    hours: str = Field(default="", max_length=300)
    basis: str = ""
    conditions: str = ""
    materials: list[str] = []
    procedure: list[str] = []
    time_limit: str = ""
    fees: str = ""
    bookable: bool = False
    booking_periods: str = Field(default="", max_length=200)
    slot_min: int = Field(default=30, ge=5, le=240)
    booking_capacity: int = Field(default=4, ge=0, le=500)
    saturday_capacity: int = Field(default=2, ge=0, le=500)
    booking_days_ahead: int | None = Field(default=None, ge=0, le=60)
    booking_per_phone_item: int | None = Field(default=None, ge=1, le=20)


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    field: str
    message: str
    reason: str = (
        "invalid"  # a code the page translates (services/common/reasons.py), with `params`
    )
    params: dict[str, Any] = dc_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "reason": self.reason,
            "params": self.params,
        }


# ---- export ------------------------------------------------------------------------------------


def _lines(value: Any) -> str:
    return "\n".join(str(x) for x in value) if isinstance(value, list) else str(value or "")


@blocking
def export(ctx: Context, who: Principal) -> bytes:
    """The hall's whole catalogue, active or not, as an XLSX workbook."""
    if not who.is_supervisor:
        raise Forbidden("only supervisors and admins export the catalogue")
    wb = Workbook()
    ws_d = wb.active
    ws_d.title = DEPT_SHEET[0]
    ws_i = wb.create_sheet(ITEM_SHEET[0])
    with ctx.uow(write=False) as uow:
        s = uow.session
        depts = list(
            s.scalars(
                select(Department)
                .where(Department.site_id == who.site_id)
                .order_by(Department.sort, Department.id)
            )
        )
        items = list(
            s.scalars(
                select(Service)
                .where(Service.site_id == who.site_id)
                .order_by(Service.department_id, Service.sort, Service.id)
            )
        )
        append_row(ws_d, [label for _, label in DEPT_COLUMNS])
        for d in depts:
            append_row(
                ws_d, [d.code, d.name, d.name_en, d.short_name, d.sort, "是" if d.active else "否"]
            )
        rules = {
            r.service_id: r
            for r in s.scalars(select(BookingRule).where(BookingRule.site_id == who.site_id))
        }
        append_row(ws_i, [label for _, label in ITEM_COLUMNS])
        for sv in items:
            disc = sv.disclosure or {}
            rule = rules.get(sv.id)
            append_row(
                ws_i,
                [
                    sv.code,
                    sv.department.code,
                    sv.name,
                    sv.name_en,
                    sv.prefix,
                    MODES.get(sv.mode, sv.mode),
                    sv.promised_days,
                    sv.daily_cap,
                    sv.expected_service_min,
                    sv.wait_threshold_min,
                    "是" if sv.needs_consult else "否",
                    sv.sort,
                    "是" if sv.active else "否",
                    *(_lines(disc.get(k, "")) for k in DISCLOSURE),
                    hours_text.format_hours(sv.hours),
                    *_booking_cells(rule),
                ],
            )
    for ws, cols in ((ws_d, DEPT_COLUMNS), (ws_i, ITEM_COLUMNS)):
        for i, (key, _label) in enumerate(cols, start=1):
            ws.cell(row=1, column=i).font = Font(bold=True)
            wide = key in ("name", "basis", "conditions", "materials", "procedure")
            ws.column_dimensions[get_column_letter(i)].width = 40 if wide else 14
        ws.freeze_panes = "A2"
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _booking_cells(rule: BookingRule | None) -> list[Any]:
    """An item's booking rule as the sheet's cells (no rule: not bookable, the rest blank)."""
    if rule is None:
        return ["否", "", None, None, None, None, None]
    return [
        "是" if rule.active else "否",
        format_periods(rule.periods),
        rule.slot_min,
        rule.capacity,
        rule.saturday_capacity,
        rule.days_ahead,
        rule.per_phone_item,
    ]


# ---- import ------------------------------------------------------------------------------------


def _sheet(wb: Any, names: tuple[str, ...]) -> Any:
    for n in names:
        if n in wb.sheetnames:
            return wb[n]
    return None


def _headers(
    sheet_name: str, header: tuple[Any, ...], cols: list[tuple[str, str]], errors: list[CellError]
) -> dict[str, int]:
    """Map each known column key to its 0-based position, by label or key."""
    known = {label: key for key, label in cols} | {key: key for key, _ in cols}
    where: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = str(cell).strip() if cell is not None else ""
        key = known.get(text) or known.get(text.split("(")[0].strip())
        if key:
            where[key] = i
        elif text:
            errors.append(
                CellError(
                    sheet_name,
                    1,
                    get_column_letter(i + 1),
                    "",
                    f"unknown column {text!r}",
                    "unknown_column",
                    {"column": text},
                )
            )
    for key, label in cols:
        if key in ("code", "name", "department_code", "prefix") and key not in where:
            if key == "department_code" and cols is DEPT_COLUMNS:
                continue
            errors.append(
                CellError(
                    sheet_name,
                    1,
                    "",
                    key,
                    f"the column {label} ({key}) is missing",
                    "missing_column",
                    {"column": label},
                )
            )
    return where


def _bool(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    t = str(v).strip().lower()
    if t in YES:
        return True
    if t in NO:
        return False
    return v  # pydantic names it


def _cell_value(key: str, v: Any) -> Any:
    if isinstance(v, str):
        v = unescape_cell(v.strip())  # our own export's apostrophe before =, +, -, @
    if key in ("active", "needs_consult", "bookable"):
        return True if v is None and key == "active" else _bool(v if v is not None else "")
    if key in ("materials", "procedure"):
        return [x.strip() for x in str(v or "").splitlines() if x.strip()]
    if key == "mode" and isinstance(v, str):
        return next((k for k, label in MODES.items() if label == v), v or "instant")
    if key == "code" or key == "department_code":
        return "" if v is None else str(v).strip() if not isinstance(v, float) else str(int(v))
    if key == "prefix" and isinstance(v, str):
        return v.upper()
    if v == "" or v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _rows(
    sheet_name: str,
    ws: Any,
    cols: list[tuple[str, str]],
    model: type[_Row],
    errors: list[CellError],
) -> tuple[list[tuple[int, Any]], dict[str, str]]:
    """Validated rows (with their row numbers) and the column letter of each key."""
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        errors.append(
            CellError(sheet_name, 1, "", "", "the sheet is empty (no header row)", "empty_sheet")
        )
        return [], {}
    where = _headers(sheet_name, header, cols, errors)
    letter = {k: get_column_letter(i + 1) for k, i in where.items()}
    out: list[tuple[int, Any]] = []
    for n, row in enumerate(it, start=2):
        if n > MAX_ROWS + 1:
            errors.append(
                CellError(
                    sheet_name,
                    n,
                    "",
                    "",
                    f"at most {MAX_ROWS} rows per sheet",
                    "too_many_rows",
                    {"max": MAX_ROWS},
                )
            )
            break
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        data = {}
        for k, i in where.items():
            v = _cell_value(k, row[i] if i < len(row) else None)
            if v is not None:
                data[k] = v
        try:
            out.append((n, model.model_validate(data)))
        except ValidationError as exc:
            for e in exc.errors(include_url=False, include_input=False):
                key = str(e["loc"][0]) if e["loc"] else ""
                errors.append(
                    CellError(
                        sheet_name,
                        n,
                        letter.get(key, ""),
                        key,
                        e["msg"],
                        *reasons.of_pydantic(dict(e)),
                    )
                )
    return out, letter


def _first_rows(
    sheet: str, codes: list[tuple[int, str]], letter: dict[str, str], errors: list[CellError]
) -> dict[str, int]:
    """Each code's first row on `sheet`; a code used again is an error at its later row."""
    first: dict[str, int] = {}
    for n, code in codes:
        if code in first:
            errors.append(
                CellError(
                    sheet,
                    n,
                    letter.get("code", ""),
                    "code",
                    f"code {code} is also used in row {first[code]}",
                    "duplicate_code",
                    {"code": code, "row": first[code]},
                )
            )
        first.setdefault(code, n)
    return first


def _check(
    depts: list[tuple[int, DeptRow]],
    items: list[tuple[int, ItemRow]],
    existing: set[str],
    dl: dict[str, str],
    il: dict[str, str],
    errors: list[CellError],
) -> None:
    codes = [(n, d.code) for n, d in depts]
    seen = _first_rows(DEPT_SHEET[0], codes, {"code": "A", **dl}, errors)
    known = existing | set(seen)
    _first_rows(ITEM_SHEET[0], [(n, it.code) for n, it in items], il, errors)
    for n, it in items:
        if it.department_code not in known:
            errors.append(
                CellError(
                    ITEM_SHEET[0],
                    n,
                    il.get("department_code", ""),
                    "department_code",
                    f"no department with code {it.department_code}",
                    "unknown_department",
                    {"code": it.department_code},
                )
            )
        why = validate_prefix(it.prefix)
        if why:
            errors.append(
                CellError(
                    ITEM_SHEET[0],
                    n,
                    il.get("prefix", ""),
                    "prefix",
                    why,
                    *reasons.prefix(it.prefix),
                )
            )
        if it.hours:
            _hours, why = hours_text.parse(it.hours)
            if why:
                errors.append(
                    CellError(ITEM_SHEET[0], n, il.get("hours", ""), "hours", why, "hours_text")
                )
        if it.bookable or it.booking_periods:
            periods, why = parse_periods(it.booking_periods)
            why = why or booking.validate_periods(periods, it.slot_min)
            if why:
                errors.append(
                    CellError(
                        ITEM_SHEET[0],
                        n,
                        il.get("booking_periods", ""),
                        "booking_periods",
                        why,
                        "booking_periods",
                    )
                )
        if it.mode not in MODES:
            errors.append(
                CellError(
                    ITEM_SHEET[0],
                    n,
                    il.get("mode", ""),
                    "mode",
                    f"use one of {', '.join(MODES.values())} ({', '.join(MODES)})",
                    "choice",
                    {"choices": "、".join(MODES.values())},
                )
            )


def import_xlsx(ctx: Context, who: Principal, data: bytes) -> dict[str, Any]:
    """Check the whole workbook, then write it in one transaction; 422 naming every bad cell."""
    if not who.is_admin:
        raise Forbidden("only an admin may import the catalogue")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, KeyError, InvalidFileException: all mean "not an XLSX"
        raise InvalidInput(
            f"file: not a readable XLSX workbook ({type(exc).__name__})",
            field="file",
            reason="not_xlsx",
        ) from None
    errors: list[CellError] = []
    ws_d, ws_i = _sheet(wb, DEPT_SHEET), _sheet(wb, ITEM_SHEET)
    if ws_i is None:
        raise InvalidInput(
            f"file: the workbook needs a sheet named {ITEM_SHEET[0]}",
            field="file",
            reason="missing_sheet",
            params={"sheet": ITEM_SHEET[0]},
        )
    depts, dl = (
        _rows(DEPT_SHEET[0], ws_d, DEPT_COLUMNS, DeptRow, errors) if ws_d is not None else ([], {})
    )
    items, il = _rows(ITEM_SHEET[0], ws_i, ITEM_COLUMNS, ItemRow, errors)
    wb.close()
    with ctx.uow() as uow:
        s = uow.session
        existing = {
            d.code: d
            for d in s.scalars(select(Department).where(Department.site_id == who.site_id))
        }
        _check(depts, items, set(existing), dl, il, errors)
        if errors:
            errors.sort(key=lambda e: (e.sheet != DEPT_SHEET[0], e.row, len(e.column), e.column))
            first = errors[0]
            where = f"{first.sheet} row {first.row}" + (
                f", column {first.column}" if first.column else ""
            )
            raise InvalidInput(
                f"{where}: {first.message} ({len(errors)} problem(s); nothing was imported)",
                field=first.field or "file",
                row=first.row,
                column=first.column,
                reason=first.reason,
                params=first.params,
                errors=[e.as_dict() for e in errors[:200]],
            )
        counts = {
            "departments_created": 0,
            "departments_updated": 0,
            "items_created": 0,
            "items_updated": 0,
        }
        for _n, d in depts:
            dept = existing.get(d.code)
            counts["departments_updated" if dept else "departments_created"] += 1
            if dept is None:
                dept = existing[d.code] = Department(site_id=who.site_id, code=d.code)
                s.add(dept)
            for k in catalog.DEPT_PLAIN_FIELDS:
                setattr(dept, k, getattr(d, k))
        s.flush()
        services = {
            sv.code: sv for sv in s.scalars(select(Service).where(Service.site_id == who.site_id))
        }
        for _n, it in items:
            sv = services.get(it.code)
            counts["items_updated" if sv else "items_created"] += 1
            if sv is None:
                sv = services[it.code] = Service(site_id=who.site_id, code=it.code)
                s.add(sv)
            sv.department_id = existing[it.department_code].id
            for k in catalog.SERVICE_PLAIN_FIELDS:
                setattr(sv, k, getattr(it, k))
            if "hours" in il:  # a file without the column (older export) leaves the hours alone
                sv.hours = hours_text.parse(it.hours)[0]
            guide = {k: getattr(it, k) for k in DISCLOSURE}
            if (
                any(guide.values()) or sv.disclosure
            ):  # an empty guide stays empty, not six blank keys
                sv.disclosure = {**(sv.disclosure or {}), **guide}
        try:
            s.flush()
        except IntegrityError as exc:
            raise Conflict(
                "the catalogue clashes with existing data; nothing was imported"
            ) from exc
        if "bookable" in il:  # a file without the column (older export) leaves the rules alone
            for _n, it in items:
                _write_rule(s, who.site_id, services[it.code], it)
            s.flush()
        catalog.catalog_changed(uow, who.site_id, "catalogue")
        uow.commit()
        return counts


def _write_rule(s: Any, site_id: int, sv: Service, it: ItemRow) -> None:
    """The row's booking rule: made or changed when bookable; an existing one switched off when
    not (its periods kept); none made for an item that is not bookable."""
    rule = s.get(BookingRule, sv.id)
    if not it.bookable and rule is None:
        return
    if rule is None:
        rule = BookingRule(service_id=sv.id, site_id=site_id)
        s.add(rule)
    rule.active = it.bookable
    if it.booking_periods:
        rule.periods = parse_periods(it.booking_periods)[0]
    rule.slot_min, rule.capacity, rule.saturday_capacity = (
        it.slot_min,
        it.booking_capacity,
        it.saturday_capacity,
    )
    rule.days_ahead, rule.per_phone_item = it.booking_days_ahead, it.booking_per_phone_item
