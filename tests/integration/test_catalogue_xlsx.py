"""The item catalogue to and from XLSX: a round trip, and a bad file that imports nothing."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from tests.conftest import Hall

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(hall: Hall) -> Any:
    r = hall.client("admin").get("/api/v1/catalogue.xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    return load_workbook(io.BytesIO(r.data))


def _import(hall: Hall, wb: Workbook, who: str = "admin") -> Any:
    buf = io.BytesIO()
    wb.save(buf)
    return hall.client(who).post(
        "/api/v1/catalogue.xlsx",
        data={"file": (io.BytesIO(buf.getvalue()), "c.xlsx")},
        content_type="multipart/form-data",
    )


def _catalogue(hall: Hall) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    a = hall.client("admin")
    return a.get("/api/v1/admin/departments").get_json()["items"], a.get(
        "/api/v1/admin/services"
    ).get_json()["items"]


def _col(ws: Any, label: str) -> int:
    return [c.value for c in ws[1]].index(label) + 1


def test_exported_catalogue_imports_back_with_changes_and_new_rows(hall: Hall) -> None:
    a = hall.client("admin")
    a.patch(
        f"/api/v1/services/{hall.ids['B']}",
        json={
            "disclosure": {
                "basis": "《社会保险法》",
                "conditions": "本人申请",
                "materials": ["身份证", "一寸照片"],
                "procedure": ["受理", "制卡", "领卡"],
                "time_limit": "15个工作日",
                "fees": "免费",
            }
        },
    )
    before = _catalogue(hall)
    wb = _export(hall)
    assert _import(hall, wb).get_json() == {
        "departments_created": 0,
        "departments_updated": 2,
        "items_created": 0,
        "items_updated": 3,
    }
    assert _catalogue(hall) == before  # an untouched export changes nothing

    items = wb["事项"]
    items.cell(row=3, column=_col(items, "事项名称"), value="社会保障卡补领换领")
    wb["单位"].append(["sw", "区税务局", "Tax Bureau", "税务", 9, "是"])
    row = [
        "SW001",
        "sw",
        "发票领用",
        "",
        "G",
        "承诺件",
        3,
        40,
        12,
        25,
        "否",
        1,
        "是",
        "《发票管理办法》",
        "已办理税务登记",
        "营业执照\n经办人身份证",
        "受理\n审核\n发放",
        "即时",
        "不收费",
    ]
    items.append(row)
    r = _import(hall, wb)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "departments_created": 1,
        "departments_updated": 2,
        "items_created": 1,
        "items_updated": 3,
    }
    depts, svcs = _catalogue(hall)
    by_code = {s["code"]: s for s in svcs}
    assert by_code["SW001"]["department"]["name"] == "区税务局"
    assert by_code["SW001"]["mode"] == "promised" and by_code["SW001"]["daily_cap"] == 40
    assert by_code["SW001"]["disclosure"]["materials"] == ["营业执照", "经办人身份证"]
    card = next(s for s in svcs if s["id"] == hall.ids["B"])
    assert card["name"] == "社会保障卡补领换领"
    assert card["disclosure"]["procedure"] == ["受理", "制卡", "领卡"]
    again = _export(hall)
    assert [c.value for c in again["事项"][again["事项"].max_row]][:6] == [
        "SW001",
        "sw",
        "发票领用",
        None,
        "G",
        "承诺件",
    ]


def test_a_file_with_bad_rows_names_each_row_and_column_and_imports_nothing(hall: Hall) -> None:
    before = _catalogue(hall)
    wb = _export(hall)
    items = wb["事项"]
    items.cell(
        row=2, column=_col(items, "事项名称"), value="应当不会被写入的新名称"
    )  # a good change
    items.append(
        ["X1", "nosuch", "未知单位的事项", "", "F"]
    )  # row 5: unknown department (column B)
    items.append(["X2", "scjg", "错误前缀", "", "E"])  # row 6: forbidden prefix (column E)
    items.append(
        ["X3", "scjg", "时限错误", "", "F", "即办件", "三天"]
    )  # row 7: promised_days not a number (G)
    items.append(["X4", "scjg", None, "", "F"])  # row 8: no name (C)
    items.append(["X1", "scjg", "重复编码", "", "F"])  # row 9: duplicate code (A)
    r = _import(hall, wb)
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert err["code"] == "invalid_input" and err["row"] == 5 and err["column"] == "B"
    assert "row 5" in err["message"] and "column B" in err["message"]
    found = {(e["row"], e["column"], e["field"]) for e in err["errors"]}
    assert found == {
        (5, "B", "department_code"),
        (6, "E", "prefix"),
        (7, "G", "promised_days"),
        (8, "C", "name"),
        (9, "A", "code"),
    }
    assert all(e["sheet"] == "事项" and e["message"] for e in err["errors"])
    assert _catalogue(hall) == before


def test_a_department_code_used_twice_is_named_at_its_second_row(hall: Hall) -> None:
    before = _catalogue(hall)
    wb = _export(hall)
    depts = wb["单位"]
    code = depts.cell(row=2, column=_col(depts, "单位编码")).value
    depts.append([code, "重复的单位"])
    again = depts.max_row
    r = _import(hall, wb)
    assert r.status_code == 422
    [e] = r.get_json()["error"]["errors"]
    assert (e["sheet"], e["row"], e["column"], e["field"]) == ("单位", again, "A", "code")
    assert "also used in row 2" in e["message"]
    assert _catalogue(hall) == before


def test_only_an_admin_imports_and_a_non_xlsx_file_is_refused(hall: Hall) -> None:
    wb = _export(hall)
    assert _import(hall, wb, "super").status_code == 403
    assert _import(hall, wb, "clerk1").status_code == 403
    assert hall.client("clerk1").get("/api/v1/catalogue.xlsx").status_code == 403
    r = hall.client("admin").post(
        "/api/v1/catalogue.xlsx",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), "c.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "file"
    bare = Workbook()
    bare.active.title = "事项"
    bare.active.append(["事项编码", "单位编码", "奇怪的列"])
    err = _import(hall, bare).get_json()["error"]
    assert {(e["row"], e["column"]) for e in err["errors"] if e["column"]} == {(1, "C")}
    assert {e["field"] for e in err["errors"]} >= {"name", "prefix"}


# ---- 预约 rules with the catalogue (issue 19) ------------------------------------------------

BOOKING_HEADERS = [
    "可预约",
    "预约时段",
    "每段时长(分钟)",
    "每段名额",
    "周六每段名额",
    "可提前预约天数(空=大厅设置)",
    "每号码每日限约(空=大厅设置)",
]


def _rules(hall: Hall) -> dict[int, dict[str, Any]]:
    items = hall.client("admin").get("/api/v1/booking-rules").get_json()["items"]
    return {r["service_id"]: r for r in items}


def _row_of(ws: Any, code: str) -> int:
    codes = [c.value for c in ws["A"]]
    return codes.index(code) + 1


def test_booking_rules_go_out_and_come_back_with_the_catalogue(hall: Hall) -> None:
    a = hall.client("admin")
    r = a.put(
        f"/api/v1/booking-rules/{hall.ids['A']}",
        json={
            "periods": [["09:00", "11:30"], ["13:30", "16:00"]],
            "slot_min": 20,
            "capacity": 3,
            "saturday_capacity": 1,
            "days_ahead": 5,
            "per_phone_item": 2,
        },
    )
    assert r.status_code == 200, r.get_json()
    wb = _export(hall)
    ws = wb["事项"]
    assert [c.value for c in ws[1]][-len(BOOKING_HEADERS) :] == BOOKING_HEADERS  # Chinese headers
    codes = {s["id"]: s["code"] for s in _catalogue(hall)[1]}
    ra, rb = _row_of(ws, codes[hall.ids["A"]]), _row_of(ws, codes[hall.ids["B"]])
    cells = [ws.cell(row=ra, column=_col(ws, h)).value for h in BOOKING_HEADERS]
    assert cells == ["是", "09:00-11:30, 13:30-16:00", 20, 3, 1, 5, 2]
    assert ws.cell(row=rb, column=_col(ws, "可预约")).value == "否"
    before = _rules(hall)
    # the same file back changes nothing
    assert _import(hall, wb).status_code == 200
    assert _rules(hall) == before
    # B made bookable from the sheet (hall limits: blank), A switched off (its periods kept)
    for h, v in zip(
        BOOKING_HEADERS, ["是", "09:00-10:00；14:00-15:00", 30, 2, 0, None, None], strict=True
    ):
        ws.cell(row=rb, column=_col(ws, h)).value = v
    ws.cell(row=ra, column=_col(ws, "可预约")).value = "否"
    r = _import(hall, wb)
    assert r.status_code == 200, r.get_json()
    after = _rules(hall)
    assert after[hall.ids["B"]] == {
        "service_id": hall.ids["B"],
        "periods": [["09:00", "10:00"], ["14:00", "15:00"]],
        "slot_min": 30,
        "capacity": 2,
        "saturday_capacity": 0,
        "active": True,
        "days_ahead": None,
        "per_phone_item": None,
    }
    assert after[hall.ids["A"]]["active"] is False
    assert after[hall.ids["A"]]["periods"] == [["09:00", "11:30"], ["13:30", "16:00"]]
    assert hall.ids["C"] not in after  # not bookable, and no rule made for it
    # the public page offers B now, with the hall's horizon (7 days), and not A
    offered = hall.client().get("/api/v1/public/bookable-services").get_json()
    assert [i["id"] for i in offered["items"]] == [hall.ids["B"]]
    assert offered["items"][0]["days_ahead"] == 7


def test_bad_booking_cells_name_their_row_and_column_and_import_nothing(hall: Hall) -> None:
    before = _rules(hall)
    wb = _export(hall)
    ws = wb["事项"]
    ws.cell(row=2, column=_col(ws, "可预约")).value = "是"
    ws.cell(row=2, column=_col(ws, "预约时段")).value = "上午九点"
    ws.cell(row=3, column=_col(ws, "可预约")).value = "是"
    ws.cell(row=3, column=_col(ws, "预约时段")).value = "09:00-12:00"
    ws.cell(row=3, column=_col(ws, "每段名额")).value = -1
    r = _import(hall, wb)
    err = r.get_json()["error"]
    assert r.status_code == 422
    where = {(e["row"], e["field"]) for e in err["errors"]}
    assert (2, "booking_periods") in where and (3, "booking_capacity") in where
    first = next(e for e in err["errors"] if e["field"] == "booking_periods")
    assert first["column"] == ws.cell(row=1, column=_col(ws, "预约时段")).column_letter
    assert _rules(hall) == before


def test_a_file_without_booking_columns_leaves_the_rules_alone(hall: Hall) -> None:
    a = hall.client("admin")
    assert (
        a.put(
            f"/api/v1/booking-rules/{hall.ids['A']}",
            json={"periods": [["09:00", "10:00"]], "slot_min": 30, "capacity": 2},
        ).status_code
        == 200
    )
    before = _rules(hall)
    wb = _export(hall)
    ws = wb["事项"]
    ws.delete_cols(_col(ws, "可预约"), len(BOOKING_HEADERS))  # an export from before issue 19
    assert _import(hall, wb).status_code == 200
    assert _rules(hall) == before
