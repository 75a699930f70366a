"""预约 (issue 19): slots from the hall calendar, booking, limits, cancel, check-in, the booked call
order and 爽约 — on SQLite and PostgreSQL (Flask test client; the clock is the test's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.storage.models import TicketEvent
from tests.conftest import Hall

API = "/api/v1"
PERIODS = [["09:00", "11:30"], ["13:30", "17:00"]]


def _rule(hall: Hall, item: str = "A", capacity: int = 2, saturday: int = 1) -> None:
    r = hall.client("admin").put(
        f"{API}/booking-rules/{hall.ids[item]}",
        json={
            "periods": PERIODS,
            "slot_min": 30,
            "capacity": capacity,
            "saturday_capacity": saturday,
        },
    )
    assert r.status_code == 200, r.get_json()


def _slots(hall: Hall, day: str, item: str = "A") -> Any:
    return hall.client().get(f"{API}/public/services/{hall.ids[item]}/slots?date={day}")


def _book(
    hall: Hall, start: str, phone: str = "13812345678", item: str = "A", name: str = "张小明"
) -> Any:
    return hall.client().post(
        f"{API}/public/appointments",
        json={"service_id": hall.ids[item], "start": start, "name": name, "phone": phone},
    )


def test_slots_follow_the_hall_calendar_with_fewer_on_a_saturday_worked(hall: Hall) -> None:
    _rule(hall, capacity=4, saturday=2)
    # the hall's calendar (issue 17): Thursday 3 Dec a holiday, Saturday 5 Dec a working day (调休)
    r = hall.client("admin").put(
        f"{API}/calendar/2026", json={"holidays": ["2026-12-03"], "workdays": ["2026-12-05"]}
    )
    assert r.status_code == 200
    tue = _slots(hall, "2026-12-01").get_json()["items"]
    assert len(tue) == 5 + 7  # 09:00–11:30 and 13:30–17:00 in half hours
    assert tue[0] == {
        "start": "2026-12-01T09:00:00+08:00",
        "end": "2026-12-01T09:30:00+08:00",
        "capacity": 4,
        "left": 4,
    }
    assert tue[-1]["end"] == "2026-12-01T17:00:00+08:00"
    assert _slots(hall, "2026-12-03").get_json()["items"] == []  # holiday
    sat = _slots(hall, "2026-12-05").get_json()["items"]
    assert sat and {s["capacity"] for s in sat} == {2}
    assert _slots(hall, "2026-12-06").get_json()["items"] == []  # an ordinary Sunday
    # how far ahead: 7 days by default, then an admin makes it 2
    assert _slots(hall, "2026-12-07").status_code == 200
    assert _slots(hall, "2026-12-08").status_code == 422
    assert (
        hall.client("admin").patch(f"{API}/booking-settings", json={"days_ahead": 2}).status_code
        == 200
    )
    far = _slots(hall, "2026-12-07")
    assert far.status_code == 422 and far.get_json()["error"]["code"] == "invalid_input"
    # an item nobody made bookable
    assert _slots(hall, "2026-12-01", item="B").status_code == 404
    # only admins change rules
    r = hall.client("clerk1").put(f"{API}/booking-rules/{hall.ids['B']}", json={"periods": PERIODS})
    assert r.status_code == 403


def test_booking_fills_a_slot_masks_the_phone_and_cancels_with_the_last_four_digits(
    hall: Hall,
) -> None:
    _rule(hall, capacity=2)
    start = "2026-12-01T10:00:00+08:00"
    a = _book(hall, start, phone="13812345678")
    assert a.status_code == 201, a.get_json()
    body = a.get_json()
    assert set(body) >= {"code", "service_id", "start", "end"}
    assert body["start"] == start and body["end"] == "2026-12-01T10:30:00+08:00"
    assert body["phone"] == "138****5678" and "13812345678" not in a.get_data(as_text=True)
    assert _book(hall, start, phone="13900000001").status_code == 201
    full = _book(hall, start, phone="13900000002")
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "slot_full"
    left = {s["start"]: s["left"] for s in _slots(hall, "2026-12-01").get_json()["items"]}
    assert left[start] == 0
    # cancel: the wrong last four digits find nothing, the right ones free the seat
    c = hall.client()
    assert c.delete(f"{API}/public/appointments/{body['code']}?phone_last4=0000").status_code == 404
    ok = c.delete(f"{API}/public/appointments/{body['code']}?phone_last4=5678")
    assert ok.status_code == 200 and ok.get_json()["state"] == "cancelled"
    assert c.delete(f"{API}/public/appointments/{body['code']}?phone_last4=5678").status_code == 409
    assert _book(hall, start, phone="13900000002").status_code == 201
    # a start that is not a slot
    bad = _book(hall, "2026-12-01T10:10:00+08:00", phone="13900000003")
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "start"


def test_per_phone_limits_and_no_shows_count_against_the_phone(hall: Hall) -> None:
    _rule(hall, "A", capacity=5)
    _rule(hall, "B", capacity=5)
    _rule(hall, "C", capacity=5)
    phone = "13712345678"
    assert _book(hall, "2026-12-01T09:00:00+08:00", phone).status_code == 201
    same_item = _book(hall, "2026-12-01T14:00:00+08:00", phone)
    assert (
        same_item.status_code == 429 and same_item.get_json()["error"]["limit"] == "per_phone_item"
    )
    assert _book(hall, "2026-12-01T09:30:00+08:00", phone, item="B").status_code == 201
    third = _book(hall, "2026-12-01T10:00:00+08:00", phone, item="C")
    assert third.status_code == 429 and third.get_json()["error"]["limit"] == "per_phone_day"
    # three missed bookings (爽约) stop the phone from booking for a while
    assert (
        hall.client("admin").patch(f"{API}/booking-settings", json={"no_show_limit": 2}).status_code
        == 200
    )
    other = "13612345678"
    assert _book(hall, "2026-11-30T10:00:00+08:00", other).status_code == 201
    assert _book(hall, "2026-11-30T10:30:00+08:00", other, item="B").status_code == 201
    hall.clock.advance(hours=3)  # 12:00: both slots over, nobody came
    day = hall.client("super").get(f"{API}/appointments?date=2026-11-30").get_json()["items"]
    assert [a["state"] for a in day] == ["no_show", "no_show"]
    refused = _book(hall, "2026-12-02T10:00:00+08:00", other)
    assert refused.status_code == 429 and refused.get_json()["error"]["limit"] == "no_show"


def test_public_booking_is_rate_limited_per_address(hall: Hall) -> None:
    _rule(hall, capacity=20)
    hall.app.config["RATE_LIMIT_BOOKINGS_PER_MIN"] = 3
    codes = [
        _book(hall, "2026-12-01T09:00:00+08:00", phone=f"1380000000{i}").status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 201, 429]


def test_staff_book_for_a_caller_and_see_the_name_in_full(hall: Hall) -> None:
    _rule(hall)
    r = hall.client("clerk1").post(
        f"{API}/appointments",
        json={
            "service_id": hall.ids["A"],
            "name": "李四",
            "start": "2026-12-01T09:00:00+08:00",
            "phone": "13512345678",
        },
    )
    assert r.status_code == 201 and r.get_json()["name"] == "李*"
    day = hall.client("clerk1").get(f"{API}/appointments?date=2026-12-01").get_json()["items"]
    assert day[0]["name"] == "李四" and day[0]["phone"] == "135****5678"
    assert (
        hall.client("kiosk")
        .post(
            f"{API}/appointments",
            json={
                "service_id": hall.ids["A"],
                "name": "x",
                "start": "2026-12-01T09:00:00+08:00",
                "phone": "13512345678",
            },
        )
        .status_code
        == 403
    )


def test_check_in_too_early_on_time_and_too_late(hall: Hall) -> None:
    _rule(hall, capacity=3)
    early = _book(hall, "2026-11-30T11:00:00+08:00", "13812340001").get_json()["code"]
    late = _book(hall, "2026-11-30T09:30:00+08:00", "13812340002").get_json()["code"]
    kiosk = hall.client("kiosk")
    r = kiosk.post(f"{API}/appointments/check-in", json={"code": early})  # 09:00, slot 11:00
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "too_early" and err["opens_at"] == "2026-11-30T10:30:00+08:00"
    hall.clock.advance(minutes=100)  # 10:40
    r = kiosk.post(f"{API}/appointments/check-in", json={"code": early})
    assert r.status_code == 201, r.get_json()
    t = r.get_json()
    assert t["appointment"] == {"code": early, "start": "2026-11-30T11:00:00+08:00"}
    assert t["number"].startswith("A") and t["state"] == "waiting"
    again = kiosk.post(f"{API}/appointments/check-in", json={"code": early})
    assert again.status_code == 409
    r = kiosk.post(
        f"{API}/appointments/check-in", json={"code": late}
    )  # slot 09:30, 15 min grace over
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_late"
    assert r.get_json()["error"]["service_id"] == hall.ids["A"]
    day = {
        a["code"]: a["state"]
        for a in hall.client("super").get(f"{API}/appointments?date=2026-11-30").get_json()["items"]
    }
    assert day == {early: "checked_in", late: "late"}  # the late visitor came: not 爽约
    assert kiosk.post(f"{API}/appointments/check-in", json={"code": "00000000"}).status_code == 404
    assert (
        hall.client().post(f"{API}/appointments/check-in", json={"code": early}).status_code == 401
    )


def _call(hall: Hall) -> str:
    r = hall.client("clerk1").post(f"{API}/windows/{hall.ids['w1']}/call-next", json={})
    assert r.status_code == 200, r.get_json()
    t = r.get_json()
    assert hall.client("clerk1").post(f"{API}/tickets/{t['id']}/start", json={}).status_code == 200
    assert hall.client("clerk1").post(f"{API}/tickets/{t['id']}/finish", json={}).status_code == 200
    return str(t["number"])


def test_a_scripted_morning_calls_booked_visitors_in_their_slot_without_starving_walk_ins(
    hall: Hall,
) -> None:
    """Four bookings of the 09:30 slot, one of 10:30, walk-ins since 09:00, a late visitor, a no-show: window 1 calls
    booked visitors first within their slot, at most three in a row while a walk-in waits."""
    _rule(hall, capacity=5)
    kiosk = hall.client("kiosk")
    assert (
        hall.client("clerk1").post(f"{API}/windows/{hall.ids['w1']}/open", json={}).status_code
        == 200
    )
    phones = [f"1391234000{i}" for i in range(6)]
    codes = [_book(hall, "2026-11-30T09:30:00+08:00", p).get_json()["code"] for p in phones[:4]]
    later = _book(hall, "2026-11-30T10:30:00+08:00", phones[4]).get_json()["code"]
    missed = _book(hall, "2026-11-30T09:30:00+08:00", phones[5]).get_json()["code"]
    hall.clock.advance(hours=-1)  # booked the evening before: the 09:00 slot
    late = _book(hall, "2026-11-30T09:00:00+08:00", "13912349999").get_json()["code"]
    hall.clock.advance(hours=1)
    walk = []
    for _ in range(4):  # 09:00–09:03
        walk.append(
            kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]}).get_json()["number"]
        )
        hall.clock.advance(minutes=1)
    hall.clock.advance(minutes=6)  # 09:10: the 10:30 booking comes early, checks in from 10:00 only
    assert kiosk.post(f"{API}/appointments/check-in", json={"code": later}).status_code == 409
    booked = [
        kiosk.post(f"{API}/appointments/check-in", json={"code": c}).get_json()["number"]
        for c in codes
    ]
    # 09:10: the 09:30 slot's call window (10 min before) is not on yet: the queue's order
    assert _call(hall) == walk[0]
    hall.clock.advance(minutes=12)  # 09:22
    # the 09:00 booking comes at 09:22: too late, told so, and takes an ordinary ticket
    r = kiosk.post(f"{API}/appointments/check-in", json={"code": late})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "too_late"
    late_ticket = kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]}).get_json()[
        "number"
    ]
    order = [_call(hall) for _ in range(6)]
    assert order == [booked[0], booked[1], booked[2], walk[1], booked[3], walk[2]]
    # the one who never came is the visitor's 爽约, and no clerk's: no ticket, no ticket event
    hall.clock.advance(minutes=30)
    day = {
        a["code"]: a["state"]
        for a in hall.client("super").get(f"{API}/appointments?date=2026-11-30").get_json()["items"]
    }
    assert day[missed] == "no_show" and all(day[c] == "checked_in" for c in codes)
    assert day[late] == "late"  # came, if late: not 爽约
    with hall.ctx.uow(write=False) as uow:
        kinds = set(uow.session.scalars(select(TicketEvent.type)))
    assert "no_show" not in kinds and kinds >= {"issued", "called", "finished"}
    assert walk[3] == _call(hall)  # the last walk-in, no booking in its window now
    assert _call(hall) == late_ticket  # in the walk-ins' order


def test_walk_ins_wait_no_longer_than_the_ratio_allows(hall: Hall) -> None:
    _rule(hall, capacity=8)
    assert (
        hall.client("admin").patch(f"{API}/booking-settings", json={"booked_ratio": 2}).status_code
        == 200
    )
    kiosk = hall.client("kiosk")
    assert (
        hall.client("clerk1").post(f"{API}/windows/{hall.ids['w1']}/open", json={}).status_code
        == 200
    )
    hall.clock.advance(minutes=25)  # 09:25
    walk = [
        kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]}).get_json()["number"]
        for _ in range(2)
    ]
    booked = []
    for i in range(6):
        code = _book(hall, "2026-11-30T09:30:00+08:00", f"1370000000{i}").get_json()["code"]
        booked.append(
            kiosk.post(f"{API}/appointments/check-in", json={"code": code}).get_json()["number"]
        )
    order = [_call(hall) for _ in range(8)]
    assert order == [
        booked[0],
        booked[1],
        walk[0],
        booked[2],
        booked[3],
        walk[1],
        booked[4],
        booked[5],
    ]


def test_the_last_seat_of_a_slot_goes_to_one_of_many_at_once(hall: Hall) -> None:
    import threading

    _rule(hall, capacity=2)
    start = "2026-12-01T10:00:00+08:00"
    go = threading.Barrier(6)
    codes: list[int] = []

    def one(i: int) -> None:
        go.wait()  # six visitors press 确认预约 together
        codes.append(_book(hall, start, phone=f"1350000000{i}").status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [201, 201, 409, 409, 409, 409]
    left = {s["start"]: s["left"] for s in _slots(hall, "2026-12-01").get_json()["items"]}
    assert left[start] == 0
