"""One-time confirmation codes: staff make them, a kiosk redeems each once for one priority class."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.conftest import Hall

URL = "/api/v1/kiosk/confirmed-tickets"


def make_code(hall: Hall, who: str = "clerk1", priority: str = "priority") -> dict[str, Any]:
    r = hall.client(who).post("/api/v1/confirm-codes", json={"priority": priority})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def redeem(
    hall: Hall, code: str, priority: str = "priority", service: str = "A", kiosk: str = "kiosk"
) -> Any:
    return hall.client(kiosk).post(
        URL,
        json={
            "service_id": hall.ids[service],
            "priority": priority,
            "code": code,
            "kind": "elderly",
        },
    )


def add_kiosk(hall: Hall, name: str) -> str:
    r = hall.client("admin").post("/api/v1/devices", json={"name": name, "kind": "kiosk"})
    assert r.status_code == 201, r.get_json()
    token = r.get_json()["token"]
    hall.tokens[name] = token
    return str(token)


def test_a_staff_code_issues_one_priority_ticket_and_only_once(hall: Hall) -> None:
    made = make_code(hall)
    assert len(made["code"]) == 6 and made["code"].isdigit() and made["valid_s"] == 600
    r = redeem(hall, made["code"])
    assert r.status_code == 201, r.get_json()
    tk = r.get_json()
    assert tk["priority"] == "priority" and tk["number"].startswith("A")
    events = hall.client("super").get(f"/api/v1/tickets/{tk['id']}/events").get_json()["items"]
    vouched = [e for e in events if e["type"] == "priority_confirmed"]
    assert len(vouched) == 1 and vouched[0]["staff_id"] == hall.ids["clerk1"]
    again = redeem(hall, made["code"])
    assert again.status_code == 403
    assert (
        again.get_json()["error"]["code"] == "code_invalid"
        and again.get_json()["error"]["reason"] == "used"
    )
    mine = hall.client("clerk1").get("/api/v1/confirm-codes").get_json()["items"]
    assert (
        mine[0]["id"] == made["id"]
        and mine[0]["state"] == "used"
        and mine[0]["ticket_number"] == tk["number"]
    )
    assert "code" not in mine[0]
    # staff cannot redeem a code themselves: only a kiosk takes this door
    assert (
        hall.client("clerk1")
        .post(
            URL,
            json={
                "service_id": hall.ids["A"],
                "priority": "priority",
                "code": make_code(hall)["code"],
            },
        )
        .status_code
        == 403
    )


def test_a_refused_code_leaves_no_ticket_and_uses_no_number(hall: Hall) -> None:
    kiosk = hall.client("kiosk")
    first = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).get_json()
    assert redeem(hall, "000000").status_code == 403
    assert (
        redeem(hall, make_code(hall, priority="green")["code"], priority="priority").status_code
        == 409
    )
    waiting = hall.client().get("/api/v1/services").get_json()["items"]
    assert next(s for s in waiting if s["id"] == hall.ids["A"])["waiting"] == 1
    ok = redeem(hall, make_code(hall)["code"])
    assert ok.status_code == 201
    assert [first["number"], ok.get_json()["number"]] == [
        "A001",
        "A002",
    ]  # gapless across the refusals


def test_only_a_keyed_hash_of_the_code_is_stored(sqlite_hall: Hall) -> None:
    from server.storage.models_codes import ConfirmCode

    made = make_code(sqlite_hall)
    with sqlite_hall.ctx.uow(write=False) as uow:
        row = uow.session.scalar(select(ConfirmCode).where(ConfirmCode.id == made["id"]))
        assert row is not None
        stored = [str(getattr(row, c.name)) for c in ConfirmCode.__table__.columns]
        digest = row.code_hash
    assert not any(made["code"] in value for value in stored)
    import hashlib

    assert (
        hashlib.sha256(made["code"].encode()).hexdigest() != digest
    )  # not a bare hash of a 6-digit space


def test_a_code_expires_after_ten_minutes(sqlite_hall: Hall) -> None:
    made = make_code(sqlite_hall, priority="green")
    sqlite_hall.clock.advance(minutes=10, seconds=1)
    r = redeem(sqlite_hall, made["code"], priority="green")
    assert r.status_code == 403 and r.get_json()["error"]["reason"] == "expired"
    mine = sqlite_hall.client("clerk1").get("/api/v1/confirm-codes").get_json()["items"]
    assert mine[0]["state"] == "expired"


def test_a_code_for_one_class_is_refused_for_the_other_and_stays_good_for_its_own(
    sqlite_hall: Hall,
) -> None:
    made = make_code(sqlite_hall, priority="priority")
    r = redeem(sqlite_hall, made["code"], priority="green")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "code_wrong_priority" and err["code_priority"] == "priority"
    r = redeem(sqlite_hall, made["code"], priority="priority")
    assert r.status_code == 201 and r.get_json()["priority"] == "priority"


def test_wrong_codes_are_rate_limited_per_kiosk_and_never_touch_a_staff_account(
    sqlite_hall: Hall,
) -> None:
    from server.storage.models import Staff

    h = sqlite_hall
    good = make_code(h)
    wrong = "000000" if good["code"] != "000000" else "999999"
    for _ in range(5):
        r = redeem(h, wrong)
        assert r.status_code == 403 and r.get_json()["error"]["reason"] == "unknown"
    r = redeem(h, wrong)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # the right code is refused too at this kiosk until the window passes: guessing gains nothing
    assert redeem(h, good["code"]).status_code == 429
    # another kiosk has its own budget
    add_kiosk(h, "kiosk2")
    assert redeem(h, good["code"], kiosk="kiosk2").status_code == 201
    with h.ctx.uow(write=False) as uow:
        staff = uow.session.get_one(Staff, h.ids["clerk1"])
        assert staff.failed_logins == 0 and staff.locked_until is None
    assert (
        h.client()
        .post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
        .status_code
        == 200
    )
    refusals = (
        h.client("super").get("/api/v1/audit?action=confirm_code_refused").get_json()["items"]
    )
    assert len(refusals) == 5 and all(wrong not in str(a["detail"]) for a in refusals)
    assert {a["actor_name"] for a in refusals} == {"kiosk"}


def test_a_code_comes_back_when_no_ticket_could_be_issued(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    for _ in range(3):  # item C has a daily cap of 3
        assert (
            h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["C"]}).status_code
            == 201
        )
    made = make_code(h)
    r = redeem(h, made["code"], service="C")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "daily_cap_reached"
    assert (
        h.client("clerk1").get("/api/v1/confirm-codes").get_json()["items"][0]["state"] == "active"
    )
    assert redeem(h, made["code"], service="A").status_code == 201


def test_a_revoked_code_is_refused_and_only_its_maker_or_a_supervisor_may_revoke(
    sqlite_hall: Hall,
) -> None:
    h = sqlite_hall
    made = make_code(h)
    assert h.client("clerk2").post(f"/api/v1/confirm-codes/{made['id']}/revoke").status_code == 403
    r = h.client("clerk1").post(f"/api/v1/confirm-codes/{made['id']}/revoke")
    assert r.status_code == 200 and r.get_json()["state"] == "revoked"
    r = redeem(h, made["code"])
    assert r.status_code == 403 and r.get_json()["error"]["reason"] == "revoked"
    other = make_code(h, who="clerk2")
    assert (
        h.client("super").post(f"/api/v1/confirm-codes/{other['id']}/revoke").get_json()["state"]
        == "revoked"
    )


def test_making_a_code_needs_a_signed_in_staff_member_and_is_audited(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    assert h.client().post("/api/v1/confirm-codes", json={"priority": "green"}).status_code == 401
    assert (
        h.client("kiosk").post("/api/v1/confirm-codes", json={"priority": "green"}).status_code
        == 403
    )
    assert (
        h.client("clerk1").post("/api/v1/confirm-codes", json={"priority": "vip"}).status_code
        == 422
    )
    made = make_code(h, priority="green")
    audit = h.client("super").get("/api/v1/audit?action=create_confirm_code").get_json()["items"]
    assert audit and audit[0]["actor_name"] == "clerk1" and audit[0]["target"] == f"id={made['id']}"
    assert made["code"] not in str(audit[0])
    # a code is six digits; anything else is refused before any lookup and costs no attempt
    r = h.client("kiosk").post(
        URL, json={"service_id": h.ids["A"], "priority": "green", "code": "12ab56"}
    )
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "code"


def test_two_kiosks_racing_with_one_code_get_one_ticket(hall: Hall) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    made = make_code(hall)
    add_kiosk(hall, "kiosk2")
    start = Barrier(2)

    def go(kiosk: str) -> int:
        start.wait()
        return int(redeem(hall, made["code"], kiosk=kiosk).status_code)

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(go, ["kiosk", "kiosk2"]))
    assert codes == [201, 403]
    assert (
        hall.client("clerk1").get("/api/v1/confirm-codes").get_json()["items"][0]["state"] == "used"
    )
