"""The public status and estimates endpoints, the hall status, the kiosk's printer and pages, the QR code address."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall


def _issue(hall: Hall, service: str, who: str = "kiosk") -> dict[str, Any]:
    r = hall.client(who).post("/api/v1/tickets", json={"service_id": hall.ids[service]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_anyone_sees_a_ticket_by_its_public_id_without_personal_data(sqlite_hall: Hall) -> None:
    first = _issue(sqlite_hall, "A")
    second = _issue(sqlite_hall, "A")
    # minutes are given only while a window for the item is open (issue 15 #22)
    assert (
        sqlite_hall.client("clerk1")
        .post(f"/api/v1/windows/{sqlite_hall.ids['w1']}/open", json={})
        .status_code
        == 200
    )
    r = sqlite_hall.client().get(f"/api/v1/public/tickets/{second['public_id']}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["number"] == second["number"] and body["state"] == "waiting"
    assert body["service"]["name"] == "个体工商户设立登记"
    assert body["waiting_ahead"] == 1
    assert isinstance(body["estimated_wait_min"], int) and body["estimated_wait_min"] > 0
    assert "id" not in body and "staff_id" not in body and "note" not in body
    assert first["public_id"] != second["public_id"] and second["number"] not in second["public_id"]


def test_an_unknown_public_id_is_404(sqlite_hall: Hall) -> None:
    r = sqlite_hall.client().get("/api/v1/public/tickets/not-a-real-ticket")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_the_status_shows_the_window_when_called_and_the_outcome_after(sqlite_hall: Hall) -> None:
    tk = _issue(sqlite_hall, "A")
    clerk = sqlite_hall.client("clerk1")
    assert clerk.post(f"/api/v1/windows/{sqlite_hall.ids['w1']}/open", json={}).status_code == 200
    assert clerk.post(f"/api/v1/windows/{sqlite_hall.ids['w1']}/call-next").status_code == 200
    body = sqlite_hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert (
        body["state"] == "called"
        and body["window"]["number"] == 1
        and body["estimated_wait_min"] is None
    )
    clerk.post(f"/api/v1/tickets/{tk['id']}/start")
    sqlite_hall.clock.advance(minutes=7)
    assert (
        clerk.post(f"/api/v1/tickets/{tk['id']}/finish", json={"outcome": "done"}).status_code
        == 200
    )
    body = sqlite_hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert body["state"] == "done" and body["outcome"] == "done"


def test_estimates_list_every_item_with_waiting_wait_and_pinyin_initials(sqlite_hall: Hall) -> None:
    for _ in range(3):
        _issue(sqlite_hall, "B")
    body = sqlite_hall.client("kiosk").get("/api/v1/public/estimates").get_json()
    by_id = {i["service_id"]: i for i in body["items"]}
    b = by_id[sqlite_hall.ids["B"]]
    assert (
        b["waiting"] == 3
        and b["initials"] == "shbzkbh"
        and b["pinyin"].startswith("shehuibaozhang")
    )
    assert b["windows_open"] is False and b["estimated_wait_min"] > 0
    # opening windows for the item shortens the estimate
    before = b["estimated_wait_min"]
    for clerk, w in (("clerk2", "w2"), ("clerk3", "w3"), ("clerk4", "w4")):
        sqlite_hall.client(clerk).post(f"/api/v1/windows/{sqlite_hall.ids[w]}/open", json={})
    after = {
        i["service_id"]: i
        for i in sqlite_hall.client("kiosk").get("/api/v1/public/estimates").get_json()["items"]
    }
    assert after[sqlite_hall.ids["B"]]["windows_open"] is True
    assert after[sqlite_hall.ids["B"]]["estimated_wait_min"] < before


def test_the_kiosk_page_needs_an_active_kiosk_token(sqlite_hall: Hall) -> None:
    c = sqlite_hall.client()
    r = c.get("/kiosk")
    assert r.status_code == 401 and "设备令牌" in r.get_data(as_text=True)
    assert c.get("/kiosk?token=qhd_nonsense").status_code == 401
    assert c.get(f"/kiosk?token={sqlite_hall.tokens['display']}").status_code == 401
    r = c.get(f"/kiosk?token={sqlite_hall.tokens['kiosk']}")
    assert r.status_code == 200 and "k-depts" in r.get_data(as_text=True)
    r = c.get(f"/kiosk?token={sqlite_hall.tokens['kiosk']}&lang=en")
    assert "Take a number" in r.get_data(as_text=True)


def test_the_status_page_is_rendered_with_the_number_and_the_qr_code_is_svg(
    sqlite_hall: Hall,
) -> None:
    tk = _issue(sqlite_hall, "C")
    c = sqlite_hall.client()
    r = c.get(f"/t/{tk['public_id']}")
    assert r.status_code == 200 and tk["number"] in r.get_data(as_text=True)
    assert c.get("/t/nosuchticket123").status_code == 404
    r = c.get(f"/kiosk/qr/{tk['public_id']}.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data


def test_estimates_mark_an_item_at_its_daily_cap_and_offer_keywords_that_find_items(
    sqlite_hall: Hall,
) -> None:
    h = sqlite_hall
    for _ in range(2):
        _issue(h, "C")  # 失业登记 has a daily cap of 3
    body = h.client("kiosk").get("/api/v1/public/estimates").get_json()
    c = {i["service_id"]: i for i in body["items"]}[h.ids["C"]]
    assert c["daily_cap"] == 3 and c["remaining_today"] == 1 and c["full"] is False
    _issue(h, "C")
    body = h.client("kiosk").get("/api/v1/public/estimates").get_json()
    by_id = {i["service_id"]: i for i in body["items"]}
    assert by_id[h.ids["C"]]["full"] is True and by_id[h.ids["C"]]["remaining_today"] == 0
    assert by_id[h.ids["A"]]["daily_cap"] is None and by_id[h.ids["A"]]["full"] is False
    keywords = {k["key"]: k["service_ids"] for k in body["keywords"]}
    assert keywords["licence"] == [h.ids["A"]]  # 个体工商户设立登记
    assert keywords["social_security"] == [h.ids["B"]]  # 社会保障卡补换
    assert keywords["employment"] == [h.ids["C"]]  # 失业登记
    assert (
        "tax" not in keywords and "provident_fund" not in keywords
    )  # nothing in this hall to find


def test_hall_status_says_when_numbers_are_issued_again(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    assert (
        h.client().get("/api/v1/hall-status").status_code == 401
    )  # devices and staff only (API.md)
    assert h.client("kiosk").get("/api/v1/hall-status").get_json()["taking_tickets"] is True
    week = {
        d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    r = h.client("admin").patch("/api/v1/settings", json={"enforce_hours": True, "hours": week})
    assert r.status_code == 200, r.get_json()
    body = h.client("kiosk").get("/api/v1/hall-status").get_json()  # Monday 09:00
    assert (
        body["taking_tickets"] is True
        and body["closes_at"] == "12:00"
        and body["next_open"] is None
    )
    h.clock.advance(hours=3, minutes=10)  # 12:10, the lunch break
    body = h.client("kiosk").get("/api/v1/hall-status").get_json()
    assert body["taking_tickets"] is False
    assert body["next_open"]["days_ahead"] == 0 and body["next_open"]["time"] == "13:30"
    r = h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["A"]})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "outside_hours"
    h.clock.advance(hours=6)  # 18:10 on Monday; Tuesday is a holiday
    h.client("admin").patch("/api/v1/settings", json={"holidays": ["2026-12-01"]})
    nxt = h.client("kiosk").get("/api/v1/hall-status").get_json()["next_open"]
    assert nxt == {
        "at": "2026-12-02T09:00:00+08:00",
        "date": "2026-12-02",
        "time": "09:00",
        "weekday": 3,
        "days_ahead": 2,
    }
    h.clock.advance(days=4)  # Friday 18:10: next is Monday
    nxt = h.client("kiosk").get("/api/v1/hall-status").get_json()["next_open"]
    assert nxt["date"] == "2026-12-07" and nxt["weekday"] == 1 and nxt["days_ahead"] == 3


def test_a_kiosk_reads_its_own_printer_and_hears_when_it_changes(sqlite_hall: Hall) -> None:
    from server.services.printing import printing
    from server.storage.models import Device

    h = sqlite_hall
    kiosk = h.client("kiosk")
    assert (
        kiosk.get("/api/v1/kiosk/printer").get_json()["printer"] is None
    )  # no printer on this kiosk
    assert h.client("display").get("/api/v1/kiosk/printer").status_code == 403
    r = h.client("admin").patch(
        f"/api/v1/devices/{h.ids['kiosk']}", json={"printer_url": "tcp://127.0.0.1:9"}
    )
    assert r.status_code == 200, r.get_json()
    rt = h.app.extensions["queuehall.realtime"]
    sio = rt.sio.test_client(h.app, auth={"token": h.tokens["kiosk"]})
    sio.get_received()
    with h.ctx.uow() as uow:
        dev = uow.session.get_one(Device, h.ids["kiosk"])
        printing.record_status(
            uow, dev, {"online": True, "paper": "low", "error": None}, h.clock.now()
        )
        uow.commit()
    got = [m["args"][0] for m in sio.get_received() if m["name"] == "printer.status"]
    assert got and all(p["device_id"] == h.ids["kiosk"] and p["paper"] == "low" for p in got)
    printer = kiosk.get("/api/v1/kiosk/printer").get_json()["printer"]
    assert printer["online"] is True and printer["paper"] == "low" and printer["checked_at"]
    sio.disconnect()


def test_the_on_screen_and_the_printed_qr_code_carry_the_same_address(sqlite_hall: Hall) -> None:
    import io

    import qrcode
    import qrcode.image.svg

    from server.services.printing import ticket_paper
    from server.storage.models import Ticket

    def svg_of(url: str) -> bytes:
        buf = io.BytesIO()
        qrcode.make(
            url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2
        ).save(buf)
        return buf.getvalue()

    def printed_url(ticket_id: int) -> str:
        with h.ctx.uow(write=False) as uow:
            t = uow.session.get_one(Ticket, ticket_id)
            return ticket_paper.ticket_layout(
                uow.session, t, h.app.config, "http://localhost"
            ).qr_url

    h = sqlite_hall
    tk = _issue(h, "A")
    on_screen = h.client().get(f"/kiosk/qr/{tk['public_id']}.svg").data
    assert printed_url(tk["id"]) == f"http://localhost/t/{tk['public_id']}"
    assert on_screen == svg_of(f"http://localhost/t/{tk['public_id']}")
    r = h.client("admin").patch(
        "/api/v1/settings", json={"public_base_url": "https://zwfw.xinlin.gov.cn/hall/"}
    )
    assert r.status_code == 200, r.get_json()
    h.app.config["PUBLIC_BASE_URL"] = (
        "http://config.example"  # the admin's setting still wins over the config
    )
    try:
        expected = f"https://zwfw.xinlin.gov.cn/hall/t/{tk['public_id']}"
        assert printed_url(tk["id"]) == expected
        assert h.client().get(f"/kiosk/qr/{tk['public_id']}.svg").data == svg_of(expected)
    finally:
        h.app.config["PUBLIC_BASE_URL"] = ""
    assert h.client().get("/kiosk/qr/nosuchticket123.svg").status_code == 404
