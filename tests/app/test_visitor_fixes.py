"""What visitors see (issue 15, part C): a transfer is not a recall, estimates, hours, search, English."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Hall


def _wait_line(hall: Hall, public_id: str) -> str:
    """The estimate as the server-rendered phone page shows it."""
    page = hall.client().get(f"/t/{public_id}").get_data(as_text=True)
    found = re.search(r'data-testid="status-wait">([^<]*)<', page)
    assert found, page
    return found.group(1)


def _issue(hall: Hall, service: str, who: str = "kiosk") -> dict[str, Any]:
    r = hall.client(who).post("/api/v1/tickets", json={"service_id": hall.ids[service]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _open(hall: Hall, clerk: str, window: str) -> Any:
    c = hall.client(clerk)
    assert c.post(f"/api/v1/windows/{hall.ids[window]}/open", json={}).status_code == 200
    return c


# ---- item 16: a transferred ticket's first call at the new window is a first call ----------------


def test_a_recalled_then_transferred_ticket_is_first_called_at_the_new_window_not_recalled(
    hall: Hall,
) -> None:
    tk = _issue(hall, "A")
    c1 = _open(hall, "clerk1", "w1")
    assert (
        c1.post(f"/api/v1/windows/{hall.ids['w1']}/call-next").get_json()["number"] == tk["number"]
    )
    assert c1.post(f"/api/v1/tickets/{tk['id']}/recall").get_json()["recall_count"] == 1
    r = c1.post(f"/api/v1/tickets/{tk['id']}/transfer", json={"window_id": hall.ids["w3"]})
    assert r.status_code == 200, r.get_json()
    c3 = _open(hall, "clerk3", "w3")
    called = c3.post(f"/api/v1/windows/{hall.ids['w3']}/call-next").get_json()
    assert called["number"] == tk["number"] and called["window_id"] == hall.ids["w3"]
    # the clerk page's 重呼次数 and the phone page's "再次呼叫" both read recall_count
    assert called["recall_count"] == 0
    public = hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert (
        public["state"] == "called"
        and public["window"]["number"] == 3
        and public["recall_count"] == 0
    )
    # the hall screen's recent calls: the call at window 3 is not a recall
    snap = hall.client("display").get("/api/v1/snapshot").get_json()
    latest = snap["calls"][0]
    assert latest["window"]["number"] == 3 and latest["recall"] is False
    # a recall at the new window counts from there
    assert c3.post(f"/api/v1/tickets/{tk['id']}/recall").get_json()["recall_count"] == 1


# ---- item 22: no minutes while the item's window is closed; an item no window handles says so ------


def test_no_minutes_are_promised_while_no_window_for_the_item_is_open(hall: Hall) -> None:
    tk = _issue(hall, "A")
    body = hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert (
        body["waiting_ahead"] == 0
        and body["windows_open"] is False
        and body["windows_serving"] == 3
    )
    assert body["estimated_wait_min"] is None
    assert _wait_line(hall, tk["public_id"]) == "窗口暂未开放"
    _open(hall, "clerk2", "w2")  # a window that does not handle A changes nothing
    assert (
        hall.client()
        .get(f"/api/v1/public/tickets/{tk['public_id']}")
        .get_json()["estimated_wait_min"]
        is None
    )
    _open(hall, "clerk1", "w1")
    body = hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert body["windows_open"] is True and isinstance(body["estimated_wait_min"], int)
    assert _wait_line(hall, tk["public_id"]) == "马上就到您"  # nobody ahead and window 1 is free


def test_an_item_that_no_window_handles_says_so(hall: Hall) -> None:
    r = hall.client("admin").post(
        "/api/v1/services",
        json={"department_id": hall.ids["dept1"], "name": "食品经营许可证核发", "prefix": "K"},
    )
    assert r.status_code == 201, r.get_json()
    new_id = r.get_json()["id"]
    est = {
        i["service_id"]: i
        for i in hall.client("kiosk").get("/api/v1/public/estimates").get_json()["items"]
    }
    assert est[new_id]["windows_serving"] == 0 and est[hall.ids["A"]]["windows_serving"] == 3
    tk = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": new_id})
    assert tk.status_code == 201
    public_id = tk.get_json()["public_id"]
    body = hall.client().get(f"/api/v1/public/tickets/{public_id}").get_json()
    assert body["windows_serving"] == 0 and body["estimated_wait_min"] is None
    assert _wait_line(hall, public_id) == "暂无窗口办理此事项"


# ---- item 15: hours -----------------------------------------------------------------------------

WEEK = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_a_new_hall_keeps_its_hours_without_being_told_to(hall: Hall) -> None:
    assert hall.client("admin").get("/api/v1/settings").get_json()["enforce_hours"] is True
    r = hall.client("admin").patch(
        "/api/v1/settings", json={"hours": WEEK}
    )  # only the hours are set
    assert r.status_code == 200, r.get_json()
    hall.clock.advance(days=5, hours=-2, minutes=-48)  # Saturday 06:12 in the hall
    r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "outside_hours"
    body = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert body["taking_tickets"] is False and body["around_the_clock"] is False
    assert (
        body["next_open"]["date"] == "2026-12-07" and body["next_open"]["time"] == "09:00"
    )  # Monday


def test_a_hall_without_a_timetable_or_not_keeping_it_says_it_takes_tickets_around_the_clock(
    hall: Hall,
) -> None:
    body = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert body["taking_tickets"] is True and body["around_the_clock"] is True  # no hours set yet
    hall.client("admin").patch("/api/v1/settings", json={"hours": WEEK})
    body = hall.client("display").get("/api/v1/hall-status").get_json()
    assert (
        body["around_the_clock"] is False
        and body["hours"] == WEEK
        and body["hours_today"] == WEEK["mon"]
    )
    hall.client("admin").patch("/api/v1/settings", json={"enforce_hours": False})
    hall.clock.advance(hours=14)  # Monday 23:00: still issuing, and saying it does so at any hour
    body = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert (
        body["taking_tickets"] is True
        and body["open"] is False
        and body["around_the_clock"] is True
    )
    assert (
        hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code
        == 201
    )


def test_an_items_own_hours_are_listed_and_name_the_refusal(hall: Hall) -> None:
    own = {"tue": [["09:00", "11:00"]]}
    r = hall.client("admin").patch(f"/api/v1/services/{hall.ids['B']}", json={"hours": own})
    assert r.status_code == 200, r.get_json()
    est = {
        i["service_id"]: i
        for i in hall.client("kiosk").get("/api/v1/public/estimates").get_json()["items"]
    }
    assert est[hall.ids["B"]]["hours"] == own and est[hall.ids["B"]]["open_now"] is False  # Monday
    assert est[hall.ids["A"]]["hours"] == {} and est[hall.ids["A"]]["open_now"] is True
    r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["B"]})
    err = r.get_json()["error"]
    assert r.status_code == 409 and err["code"] == "outside_hours" and err["hours"] == own
    assert err["service_id"] == hall.ids["B"]
    hall.clock.advance(days=1)  # Tuesday 09:00
    est = {
        i["service_id"]: i
        for i in hall.client("kiosk").get("/api/v1/public/estimates").get_json()["items"]
    }
    assert est[hall.ids["B"]]["open_now"] is True
    assert (
        hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["B"]}).status_code
        == 201
    )


def test_the_demo_takes_tickets_at_night_and_says_it_does(tmp_path: Any) -> None:
    from datetime import UTC, datetime

    from server.app import create_app
    from server.demo import load_demo
    from server.engine.clock import FixedClock
    from server.storage.migrate import upgrade

    clock = FixedClock(datetime(2026, 12, 5, 22, 12, tzinfo=UTC))  # Sunday 06:12 in the hall
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
            "CLOCK": clock,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-demo",
            "PRINTER_SPOOLER": False,
            "PASSWORD_HASH": "cheapest",
        }
    )
    ctx = app.extensions["queuehall"]
    try:
        upgrade(ctx.db)
        creds = load_demo(ctx.db)
        kiosk = next(tok for _name, kind, _w, tok in creds.tokens if kind == "kiosk")
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {kiosk}"
        body = c.get("/api/v1/hall-status").get_json()
        assert body["open"] is False and body["hours_today"] == []  # the demo's Sundays are closed
        assert body["taking_tickets"] is True and body["around_the_clock"] is True
        service_id = c.get("/api/v1/services").get_json()["items"][0]["id"]
        issued = c.post("/api/v1/tickets", json={"service_id": service_id})
        assert issued.status_code == 201
        # the demo hall has a 监督电话 (12345), so visitors see where to complain (issue 18)
        page = app.test_client().get(f"/t/{issued.get_json()['public_id']}").get_data(as_text=True)
        assert "监督电话：12345" in page
    finally:
        ctx.db.dispose()


# ---- item 18: search keys of the keywords ---------------------------------------------------------


def test_keywords_carry_their_terms_and_pinyin_initials_so_typing_them_finds_the_same_items(
    sqlite_hall: Hall,
) -> None:
    body = sqlite_hall.client("kiosk").get("/api/v1/public/estimates").get_json()
    kws = {k["key"]: k for k in body["keywords"]}
    social = kws["social_security"]
    assert social["service_ids"] == [sqlite_hall.ids["B"]]  # 社会保障卡补换
    assert (
        social["terms"][0] == "社保" and "sb" in social["initials"] and "shbz" in social["initials"]
    )
    assert "yyzz" in kws["licence"]["initials"] and kws["licence"]["terms"][0] == "营业执照"
