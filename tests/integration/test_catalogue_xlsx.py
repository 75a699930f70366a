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
