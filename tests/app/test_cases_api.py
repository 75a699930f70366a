"""Counter outcomes, cases and the hall calendar through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.app.casekit import (
    CN2026_HOLIDAYS,
    CN2026_WORKDAYS,
    accept,
    add_promised_item,
    post,
    serve,
)
from tests.conftest import Hall


def test_the_calendar_is_read_by_staff_and_entered_by_an_admin_only(hall: Hall) -> None:
    r = hall.client("clerk1").get("/api/v1/calendar/2027")
    assert (
        r.status_code == 200 and r.get_json()["defined"] is False and r.get_json()["holidays"] == []
    )
    body = {"holidays": ["2027-01-01"], "workdays": [], "source": "test"}
    assert hall.client("clerk1").put("/api/v1/calendar/2027", json=body).status_code == 403
    assert hall.client("super").put("/api/v1/calendar/2027", json=body).status_code == 403
    assert hall.app.test_client().get("/api/v1/calendar/2027").status_code == 401
    r = hall.client("admin").put("/api/v1/calendar/2027", json=body)
    assert r.status_code == 200 and r.get_json()["defined"] is True
    assert hall.client("clerk1").get("/api/v1/calendar/2027").get_json()["holidays"] == [
        "2027-01-01"
    ]
    bad = hall.client("admin").put(
        "/api/v1/calendar/2027", json={"holidays": ["2026-10-01"], "workdays": []}
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_input"
    bad = hall.client("admin").put("/api/v1/calendar/2027", json={"holidays": ["2027-02-30"]})
    assert bad.status_code == 422
    both = hall.client("admin").put(
        "/api/v1/calendar/2027", json={"holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}
    )
    assert both.status_code == 422


def test_services_carry_mode_and_promised_days(hall: Hall) -> None:
    add_promised_item(hall)
    items = {s["id"]: s for s in hall.app.test_client().get("/api/v1/services").get_json()["items"]}
    assert items[hall.ids["D"]]["mode"] == "promised" and items[hall.ids["D"]]["promised_days"] == 3
    assert items[hall.ids["A"]]["mode"] == "instant" and items[hall.ids["A"]]["promised_days"] == 0


def test_joint_and_agency_items_read_as_instant_or_promised_and_keep_their_handling(
    hall: Hall,
) -> None:
    admin = hall.client("admin")
    joint = admin.post(
        "/api/v1/services",
        json={
            "department_id": hall.ids["dept1"],
            "name": "联办事项",
            "prefix": "J",
            "handling": "joint",
            "promised_days": 5,
        },
    )
    assert joint.status_code == 201, joint.get_json()
    agency = admin.post(
        "/api/v1/services",
        json={
            "department_id": hall.ids["dept2"],
            "name": "代办即办",
            "prefix": "K",
            "mode": "agency",
        },
    )
    assert agency.status_code == 201, agency.get_json()
    items = {s["id"]: s for s in hall.app.test_client().get("/api/v1/services").get_json()["items"]}
    j, k = items[joint.get_json()["id"]], items[agency.get_json()["id"]]
    # the contract's mode is instant|promised; the hall's four ways stay readable as `handling`
    assert (j["mode"], j["handling"], j["promised_days"]) == ("promised", "joint", 5)
    assert (k["mode"], k["handling"], k["promised_days"]) == ("instant", "agency", 0)
    changed = admin.patch(
        f"/api/v1/services/{k['id']}", json={"handling": "promised", "promised_days": 2}
    )
    assert (changed.get_json()["mode"], changed.get_json()["handling"]) == ("promised", "promised")


def test_accepting_a_promised_item_opens_a_numbered_case_due_in_working_days(hall: Hall) -> None:
    add_promised_item(hall)
    out = accept(hall)
    case = out["case"]
    assert out["state"] == "done" and out["outcome"] == "accepted"
    # Monday 2026-11-30 + 3 working days, the acceptance day not counted
    assert case == {
        "id": case["id"],
        "number": "XL20261130-0001",
        "due_date": "2026-12-03",
        "state": "accepted",
    }
    second = accept(hall, name="李四", phone="13900001111")["case"]
    assert second["number"] == "XL20261130-0002"
    got = hall.client("clerk1").get(f"/api/v1/cases/{case['id']}").get_json()
    for key in (
        "id",
        "number",
        "service_id",
        "ticket_id",
        "state",
        "accepted_at",
        "due_date",
        "completed_at",
        "delivered_at",
        "overdue",
        "paused_days",
        "first_window_id",
        "events",
    ):
        assert key in got
    assert got["first_window_id"] == hall.ids["w1"] and got["ticket_id"] == out["id"]
    # masked in the case's own staff view too: in full only through the audited reveal
    assert got["applicant"] == {"name": "张*明", "phone": "138****5678"}
    assert got["can_reveal"] is True
    assert (
        got["events"][0]["type"] == "accepted"
        and got["events"][0]["staff_id"] == hall.ids["clerk1"]
    )
    # clerk 2 (人社窗口) does not serve the item: masked for them, and in every list
    other = hall.client("clerk2").get(f"/api/v1/cases/{case['id']}").get_json()
    assert other["applicant"] == {"name": "张*明", "phone": "138****5678"}
    assert other["can_reveal"] is False
    listed = hall.client("super").get("/api/v1/cases").get_json()["items"]
    assert [c["number"] for c in listed] == ["XL20261130-0002", "XL20261130-0001"]
    assert all("5678" not in str(c) or "****" in c["applicant"]["phone"] for c in listed)
    assert listed[1]["applicant"]["phone"] == "138****5678"


def test_a_case_number_restarts_each_day_and_numbers_are_never_reused(hall: Hall) -> None:
    add_promised_item(hall)
    assert accept(hall)["case"]["number"] == "XL20261130-0001"
    # a refused acceptance (bad input) rolls back and uses no number
    t = serve(hall)
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": "王五"}},
    )
    assert r.status_code == 422
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": "王五", "phone": "13700002222"}},
    )
    assert r.get_json()["case"]["number"] == "XL20261130-0002"
    hall.clock.current = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert accept(hall)["case"]["number"] == "XL20261201-0001"


def test_outcomes_are_checked_at_the_counter(hall: Hall) -> None:
    add_promised_item(hall)
    t = serve(hall, service="A")
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": "张三", "phone": "13812345678"}},
    )
    assert (
        r.status_code == 422 and r.get_json()["error"]["field"] == "outcome"
    )  # 即办件 opens no case
    r = post(hall, "clerk1", f"/tickets/{t['id']}/finish", {"outcome": "refused"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "reason"
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "refused", "reason": "不属于本中心受理范围"},
    )
    assert (
        r.status_code == 200 and r.get_json()["outcome"] == "refused" and "case" not in r.get_json()
    )
    assert hall.client("super").get("/api/v1/cases").get_json()["items"] == []
    t = serve(hall)
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {
            "outcome": "parked",
            "materials": ["抵押合同", "借款人身份证复印件"],
            "note": "补齐后回1号窗口",
        },
    )
    assert r.status_code == 200 and r.get_json()["state"] == "parked"
    ev = hall.client("clerk1").get(f"/api/v1/tickets/{t['id']}/events").get_json()["items"][-1]
    assert ev["type"] == "parked" and ev["data"]["materials"] == ["抵押合同", "借款人身份证复印件"]


def test_only_the_items_windows_and_supervisors_move_a_case_and_only_allowed_moves(
    hall: Hall,
) -> None:
    add_promised_item(hall)
    cid = accept(hall)["case"]["id"]
    assert post(hall, "clerk2", f"/cases/{cid}/review").status_code == 403
    assert post(hall, "kiosk", f"/cases/{cid}/review").status_code == 403
    assert hall.app.test_client().post(f"/api/v1/cases/{cid}/review", json={}).status_code == 401
    r = post(hall, "clerk1", f"/cases/{cid}/approve")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "invalid_transition"
    assert (
        post(hall, "clerk3", f"/cases/{cid}/review").get_json()["state"] == "in_review"
    )  # window 3 serves it
    assert (
        post(hall, "clerk1", f"/cases/{cid}/request-materials", {"materials": []}).status_code
        == 422
    )
    r = post(hall, "clerk1", f"/cases/{cid}/request-materials", {"materials": ["抵押合同原件"]})
    assert r.get_json()["state"] == "awaiting_materials" and r.get_json()["materials"] == [
        "抵押合同原件"
    ]
    assert post(hall, "clerk1", f"/cases/{cid}/approve").status_code == 409
    assert (
        post(hall, "clerk1", f"/cases/{cid}/materials-received").get_json()["state"] == "in_review"
    )
    assert post(hall, "clerk1", f"/cases/{cid}/reject", {}).status_code == 422
    assert post(hall, "super", f"/cases/{cid}/approve").get_json()["state"] == "ready"
    # delivery: the first-ask window (1) or a comprehensive one (3, 4); not window 2
    assert post(hall, "clerk2", f"/cases/{cid}/deliver", {"method": "window"}).status_code == 403
    assert (
        post(hall, "clerk4", f"/cases/{cid}/deliver", {"method": "post"}).status_code == 422
    )  # no tracking note
    r = post(hall, "clerk4", f"/cases/{cid}/deliver", {"method": "post", "note": "EMS 1234567890"})
    assert r.status_code == 200 and r.get_json()["state"] == "delivered"
    assert r.get_json()["delivery"] == {"method": "post", "note": "EMS 1234567890"}
    assert post(hall, "clerk1", f"/cases/{cid}/deliver", {"method": "window"}).status_code == 409
    events = hall.client("super").get(f"/api/v1/cases/{cid}").get_json()["events"]
    assert [(e["type"], e["staff_id"]) for e in events] == [
        ("accepted", hall.ids["clerk1"]),
        ("review_started", hall.ids["clerk3"]),
        ("materials_requested", hall.ids["clerk1"]),
        ("materials_received", hall.ids["clerk1"]),
        ("approved", hall.ids["super"]),
        ("delivered", hall.ids["clerk4"]),
    ]
    assert all(e["at"] for e in events)


def test_the_2026_calendar_moves_due_dates_across_the_national_day_holiday(hall: Hall) -> None:
    add_promised_item(hall, days=2)
    r = hall.client("admin").put(
        "/api/v1/calendar/2026", json={"holidays": CN2026_HOLIDAYS, "workdays": CN2026_WORKDAYS}
    )
    assert r.status_code == 200
    hall.clock.current = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)  # Wednesday before National Day
    assert accept(hall)["case"]["due_date"] == "2026-10-09"
    hall.clock.current = datetime(2026, 10, 9, 1, 0, tzinfo=UTC)
    assert accept(hall)["case"]["due_date"] == "2026-10-12"  # Sat 10-10 is worked, Sun 10-11 is not


def test_public_lookup_needs_the_number_and_the_phones_last_four_and_is_rate_limited(
    hall: Hall,
) -> None:
    add_promised_item(hall)
    case = accept(hall)["case"]
    anon = hall.app.test_client()
    r = anon.post(
        "/api/v1/public/cases/lookup", json={"number": case["number"], "phone_last4": "5678"}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["state_text"] == "已受理" and body["due_date"] == "2026-12-03"
    assert "13812345678" not in str(body) and "张小明" not in str(body)
    assert (
        anon.post(
            "/api/v1/public/cases/lookup", json={"number": case["number"], "phone_last4": "0000"}
        ).status_code
        == 404
    )
    assert (
        anon.post(
            "/api/v1/public/cases/lookup", json={"number": "XL20261130-0009", "phone_last4": "5678"}
        ).status_code
        == 404
    )
    codes = [
        anon.post(
            "/api/v1/public/cases/lookup", json={"number": case["number"], "phone_last4": "5678"}
        ).status_code
        for _ in range(12)
    ]
    assert codes[-1] == 429 and 200 in codes


def test_the_applicant_is_masked_in_the_audit_log(hall: Hall) -> None:
    add_promised_item(hall)
    accept(hall, name="欧阳小明", phone="13812345678")
    entries = hall.client("super").get("/api/v1/audit").get_json()["items"]
    text = str(entries)
    assert "finish_ticket" in text or "finish" in text
    assert "欧阳小明" not in text and "13812345678" not in text
    assert "欧**明" in text


def test_case_events_cannot_be_edited_or_deleted_in_the_database(hall: Hall) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    add_promised_item(hall)
    accept(hall)
    for stmt in ("UPDATE case_events SET type = 'approved'", "DELETE FROM case_events"):
        with pytest.raises(DBAPIError, match="append-only"), hall.ctx.db.writer.begin() as conn:
            conn.execute(text(stmt))
    with hall.ctx.db.writer.connect() as conn:
        assert conn.execute(text("SELECT type FROM case_events")).scalars().all() == ["accepted"]


def test_two_counters_accepting_at_once_get_consecutive_case_numbers_never_the_same(
    hall: Hall,
) -> None:
    import threading

    add_promised_item(hall)
    numbers: list[str] = []
    for _ in range(4):
        ready = [serve(hall, window=w, clerk=c) for w, c in (("w1", "clerk1"), ("w3", "clerk3"))]
        go = threading.Barrier(2)

        def finish(t: dict[str, object], clerk: str, go: threading.Barrier = go) -> None:
            client = hall.client(clerk)
            go.wait()
            r = client.post(
                f"/api/v1/tickets/{t['id']}/finish",
                json={"outcome": "accepted", "applicant": {"name": "并发", "phone": "13800000000"}},
            )
            assert r.status_code == 200, r.get_json()
            numbers.append(r.get_json()["case"]["number"])

        threads = [
            threading.Thread(target=finish, args=(t, c))
            for t, c in zip(ready, ("clerk1", "clerk3"), strict=True)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert sorted(numbers) == [f"XL20261130-{i:04d}" for i in range(1, 9)]
