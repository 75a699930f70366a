"""Admin API: every change needs an admin, validation names the field, changes reach screens."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.conftest import Hall


def _png(w: int = 1600, h: int = 1200) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _changes(hall: Hall) -> list[tuple[str, str, dict[str, Any]]]:
    ids = hall.ids
    return [
        ("POST", "/api/v1/departments", {"name": "新单位"}),
        ("PATCH", f"/api/v1/departments/{ids['dept1']}", {"name": "改名"}),
        ("DELETE", f"/api/v1/departments/{ids['dept1']}", {}),
        (
            "POST",
            "/api/v1/services",
            {"department_id": ids["dept1"], "name": "新事项", "prefix": "F"},
        ),
        ("PATCH", f"/api/v1/services/{ids['A']}", {"active": False}),
        ("DELETE", f"/api/v1/services/{ids['A']}", {}),
        ("POST", "/api/v1/windows", {"number": 50, "name": "新窗口"}),
        ("PATCH", f"/api/v1/windows/{ids['w1']}", {"services": []}),
        ("DELETE", f"/api/v1/windows/{ids['w1']}", {}),
        ("POST", "/api/v1/staff", {"username": "newbie", "name": "新人"}),
        ("PATCH", f"/api/v1/staff/{ids['clerk2']}", {"role": "admin"}),
        ("DELETE", f"/api/v1/staff/{ids['clerk2']}", {}),
        ("POST", f"/api/v1/staff/{ids['clerk2']}/reset-password", {}),
        ("POST", "/api/v1/devices", {"name": "新取号机", "kind": "kiosk"}),
        ("PATCH", f"/api/v1/devices/{ids['kiosk']}", {"rotate_token": True}),
        ("DELETE", f"/api/v1/devices/{ids['kiosk']}", {}),
        ("PATCH", "/api/v1/settings", {"reset_hour": 3}),
        ("POST", "/api/v1/publicity", {"title": "通知", "body": "正文"}),
        ("PATCH", "/api/v1/publicity/1", {"active": False}),
        ("DELETE", "/api/v1/publicity/1", {}),
    ]


def test_only_an_admin_may_change_the_hall(hall: Hall) -> None:
    hall.client("admin").post("/api/v1/publicity", json={"title": "通知", "body": "正文"})
    for who in ("clerk1", "super", "kiosk", "display"):
        c = hall.client(who)
        for method, path, body in _changes(hall):
            r = c.open(path, method=method, json=body)
            assert r.status_code == 403, (who, method, path, r.status_code, r.get_json())
            assert r.get_json()["error"]["code"] == "forbidden"
        for path in (
            "/api/v1/admin/uploads",
            "/api/v1/catalogue.xlsx",
            f"/api/v1/staff/{hall.ids['clerk1']}/photo",
        ):
            r = c.post(
                path,
                data={"file": (io.BytesIO(_png(10, 10)), "x.png")},
                content_type="multipart/form-data",
            )
            assert r.status_code == 403, (who, path)
    anonymous = hall.client()
    assert anonymous.patch("/api/v1/settings", json={"reset_hour": 3}).status_code == 401
    assert anonymous.post("/api/v1/publicity", json={"title": "x", "body": "y"}).status_code == 401


def test_supervisors_read_the_configuration_and_clerks_do_not(hall: Hall) -> None:
    sup, clerk = hall.client("super"), hall.client("clerk1")
    for path in (
        "/api/v1/settings",
        "/api/v1/admin/publicity",
        "/api/v1/catalogue.xlsx",
        "/api/v1/staff",
        "/api/v1/devices",
        "/api/v1/admin/services",
    ):
        assert sup.get(path).status_code == 200, path
        assert clerk.get(path).status_code == 403, path


def test_admin_creates_updates_and_deletes_the_whole_configuration(hall: Hall) -> None:
    a = hall.client("admin")
    dept = a.post("/api/v1/departments", json={"name": "区税务局", "code": "sw"}).get_json()
    disclosure = {
        "basis": "《税收征收管理法》",
        "conditions": "已办理登记",
        "materials": ["身份证", "营业执照"],
        "procedure": ["受理", "办结"],
        "time_limit": "即时",
        "fees": "不收费",
    }
    r = a.post(
        "/api/v1/services",
        json={
            "department_id": dept["id"],
            "name": "发票领用",
            "prefix": "g",
            "mode": "promised",
            "promised_days": 3,
            "daily_cap": 50,
            "expected_service_min": 15,
            "wait_threshold_min": 20,
            "disclosure": disclosure,
        },
    )
    assert r.status_code == 201, r.get_json()
    item = r.get_json()
    assert item["prefix"] == "G" and item["disclosure"]["materials"] == ["身份证", "营业执照"]
    staff = a.post(
        "/api/v1/staff", json={"username": "shuiwu1", "name": "税务专员", "badge": "SW-01"}
    ).get_json()
    assert len(staff["password"]) >= 10  # generated and shown once
    win = a.post(
        "/api/v1/windows",
        json={
            "number": 20,
            "name": "税务窗口",
            "kind": "green",
            "services": [{"service_id": item["id"], "weight": 9}],
            "staff_ids": [staff["id"]],
        },
    ).get_json()
    assert win["service_ids"] == [item["id"]] and win["weights"] == {str(item["id"]): 9}
    listed = {s["id"]: s for s in a.get("/api/v1/staff").get_json()["items"]}
    assert listed[staff["id"]]["window_ids"] == [win["id"]]
    reset = a.post(f"/api/v1/staff/{staff['id']}/reset-password").get_json()
    login = hall.client().post(
        "/api/v1/auth/login", json={"username": "shuiwu1", "password": reset["password"]}
    )
    assert login.status_code == 200

    dev = a.post(
        "/api/v1/devices", json={"name": "税务评价器", "kind": "evaluator", "window_id": win["id"]}
    ).get_json()
    assert dev["token"].startswith("qhd_")
    listed_dev = [d for d in a.get("/api/v1/devices").get_json()["items"] if d["id"] == dev["id"]][
        0
    ]
    assert "token" not in listed_dev  # shown once, never again
    rotated = a.patch(f"/api/v1/devices/{dev['id']}", json={"rotate_token": True}).get_json()
    assert rotated["token"] != dev["token"]
    assert (
        hall.client()
        .get("/api/v1/snapshot", headers={"Authorization": f"Bearer {dev['token']}"})
        .status_code
        == 401
    )
    a.patch(f"/api/v1/devices/{dev['id']}", json={"active": False})
    revoked = hall.client().get(
        "/api/v1/snapshot", headers={"Authorization": f"Bearer {rotated['token']}"}
    )
    assert revoked.status_code == 401

    pub = a.post(
        "/api/v1/publicity", json={"title": "温馨提示", "body": "周六上午照常办公", "sort": 5}
    ).get_json()
    a.patch(f"/api/v1/publicity/{pub['id']}", json={"sort": 1, "title": "办公时间"})
    shown = a.get("/api/v1/admin/publicity").get_json()["items"]
    assert [p["title"] for p in shown] == ["办公时间"]

    a.patch(f"/api/v1/services/{item['id']}", json={"active": False})
    assert item["id"] not in [
        s["id"] for s in hall.client().get("/api/v1/services").get_json()["items"]
    ]
    for path in (
        f"/api/v1/publicity/{pub['id']}",
        f"/api/v1/devices/{dev['id']}",
        f"/api/v1/windows/{win['id']}",
        f"/api/v1/staff/{staff['id']}",
        f"/api/v1/services/{item['id']}",
        f"/api/v1/departments/{dept['id']}",
    ):
        assert a.delete(path).status_code == 200, path
    assert a.get("/api/v1/admin/publicity").get_json()["items"] == []


INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("/api/v1/settings", {"reset_hour": 24}, "reset_hour"),
    ("/api/v1/settings", {"priority_ratio": 0}, "priority_ratio"),
    ("/api/v1/settings", {"priority_ratio": 11}, "priority_ratio"),
    ("/api/v1/settings", {"announce_template": "请{number}号办理"}, "announce_template"),
    ("/api/v1/settings", {"announce_template": "{number}{window}{x}"}, "announce_template"),
    ("/api/v1/settings", {"hours": {"tue": [["13:00", "12:00"]]}}, "hours.tue"),
    ("/api/v1/settings", {"hours": {"someday": []}}, "hours"),
    ("/api/v1/settings", {"holidays": ["2026-10-01", "10/02"]}, "holidays.1"),
    ("/api/v1/settings", {"public_base_url": "ftp://x"}, "public_base_url"),
    ("/api/v1/services", {"department_id": 1, "name": "x", "prefix": "E"}, "prefix"),
    (
        "/api/v1/services",
        {"department_id": 1, "name": "x", "prefix": "F", "daily_cap": 0},
        "daily_cap",
    ),
    ("/api/v1/windows", {"number": 0, "name": "x"}, "number"),
    ("/api/v1/staff", {"username": "a b", "name": "x"}, "username"),
    ("/api/v1/publicity", {"kind": "image", "title": "无图"}, "media"),
    ("/api/v1/publicity", {"kind": "text", "title": "空"}, "body"),
    ("/api/v1/publicity", {"kind": "image", "title": "x", "media": "../../etc/passwd"}, "media"),
]


def test_invalid_input_is_refused_naming_the_field(hall: Hall) -> None:
    a = hall.client("admin")
    before = a.get("/api/v1/settings").get_json()
    for path, body, field in INVALID:
        method = "PATCH" if path.endswith("settings") else "POST"
        r = a.open(path, method=method, json=body)
        assert r.status_code == 422, (path, body, r.get_json())
        err = r.get_json()["error"]
        assert err["code"] == "invalid_input" and err["field"] == field, (body, err)
    assert a.get("/api/v1/settings").get_json() == before
    assert a.get("/api/v1/admin/publicity").get_json()["items"] == []


def test_a_change_refuses_null_where_nothing_can_be_empty_and_keeps_the_object(hall: Hall) -> None:
    a = hall.client("admin")
    ids = hall.ids
    service = f"/api/v1/services/{ids['A']}"
    before = a.get("/api/v1/services").get_json()["items"]
    for path, field in [
        (service, "department_id"),
        (service, "name"),
        (service, "prefix"),
        (f"/api/v1/windows/{ids['w1']}", "number"),
        (f"/api/v1/windows/{ids['w1']}", "services"),
        (f"/api/v1/staff/{ids['clerk1']}", "window_ids"),
        (f"/api/v1/devices/{ids['kiosk']}", "name"),
    ]:
        r = a.patch(path, json={field: None})
        assert r.status_code == 422, (path, field, r.get_json())
        assert r.get_json()["error"]["field"] == field
    assert a.get("/api/v1/services").get_json()["items"] == before
    # where empty means something, null is the way to say it: no daily cap, no printer
    assert a.patch(service, json={"daily_cap": 30}).get_json()["daily_cap"] == 30
    assert a.patch(service, json={"daily_cap": None}).get_json()["daily_cap"] is None
    assert a.patch(f"/api/v1/devices/{ids['kiosk']}", json={"printer_url": None}).status_code == 200


def test_settings_are_saved_and_reach_an_open_screen(hall: Hall) -> None:
    realtime = hall.app.extensions["queuehall.realtime"]
    screen = realtime.sio.test_client(hall.app, auth={"token": hall.tokens["display"]})
    assert screen.is_connected()
    screen.get_received()
    body = {
        "name": "新林区政务服务中心",
        "reset_hour": 4,
        "priority_ratio": 5,
        "enforce_hours": True,
        "announce_template": "请{number}号到{window}号窗口",
        "public_base_url": "http://10.0.0.5:8000/",
        "hours": {"mon": [["09:00", "12:00"], ["13:30", "17:00"]]},
        "holidays": ["2026-10-02", "2026-10-01"],
        "voice_repeat": 2,
        "voice_chime": False,
    }
    r = hall.client("admin").patch("/api/v1/settings", json=body)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert (
        out["holidays"] == ["2026-10-01", "2026-10-02"]
        and out["public_base_url"] == "http://10.0.0.5:8000"
    )
    assert hall.client("super").get("/api/v1/settings").get_json()["voice_repeat"] == 2
    hall.client("admin").post("/api/v1/publicity", json={"title": "公告", "body": "新公告"})
    events = [e for e in screen.get_received() if e["name"] == "catalog.changed"]
    assert [e["args"][0]["what"] for e in events] == ["settings", "publicity"]
    assert events[1]["args"][0]["seq"] == events[0]["args"][0]["seq"] + 1
    screen.disconnect()


def test_uploads_are_checked_by_content_scaled_and_served(hall: Hall) -> None:
    a = hall.client("admin")

    def up(data: bytes, path: str = "/api/v1/admin/uploads") -> Any:
        return a.post(
            path, data={"file": (io.BytesIO(data), "f.png")}, content_type="multipart/form-data"
        )

    r = up(_png(1600, 1200))
    assert r.status_code == 201, r.get_json()
    url = r.get_json()["url"]
    served = hall.client().get(url)
    assert served.status_code == 200
    assert max(Image.open(io.BytesIO(served.data)).size) == 800
    assert up(b"<html>not an image</html>").get_json()["error"]["field"] == "file"
    assert (
        up(b"\x89PNG\r\n\x1a\n" + b"\0" * 100).status_code == 422
    )  # a PNG signature alone is not an image
    assert up(b"\x89PNG" + b"\0" * (6 * 1024 * 1024)).status_code == 422  # over the image limit
    assert a.post("/api/v1/admin/uploads").get_json()["error"]["field"] == "file"
    video = b"\0\0\0\x18ftypmp42" + b"\0" * 200
    assert up(video, "/api/v1/admin/uploads?video=1").get_json()["url"].endswith(".mp4")
    assert up(video).status_code == 422  # videos only where asked for
    photo = up(_png(), f"/api/v1/staff/{hall.ids['clerk1']}/photo").get_json()
    assert photo["photo"].startswith("/media/")
    assert hall.client().get("/media/..%2Fsecret_key").status_code == 404
    assert hall.client().get("/media/0123.jpg").status_code == 404


def test_admin_pages_ask_to_sign_in_refuse_clerks_and_serve_admins(sqlite_hall: Hall) -> None:
    c = sqlite_hall.app.test_client()
    page = c.get("/admin/services")
    assert page.status_code == 200 and b'id="adm-login"' in page.data
    c.post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
    refused = c.get("/admin/services")
    assert refused.status_code == 403 and b'id="adm-forbidden"' in refused.data
    s = sqlite_hall.app.test_client()
    s.post("/api/v1/auth/login", json={"username": "super", "password": "pw-super-123456"})
    ro = s.get("/admin/windows")
    assert (
        ro.status_code == 200 and b'id="adm-readonly"' in ro.data and b'"readonly": true' in ro.data
    )
    a = sqlite_hall.app.test_client()
    a.post("/api/v1/auth/login", json={"username": "admin", "password": "pw-admin-123456"})
    for name in (
        "services",
        "departments",
        "windows",
        "staff",
        "devices",
        "publicity",
        "settings",
        "catalogue",
    ):
        r = a.get(f"/admin/{name}")
        assert r.status_code == 200 and b'id="adm-readonly"' not in r.data, name
    assert a.get("/admin/nothing").status_code == 404
    assert a.get("/admin/static/admin/admin.js").status_code == 200


def test_an_item_window_or_clerk_with_history_is_not_deleted_and_the_answer_says_deactivate(
    hall: Hall,
) -> None:
    from sqlalchemy import func, select, text
    from sqlalchemy.exc import IntegrityError

    from server.storage.models import WindowEvent

    ids, a = hall.ids, hall.client("admin")
    t = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": ids["A"]}).get_json()
    c1 = hall.client("clerk1")
    c1.post(f"/api/v1/windows/{ids['w1']}/open", json={})
    assert c1.post(f"/api/v1/windows/{ids['w1']}/call-next").get_json()["id"] == t["id"]
    # window 4 was only opened and closed: no ticket, but its window log is history too
    c4 = hall.client("clerk4")
    c4.post(f"/api/v1/windows/{ids['w4']}/open", json={})
    c4.post(f"/api/v1/windows/{ids['w4']}/close")
    for path in (
        f"/api/v1/services/{ids['A']}",
        f"/api/v1/windows/{ids['w1']}",
        f"/api/v1/windows/{ids['w4']}",
        f"/api/v1/staff/{ids['clerk1']}",
        f"/api/v1/staff/{ids['clerk4']}",
    ):
        r = a.delete(path)
        assert r.status_code == 409, (path, r.get_json())
        assert (
            r.get_json()["error"]["code"] == "has_history"
            and "deactivate" in r.get_json()["error"]["message"]
        )
    with hall.ctx.uow(write=False) as uow:
        kept = uow.session.scalar(
            select(func.count()).select_from(WindowEvent).where(WindowEvent.window_id == ids["w4"])
        )
    assert kept == 2
    # the database itself keeps the log: no cascade from a deleted window any more
    with pytest.raises(IntegrityError), hall.ctx.db.writer.begin() as conn:
        conn.execute(text("DELETE FROM windows WHERE id = :w"), {"w": ids["w4"]})
    assert a.patch(f"/api/v1/windows/{ids['w4']}", json={"active": False}).status_code == 200
    assert a.patch(f"/api/v1/staff/{ids['clerk4']}", json={"active": False}).status_code == 200
    fresh = a.post("/api/v1/windows", json={"number": 30, "name": "新窗口"}).get_json()
    assert a.delete(f"/api/v1/windows/{fresh['id']}").status_code == 200  # no history: deleted


def test_an_item_with_its_own_hours_is_issued_only_then(hall: Hall) -> None:
    ids, a, kiosk = hall.ids, hall.client("admin"), hall.client("kiosk")
    r = a.patch(
        f"/api/v1/services/{ids['A']}",
        json={"hours": {"mon": [["09:00", "09:30"]], "tue": [["09:00", "12:00"]]}},
    )
    assert r.status_code == 200 and r.get_json()["hours"]["mon"] == [["09:00", "09:30"]]
    assert (
        kiosk.post("/api/v1/tickets", json={"service_id": ids["A"]}).status_code == 201
    )  # Monday 09:00
    listed = {s["id"]: s for s in hall.client().get("/api/v1/services").get_json()["items"]}
    assert listed[ids["A"]]["open_now"] is True and listed[ids["B"]]["open_now"] is True
    hall.clock.advance(seconds=45 * 60)  # 09:45: item A is closed for the day, the others are not
    refused = kiosk.post("/api/v1/tickets", json={"service_id": ids["A"]})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "outside_hours"
    assert kiosk.post("/api/v1/tickets", json={"service_id": ids["B"]}).status_code == 201
    assert hall.client().get("/api/v1/services").get_json()["items"][0]["open_now"] is False
    bad = a.patch(f"/api/v1/services/{ids['A']}", json={"hours": {"wed": [["12:00", "09:00"]]}})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "hours.wed"
    assert (
        a.patch(f"/api/v1/services/{ids['A']}", json={"hours": {}}).status_code == 200
    )  # back to the hall's
    assert kiosk.post("/api/v1/tickets", json={"service_id": ids["A"]}).status_code == 201


def test_the_catalogue_spreadsheet_carries_item_hours_both_ways(hall: Hall) -> None:
    from openpyxl import load_workbook

    ids, a = hall.ids, hall.client("admin")
    a.patch(
        f"/api/v1/services/{ids['A']}",
        json={"hours": {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}},
    )
    wb = load_workbook(io.BytesIO(a.get("/api/v1/catalogue.xlsx").get_data()))
    items = wb["事项"]
    header = [c.value for c in items[1]]
    col = header.index("办理时段") + 1
    by_code = {items.cell(row=r, column=1).value: r for r in range(2, items.max_row + 1)}
    code_a = next(
        s["code"]
        for s in a.get("/api/v1/admin/services").get_json()["items"]
        if s["id"] == ids["A"]
    )
    code_b = next(
        s["code"]
        for s in a.get("/api/v1/admin/services").get_json()["items"]
        if s["id"] == ids["B"]
    )
    assert items.cell(row=by_code[code_a], column=col).value == "周一至周五 09:00-12:00"

    def post(book: Any) -> Any:
        buf = io.BytesIO()
        book.save(buf)
        return a.post(
            "/api/v1/catalogue.xlsx",
            data={"file": (io.BytesIO(buf.getvalue()), "c.xlsx")},
            content_type="multipart/form-data",
        )

    items.cell(row=by_code[code_b], column=col, value="周一至周五 9:00-11:30；周六 09:00-12:00")
    items.cell(row=by_code[code_a], column=col, value="周五至周一 9:00-10:00")
    r = post(wb)
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert (err["errors"][0]["row"], err["errors"][0]["field"], err["errors"][0]["reason"]) == (
        by_code[code_a],
        "hours",
        "hours_text",
    )
    assert (
        a.get("/api/v1/admin/services").get_json()["items"][1]["hours"] == {}
    )  # nothing was imported
    items.cell(row=by_code[code_a], column=col, value="")
    assert post(wb).status_code == 200
    after = {s["id"]: s["hours"] for s in a.get("/api/v1/admin/services").get_json()["items"]}
    assert after[ids["A"]] == {}
    assert after[ids["B"]]["tue"] == [["09:00", "11:30"]] and after[ids["B"]]["sat"] == [
        ["09:00", "12:00"]
    ]


def test_publicity_follows_its_dates_daily_hours_and_screens(hall: Hall) -> None:
    from server.services.catalog import publicity

    a = hall.client("admin")
    win_screen = a.post(
        "/api/v1/devices",
        json={"name": "1号窗口屏", "kind": "display", "window_id": hall.ids["w1"]},
    ).get_json()
    lobby2 = a.post("/api/v1/devices", json={"name": "二楼大厅屏", "kind": "display"}).get_json()
    made = {}
    for title, extra in (
        ("大厅公告", {}),
        ("窗口提示", {"screens": "windows"}),
        ("明日起", {"screens": "all", "starts_on": "2026-12-01"}),
        (
            "二楼早间",
            {
                "screens": "devices",
                "device_ids": [lobby2["id"]],
                "daily_from": "09:00",
                "daily_to": "10:00",
            },
        ),
        ("已过期", {"screens": "all", "ends_on": "2026-11-29"}),
    ):
        r = a.post("/api/v1/publicity", json={"title": title, "body": title + "内容", **extra})
        assert r.status_code == 201, r.get_json()
        made[title] = r.get_json()

    def shown(token: str) -> list[str]:
        return [
            p["title"]
            for p in hall.client()
            .get("/api/v1/publicity", headers={"Authorization": f"Bearer {token}"})
            .get_json()["items"]
        ]

    assert shown(hall.tokens["display"]) == ["大厅公告"]
    assert shown(win_screen["token"]) == ["窗口提示"]
    assert shown(lobby2["token"]) == ["大厅公告", "二楼早间"]
    realtime = hall.app.extensions["queuehall.realtime"]
    screen = realtime.sio.test_client(hall.app, auth={"token": lobby2["token"]})
    screen.get_received()
    start = hall.clock.now()
    hall.clock.advance(seconds=3600)  # 10:00: the morning item ends, the screens are told
    assert publicity.announce_schedule(hall.ctx, start, hall.clock.now()) == [1]
    assert [
        e["args"][0]["what"] for e in screen.get_received() if e["name"] == "catalog.changed"
    ] == ["publicity"]
    assert shown(lobby2["token"]) == ["大厅公告"]
    assert publicity.announce_schedule(hall.ctx, hall.clock.now(), hall.clock.now()) == []
    hall.clock.advance(seconds=14 * 3600)  # Tuesday 00:00
    assert shown(win_screen["token"]) == ["窗口提示", "明日起"]
    screen.disconnect()
    listed = {p["title"]: p for p in a.get("/api/v1/admin/publicity").get_json()["items"]}
    assert (
        listed["二楼早间"]["device_ids"] == [lobby2["id"]]
        and listed["明日起"]["starts_on"] == "2026-12-01"
    )

    pid = made["大厅公告"]["id"]
    for body, field in (
        ({"starts_on": "2026-12-05", "ends_on": "2026-12-01"}, "ends_on"),
        ({"daily_from": "09:00"}, "daily_to"),
        ({"daily_from": "9点"}, "daily_from"),
        ({"daily_from": "12:00", "daily_to": "08:00"}, "daily_to"),
        ({"screens": "devices", "device_ids": []}, "device_ids"),
        ({"screens": "devices", "device_ids": [hall.ids["kiosk"]]}, "device_ids"),
        ({"screens": None}, "screens"),
        ({"screens": "lobby"}, "screens"),
    ):
        r = a.patch(f"/api/v1/publicity/{pid}", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["error"]["field"] == field, (body, r.get_json())
    assert (
        a.patch(f"/api/v1/publicity/{pid}", json={"screens": "all"}).get_json()["screens"] == "all"
    )


def test_the_voice_name_and_rate_are_hall_settings(hall: Hall) -> None:
    a = hall.client("admin")
    out = a.patch(
        "/api/v1/settings", json={"voice_name": "cmn-latn-pinyin", "voice_rate": 170}
    ).get_json()
    assert (out["voice_name"], out["voice_rate"]) == ("cmn-latn-pinyin", 170)
    assert hall.client("super").get("/api/v1/settings").get_json()["voice_rate"] == 170
    for body, field in (
        ({"voice_rate": 500}, "voice_rate"),
        ({"voice_name": "cmn; rm -rf"}, "voice_name"),
        ({"voice_rate": None}, "voice_rate"),
    ):
        r = a.patch("/api/v1/settings", json=body)
        assert r.status_code == 422 and r.get_json()["error"]["field"] == field, (
            body,
            r.get_json(),
        )


def test_every_refusal_the_admin_pages_show_has_its_reason_in_chinese_and_english(
    hall: Hall,
) -> None:
    from server.i18n import catalogue

    zh, en = catalogue("zh"), catalogue("en")
    a = hall.client("admin")
    seen = set()
    for path, body, _field in INVALID:
        err = a.open(
            path, method="PATCH" if path.endswith("settings") else "POST", json=body
        ).get_json()["error"]
        seen.add(err["reason"])
        assert f"error.reason.{err['reason']}" in zh and f"error.reason.{err['reason']}" in en, err
    assert {"prefix_forbidden", "greater_than_equal", "template_key", "hours", "url_scheme"} <= seen
    err = a.post(
        "/api/v1/services", json={"department_id": 1, "name": "x", "prefix": "E"}
    ).get_json()["error"]
    assert zh["error.reason." + err["reason"]].format(**err["params"]).startswith("不能用 E")
    err = a.post("/api/v1/windows", json={"number": 0, "name": "x"}).get_json()["error"]
    assert zh["error.reason." + err["reason"]].format(**err["params"]) == "不能小于 1"
    for code in ("invalid_input", "conflict", "has_history", "not_found"):
        assert (
            zh[f"error.{code}"]
            and en[f"error.{code}"]
            and zh[f"error.{code}"] != en[f"error.{code}"]
        )


def test_the_halls_speech_rate_changes_the_screens_announcement_audio(
    sqlite_hall: Hall, tmp_path: Any
) -> None:
    import re
    import subprocess

    hall = sqlite_hall
    lengths = {}
    for rate in (90, 260):
        assert (
            hall.client("admin")
            .patch(
                "/api/v1/settings",
                json={"voice_rate": rate, "voice_repeat": 1, "voice_chime": False},
            )
            .status_code
            == 200
        )
        r = hall.client("display").get(
            "/api/v1/announcements/audio", query_string={"text": "请A001号到3号窗口办理"}
        )
        assert r.status_code == 200 and r.data[:4] == b"RIFF"
        wav = tmp_path / f"rate-{rate}.wav"
        wav.write_bytes(r.data)
        stat = subprocess.run(
            ["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True
        ).stderr
        match = re.search(r"Length \(seconds\):\s+([0-9.]+)", stat)
        assert match, stat
        lengths[rate] = float(match.group(1))
    assert lengths[90] > 1.8 * lengths[260], (
        lengths
    )  # real espeak-ng: the slow voice takes far longer
