"""Exports are safe to open in a spreadsheet, and control characters neither get in nor break an export."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from tests.conftest import Hall

DAY = "2026-11-30"
EVIL = '=HYPERLINK("http://evil.example/","click")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _exports(hall: Hall) -> list[str]:
    r = f"from={DAY}&to={DAY}"
    return [
        f"/api/v1/reports/summary?{r}&by=service",
        f"/api/v1/reports/summary?{r}&by=window",
        f"/api/v1/reports/summary?{r}&by=staff",
        f"/api/v1/reports/table?{r}&by=department",
        f"/api/v1/reports/bad-ratings?{r}",
        f"/api/v1/reports/assessment?{r}&by=staff",
        f"/api/v1/reports/heatmap?{r}",
        "/api/v1/audit?limit=1000",
    ]


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_cells(data: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(data))  # not data_only: a formula would show as one
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _visit(hall: Hall, level: int, reason: str) -> None:
    ids, c1 = hall.ids, hall.client("clerk1")
    t = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": ids["A"]}).get_json()
    c1.post(f"/api/v1/windows/{ids['w1']}/open", json={})
    assert c1.post(f"/api/v1/windows/{ids['w1']}/call-next").get_json()["id"] == t["id"]
    c1.post(f"/api/v1/tickets/{t['id']}/start")
    assert c1.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"}).status_code == 200
    r = hall.client("eval1").post(
        f"/api/v1/tickets/{t['id']}/evaluation", json={"level": level, "reason": reason}
    )
    assert r.status_code == 201, r.get_json()


def test_a_formula_in_a_name_comes_out_of_every_export_as_text(hall: Hall) -> None:
    admin, ids = hall.client("admin"), hall.ids
    for path, body in (
        (f"/api/v1/services/{ids['A']}", {"name": EVIL}),
        (f"/api/v1/departments/{ids['dept1']}", {"name": "+cmd|' /C calc'!A0"}),
        (f"/api/v1/windows/{ids['w1']}", {"name": "@SUM(1+1)*cmd"}),
        (f"/api/v1/staff/{ids['clerk1']}", {"name": "-2+3+cmd"}),
    ):
        assert admin.patch(path, json=body).status_code == 200, (
            path,
            admin.patch(path, json=body).get_json(),
        )
    _visit(hall, 1, "=1+2")
    # the audit export needs no login to be poisoned: a sign-in attempt is enough
    assert (
        hall.client()
        .post("/api/v1/auth/login", json={"username": EVIL, "password": "x"})
        .status_code
        == 401
    )

    sup = hall.client("super")
    for path in _exports(hall):
        data = sup.get(path + "&format=csv")
        assert data.status_code == 200, path
        cells = [c for row in _csv_cells(data.get_data()) for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_START)], path
        book = sup.get(path + "&format=xlsx")
        assert book.status_code == 200, path
        xcells = _xlsx_cells(book.get_data())
        assert not [c.value for c in xcells if c.data_type == "f"], path
        texts = [c for c in xcells if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in texts), path
        assert not [c.value for c in texts if c.value.startswith(FORMULA_START)], path
        if (
            "heatmap" not in path and "by=window" not in path
        ):  # numbers only; "1号 @SUM…" is harmless
            assert any(c.startswith("'") and c[1:].startswith(FORMULA_START) for c in cells), path
        assert [c.value for c in xcells if isinstance(c.value, int | float)], (
            f"{path}: numbers stay numbers"
        )

    names = {
        c.value
        for c in _xlsx_cells(
            sup.get(
                "/api/v1/reports/summary?from=2026-11-30&to=2026-11-30&by=service&format=xlsx"
            ).get_data()
        )
    }
    assert "'" + EVIL in names
    catalogue = _xlsx_cells(admin.get("/api/v1/catalogue.xlsx").get_data())
    assert "'" + EVIL in {c.value for c in catalogue} and "'+cmd|' /C calc'!A0" in {
        c.value for c in catalogue
    }
    assert all(c.data_type != "f" for c in catalogue)
    assert not [
        c.value for c in catalogue if isinstance(c.value, str) and c.value.startswith(FORMULA_START)
    ]


def test_a_catalogue_exported_with_a_formula_like_name_imports_back_unchanged(hall: Hall) -> None:
    admin, ids = hall.client("admin"), hall.ids
    assert (
        admin.patch(f"/api/v1/services/{ids['A']}", json={"name": "-临时- 个体户登记"}).status_code
        == 200
    )
    data = admin.get("/api/v1/catalogue.xlsx").get_data()
    r = admin.post(
        "/api/v1/catalogue.xlsx",
        data={"file": (io.BytesIO(data), "catalogue.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    names = {s["name"] for s in admin.get("/api/v1/services").get_json()["items"]}
    assert "-临时- 个体户登记" in names and "'-临时- 个体户登记" not in names


def test_a_catalogue_row_with_a_control_character_is_refused_naming_its_cell(hall: Hall) -> None:
    from openpyxl import Workbook

    admin = hall.client("admin")
    wb = load_workbook(io.BytesIO(admin.get("/api/v1/catalogue.xlsx").get_data()))
    ws = wb["单位"]
    ws["B2"] = "市场\u009b监管局"  # a C1 control: XML holds it, a screen shows nothing
    out = io.BytesIO()
    wb.save(out)
    assert isinstance(wb, Workbook)
    r = admin.post(
        "/api/v1/catalogue.xlsx",
        data={"file": (io.BytesIO(out.getvalue()), "catalogue.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422, r.get_json()
    cells = [
        (e["sheet"], e["row"], e["column"], e["reason"]) for e in r.get_json()["error"]["errors"]
    ]
    assert cells == [("单位", 2, "B", "control_chars")]


def test_control_characters_are_refused_at_input_naming_the_field(hall: Hall) -> None:
    admin, ids = hall.client("admin"), hall.ids
    refused = [
        ("POST", "/api/v1/departments", {"name": "a\u0000b"}, "name"),
        (
            "PATCH",
            f"/api/v1/departments/{ids['dept1']}",
            {"short_name": "市场\u0007"},
            "short_name",
        ),
        (
            "POST",
            "/api/v1/services",
            {"department_id": ids["dept1"], "name": "登记\u001b[2J", "prefix": "F"},
            "name",
        ),
        ("PATCH", f"/api/v1/services/{ids['A']}", {"name": "两行\n名称"}, "name"),
        ("PATCH", f"/api/v1/windows/{ids['w1']}", {"name": "窗口\u009b名"}, "name"),
        ("PATCH", f"/api/v1/staff/{ids['clerk1']}", {"name": "张\u0000三"}, "name"),
        ("POST", "/api/v1/devices", {"name": "kiosk\u0007", "kind": "kiosk"}, "name"),
        ("PATCH", "/api/v1/settings", {"name": "中心\u0008"}, "name"),
        (
            "PATCH",
            f"/api/v1/services/{ids['A']}",
            {"disclosure": {"materials": ["身份证\u0000"]}},
            "disclosure.materials",
        ),
    ]
    for method, path, body, field in refused:
        r = admin.open(path, method=method, json=body)
        assert r.status_code == 422, (path, body, r.get_json())
        err = r.get_json()["error"]
        assert (err["code"], err["field"]) == ("invalid_input", field), (path, err)
        assert err["reason"] == "control_chars"
    # text meant to span lines still may
    ok = admin.patch(
        f"/api/v1/services/{ids['A']}", json={"disclosure": {"conditions": "第一条\n第二条"}}
    )
    assert ok.status_code == 200, ok.get_json()
    assert admin.get("/api/v1/departments").get_json()["items"].__len__() == 2

    # a sign-in whose username carries a bell is refused, and still audited, visibly
    r = hall.client().post(
        "/api/v1/auth/login", json={"username": "probe123\u0007", "password": "x"}
    )
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "username"
    sup = hall.client("super")
    logins = sup.get("/api/v1/audit?action=login").get_json()["items"]
    assert (
        logins[0]["actor_name"] == "probe123\\x07"
        and logins[0]["detail"]["username"] == "probe123\\x07"
    )
    assert sup.get("/api/v1/audit?format=xlsx").status_code == 200


def test_a_control_character_stored_before_the_rule_does_not_break_any_export(hall: Hall) -> None:
    from sqlalchemy import select, update

    from server.storage.models import Department, Site, Staff
    from server.storage.models_audit import AuditEntry

    _visit(hall, 2, "等了太久")
    with hall.ctx.uow() as uow:  # as an older version let them in
        s = uow.session
        s.execute(
            update(Department).where(Department.id == hall.ids["dept1"]).values(name="a\u0007b")
        )
        s.execute(update(Staff).where(Staff.id == hall.ids["clerk1"]).values(name="张\u001b三"))
        s.add(
            AuditEntry(
                site_id=s.scalar(select(Site.id)),
                at=hall.clock.now(),
                actor_kind="anonymous",
                actor_id=None,
                actor_name="probe123\u0007",
                actor_role="",
                action="login",
                method="POST",
                path="/api/v1/auth/login",
                target="",
                status=401,
                ip="10.0.0.9",
                user_agent="x\u0001y",
                detail={},
            )
        )
        uow.commit()
    sup, admin = hall.client("super"), hall.client("admin")
    seen: set[str] = set()
    for path in [*_exports(hall), "/api/v1/catalogue.xlsx?"]:
        for fmt in ("csv", "xlsx"):
            if "catalogue" in path and fmt == "csv":
                continue
            r = (admin if "catalogue" in path else sup).get(
                path + ("&" if not path.endswith("?") else "") + f"format={fmt}"
            )
            assert r.status_code == 200, (path, fmt)
            if fmt == "xlsx":
                seen |= {str(c.value) for c in _xlsx_cells(r.get_data())}
            else:
                seen |= {c for row in _csv_cells(r.get_data()) for c in row}
    assert {"a\\x07b", "张\\x1b三", "probe123\\x07", "x\\x01y"} <= seen
