"""An item's own booking limits (issue 19, with the catalogue): how far ahead and per phone,
over the hall's settings; left out of a rule change, they are kept."""

from __future__ import annotations

from tests.conftest import Hall

API = "/api/v1"


def test_an_items_own_horizon_and_per_phone_limit_win_over_the_halls(hall: Hall) -> None:
    admin = hall.client("admin")
    rule = {"periods": [["09:00", "11:30"], ["13:30", "17:00"]], "slot_min": 30, "capacity": 4}
    r = admin.put(
        f"{API}/booking-rules/{hall.ids['A']}", json={**rule, "days_ahead": 1, "per_phone_item": 2}
    )
    assert r.status_code == 200 and r.get_json()["days_ahead"] == 1
    assert admin.put(f"{API}/booking-rules/{hall.ids['B']}", json=rule).status_code == 200
    public = hall.client()
    # the hall books 7 days ahead; A only until tomorrow (today is Monday 30 Nov)
    far = f"{API}/public/services/{{}}/slots?date=2026-12-03"
    assert public.get(far.format(hall.ids["B"])).status_code == 200
    r = public.get(far.format(hall.ids["A"]))
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "date"
    offered = {
        i["id"]: i for i in public.get(f"{API}/public/bookable-services").get_json()["items"]
    }
    assert offered[hall.ids["A"]]["days_ahead"] == 1 and offered[hall.ids["B"]]["days_ahead"] == 7

    def book(item: str, start: str) -> int:
        body = {
            "service_id": hall.ids[item],
            "start": start,
            "name": "张三",
            "phone": "13800001111",
        }
        return int(public.post(f"{API}/public/appointments", json=body).status_code)

    # the hall allows one booking per phone, item and day; A allows two
    assert book("A", "2026-12-01T09:00:00+08:00") == 201
    assert book("A", "2026-12-01T10:00:00+08:00") == 201
    assert book("B", "2026-12-02T09:00:00+08:00") == 201
    assert book("B", "2026-12-02T10:00:00+08:00") == 429
    # a rule change that leaves the limits out keeps them
    r = admin.put(f"{API}/booking-rules/{hall.ids['A']}", json={**rule, "capacity": 5})
    assert r.get_json()["days_ahead"] == 1 and r.get_json()["per_phone_item"] == 2
    r = admin.put(
        f"{API}/booking-rules/{hall.ids['A']}", json={**rule, "days_ahead": None}
    )  # null: back to the hall's
    assert r.get_json()["days_ahead"] is None and r.get_json()["per_phone_item"] == 2
