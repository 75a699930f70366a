"""Clerk-workstation endpoints and pages on SQLite and PostgreSQL (Flask test client)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall


def _post(hall: Hall, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return hall.client(who).post("/api/v1" + path, json=body or {})


def _serving_ticket(
    hall: Hall, window: str = "w1", clerk: str = "clerk1", service: str = "A"
) -> dict[str, Any]:
    assert _post(hall, clerk, f"/windows/{hall.ids[window]}/open").status_code == 200
    t = _post(hall, "kiosk", "/tickets", {"service_id": hall.ids[service]}).get_json()
    assert _post(hall, clerk, f"/windows/{hall.ids[window]}/call-next").get_json()["id"] == t["id"]
    assert _post(hall, clerk, f"/tickets/{t['id']}/start").status_code == 200
    return dict(t)


def test_a_clerk_calls_a_particular_ticket_only_where_a_supervisor_allows_it(hall: Hall) -> None:
    w1 = hall.ids["w1"]
    _post(hall, "clerk1", f"/windows/{w1}/open")
    first, second = (
        _post(hall, "kiosk", "/tickets", {"service_id": hall.ids["A"]}).get_json() for _ in range(2)
    )
    r = _post(hall, "clerk1", f"/tickets/{second['id']}/call", {"window_id": w1})
    assert r.status_code == 403
    assert (
        hall.client("clerk1")
        .put("/api/v1/caller/settings", json={"allow_pick_call": True})
        .status_code
        == 403
    )
    r = hall.client("super").put("/api/v1/caller/settings", json={"allow_pick_call": True})
    assert r.status_code == 200 and r.get_json() == {"allow_pick_call": True}
    assert (
        hall.client("clerk1").get("/api/v1/caller/settings").get_json()["allow_pick_call"] is True
    )
    r = _post(hall, "clerk1", f"/tickets/{second['id']}/call", {"window_id": w1})
    assert (
        r.status_code == 200
        and r.get_json()["state"] == "called"
        and r.get_json()["window_id"] == w1
    )
    r = _post(hall, "clerk1", f"/tickets/{first['id']}/call", {"window_id": w1})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "window_busy"
    _post(hall, "clerk1", f"/tickets/{second['id']}/start")
    _post(hall, "clerk1", f"/tickets/{second['id']}/finish", {"outcome": "done"})
    again = _post(hall, "clerk1", f"/tickets/{second['id']}/call", {"window_id": w1})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invalid_transition"
    # a window that does not serve the item cannot pick it; another clerk's window is not yours
    _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/open")
    assert (
        _post(
            hall, "clerk2", f"/tickets/{first['id']}/call", {"window_id": hall.ids["w2"]}
        ).status_code
        == 403
    )
    assert (
        _post(hall, "clerk2", f"/tickets/{first['id']}/call", {"window_id": w1}).status_code == 403
    )
    events = hall.client("clerk1").get(f"/api/v1/tickets/{second['id']}/events").get_json()["items"]
    assert [e["type"] for e in events] == ["issued", "called", "started", "finished"]
    assert events[1]["data"] == {"picked": True}


def test_a_realtime_token_opens_the_socket_for_a_cookie_signed_in_page(hall: Hall) -> None:
    c = hall.app.test_client()
    login = c.post(
        "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
    ).get_json()
    assert (
        c.post("/api/v1/caller/realtime-token", json={}).status_code == 403
    )  # cookie without the CSRF header
    r = c.post(
        "/api/v1/caller/realtime-token", json={}, headers={"X-CSRF-Token": login["csrf_token"]}
    )
    assert r.status_code == 200
    token = r.get_json()["access_token"]
    client = hall.app.extensions["queuehall.realtime"].sio.test_client(
        hall.app, auth={"token": token}
    )
    assert client.is_connected()
    assert client.get_received()[0]["name"] == "snapshot"
    client.disconnect()
    assert _post(hall, "kiosk", "/caller/realtime-token").status_code == 403


def test_bad_ratings_open_rectifications_that_only_supervisors_see(hall: Hall) -> None:
    t = _serving_ticket(hall)
    _post(hall, "clerk1", f"/tickets/{t['id']}/finish", {"outcome": "done"})
    assert _post(hall, "clerk1", f"/tickets/{t['id']}/evaluation", {"level": 5}).status_code == 403
    assert _post(hall, "eval1", f"/tickets/{t['id']}/evaluation", {"level": 1}).status_code == 422
    assert (
        _post(
            hall, "eval1", f"/tickets/{t['id']}/evaluation", {"level": 1, "reason": "态度生硬"}
        ).status_code
        == 201
    )
    assert _post(hall, "eval1", f"/tickets/{t['id']}/evaluation", {"level": 5}).status_code == 409
    assert hall.client("clerk1").get("/api/v1/rectifications").status_code == 403
    items = hall.client("super").get("/api/v1/rectifications").get_json()["items"]
    assert [(i["number"], i["level"], i["reason"], i["rectification"]) for i in items] == [
        (t["number"], 1, "态度生硬", "open")
    ]
    assert items[0]["staff_name"] == "clerk1"


def test_evaluation_reasons_come_from_the_hall_settings(hall: Hall) -> None:
    from server.storage.models import Site

    assert hall.client("eval1").get("/api/v1/evaluation-reasons").get_json() == {"items": []}
    with hall.ctx.uow() as uow:
        site = uow.session.query(Site).one()
        site.settings = {
            **site.settings,
            "evaluation_reasons": ["等候时间长", "态度生硬", "叫号混乱"],
            "evaluation_reasons_en": {"态度生硬": "Rude at the counter"},
        }
        uow.commit()
    items = hall.client("eval1").get("/api/v1/evaluation-reasons").get_json()["items"]
    assert [i["text"] for i in items] == ["等候时间长", "态度生硬", "叫号混乱"]
    # the chips' English: the hall's own words, else the stock ones, else the Chinese as written
    assert [i["text_en"] for i in items] == ["Long wait", "Rude at the counter", "叫号混乱"]
    assert hall.app.test_client().get("/api/v1/evaluation-reasons").status_code == 401


def test_listed_tickets_show_no_shows_to_supervisors_and_parked_ones_to_their_clerk(
    hall: Hall,
) -> None:
    t = _serving_ticket(hall)
    _post(hall, "clerk1", f"/tickets/{t['id']}/finish", {"outcome": "parked"})
    _post(hall, "kiosk", "/tickets", {"service_id": hall.ids["A"]})
    u = _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/call-next").get_json()
    _post(hall, "clerk1", f"/tickets/{u['id']}/no-show")
    clerk = {
        i["number"]: i["state"]
        for i in hall.client("clerk1").get("/api/v1/caller/tickets").get_json()["items"]
    }
    assert clerk == {t["number"]: "parked"}
    sup = {
        i["number"]: i["state"]
        for i in hall.client("super").get("/api/v1/caller/tickets").get_json()["items"]
    }
    assert sup == {t["number"]: "parked", u["number"]: "no_show"}
    assert hall.client("clerk2").get("/api/v1/caller/tickets").get_json()["items"] == []


def test_the_pages_ask_staff_to_sign_in_and_refuse_a_bad_evaluator_token(hall: Hall) -> None:
    c = hall.app.test_client()
    page = c.get("/caller")
    assert page.status_code == 200 and 'id="signin"' in page.get_data(as_text=True)
    c.post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
    page = c.get("/caller").get_data(as_text=True)
    assert 'id="window-select"' in page and "csrf" in page
    bad = c.get("/evaluator?token=qhd_nope")
    assert bad.status_code == 401 and "评价器未授权" in bad.get_data(as_text=True)
    assert c.get("/evaluator").status_code == 401
    assert c.get(f"/evaluator?token={hall.tokens['kiosk']}").status_code == 403
    ok = c.get(f"/evaluator?token={hall.tokens['eval1']}")
    assert ok.status_code == 200 and 'id="levels"' in ok.get_data(as_text=True)
