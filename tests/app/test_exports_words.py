"""Reports a hall can hand on (issue 18, item 6): Chinese headers (English with lang=en), minutes with
one decimal, words for levels and states, XLSX with a frozen header and fitting columns."""

from __future__ import annotations

import csv
import io

from tests.app.ratingkit import phone, visit
from tests.conftest import Hall

DAY = "2026-11-30"


def test_exports_speak_chinese_by_default_and_english_when_asked(hall: Hall) -> None:
    from openpyxl import load_workbook

    t = visit(hall)
    assert phone(hall, t, {"level": 1, "reason": "态度生硬"}).status_code == 201
    sup = hall.client("super")
    base = f"/api/v1/reports/bad-ratings?from={DAY}&to={DAY}"
    zh = list(
        csv.DictReader(io.StringIO(sup.get(base + "&format=csv").get_data().decode("utf-8-sig")))
    )
    assert [(r["号码"], r["评价"], r["评价渠道"], r["整改状态"], r["回访期限"]) for r in zh] == [
        (t["number"], "非常不满意", "手机", "待整改", "2026-12-01")
    ]
    en = list(
        csv.DictReader(
            io.StringIO(sup.get(base + "&format=csv&lang=en").get_data().decode("utf-8-sig"))
        )
    )
    assert [(r["Number"], r["Rating"], r["Channel"], r["Rectification"]) for r in en] == [
        (t["number"], "Very dissatisfied", "Phone", "Open")
    ]

    table = f"/api/v1/reports/table?from={DAY}&to={DAY}&by=window&format=xlsx"
    sheet = load_workbook(io.BytesIO(sup.get(table).get_data())).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["编号", "名称", "取号/呼叫", "已办理"]
    assert (
        "平均等候（分钟）" in header
        and "好评率（%）" in header
        and "转出" in header
        and "转入" in header
    )
    assert all(
        not str(h).isascii() or str(h).startswith("P") for h in header
    )  # no English keys left
    name_col = sheet.column_dimensions["B"].width
    assert name_col >= len("1号 市场监管窗口") * 2  # Chinese text takes two columns per character
    minutes = header.index("平均办理（分钟）") + 1
    assert (
        sheet.cell(row=2, column=minutes).number_format == "0.0"
    )  # 10.0, not 10, in a spreadsheet too
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (row["名称"], row["差评率（%）"], row["非常不满意"]) == ("1号 市场监管窗口", 100.0, 1)

    audit = sup.get("/api/v1/audit?format=csv").get_data().decode("utf-8-sig")
    actions = {r["操作"] for r in csv.DictReader(io.StringIO(audit))}
    assert {"叫号", "手机评价", "办理完成"} <= actions and "call_next" not in actions

    assert (
        sup.get(f"/api/v1/reports/table?from={DAY}&to={DAY}&format=csv&lang=fr").status_code == 422
    )
