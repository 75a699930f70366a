"""延时/错时服务 windows (issue 19 item 6 follow-up): while a period runs, the tickets it issues
(its items, taken since it started) are called only at the windows it lists, the ones the kiosk
names; a morning ticket still waiting at lunchtime stays with every window serving its item, and
after the period its leftovers go to any window again."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall

WEEK = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def _setup(hall: Hall, windows: list[str]) -> None:
    """Weekday hours enforced; A and B taken at lunchtime (12:00-13:30) at `windows`."""
    admin = hall.client("admin")
    r = admin.patch("/api/v1/settings", json={"hours": WEEK, "enforce_hours": True})
    assert r.status_code == 200, r.get_json()
    r = admin.post(
        "/api/v1/service-periods",
        json={
            "kind": "extended",
            "name": "午间延时服务",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "start": "12:00",
            "end": "13:30",
            "window_ids": [hall.ids[w] for w in windows],
            "service_ids": [hall.ids["A"], hall.ids["B"]],
        },
    )
    assert r.status_code == 201, r.get_json()
    for n in (1, 3, 4):
        c = hall.client(f"clerk{n}")
        assert c.post(f"/api/v1/windows/{hall.ids[f'w{n}']}/open", json={}).status_code == 200


def _take(hall: Hall, item: str) -> dict[str, Any]:
    r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids[item]})
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def _call(hall: Hall, n: int) -> Any:
    return hall.client(f"clerk{n}").post(f"/api/v1/windows/{hall.ids[f'w{n}']}/call-next", json={})


def _finish(hall: Hall, n: int, ticket: dict[str, Any]) -> None:
    hall.client(f"clerk{n}").post(f"/api/v1/tickets/{ticket['id']}/start")
    r = hall.client(f"clerk{n}").post(
        f"/api/v1/tickets/{ticket['id']}/finish", json={"outcome": "done"}
    )
    assert r.status_code == 200, r.get_json()


def test_a_periods_tickets_go_only_to_its_windows_while_it_runs(hall: Hall) -> None:
    _setup(hall, ["w3"])  # lunchtime at the comprehensive window 3 only
    hall.clock.advance(hours=2, minutes=50)  # Monday 11:50: ordinary hours
    morning = _take(hall, "A")
    hall.clock.advance(minutes=20)  # 12:10: the lunchtime period
    lunch_a, lunch_b = _take(hall, "A"), _take(hall, "B")
    # window 1 (A) finishes the morning queue, but does not take the lunchtime ticket
    r = _call(hall, 1)
    assert r.status_code == 200 and r.get_json()["id"] == morning["id"]
    _finish(hall, 1, r.get_json())
    r = _call(hall, 1)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "queue_empty"
    r = _call(hall, 4)  # window 4 serves A and B too, but is not in the period
    assert r.status_code == 404
    # window 3, the period's, calls them in its own order (it weighs B 8, A 2)
    r = _call(hall, 3)
    assert r.status_code == 200 and r.get_json()["id"] == lunch_b["id"]
    _finish(hall, 3, r.get_json())
    r = _call(hall, 3)
    assert r.status_code == 200 and r.get_json()["id"] == lunch_a["id"]
    _finish(hall, 3, r.get_json())


def test_after_the_period_its_leftovers_go_to_any_window(hall: Hall) -> None:
    _setup(hall, ["w3"])
    hall.clock.advance(hours=3, minutes=15)  # Monday 12:15
    left = _take(hall, "A")
    assert _call(hall, 1).status_code == 404
    hall.clock.advance(hours=1, minutes=15)  # 13:30: the ordinary hours again
    r = _call(hall, 1)
    assert r.status_code == 200 and r.get_json()["id"] == left["id"]


def test_the_hall_status_names_for_each_item_the_period_windows_serving_it(hall: Hall) -> None:
    _setup(hall, ["w1", "w3"])  # window 1 serves A only, window 3 serves A and B
    hall.clock.advance(hours=3, minutes=10)
    [p] = hall.client("kiosk").get("/api/v1/hall-status").get_json()["extended_today"]
    assert p["windows"] == [1, 3]
    by_item = {i["id"]: i["windows"] for i in p["items"]}
    assert by_item == {hall.ids["A"]: [1, 3], hall.ids["B"]: [3]}
    # and window 1 takes the period's A tickets, window 4 does not
    a = _take(hall, "A")
    assert _call(hall, 4).status_code == 404
    r = _call(hall, 1)
    assert r.status_code == 200 and r.get_json()["id"] == a["id"]


def test_a_period_item_no_listed_window_serves_is_left_to_every_window(hall: Hall) -> None:
    _setup(hall, ["w1"])  # window 1 serves A only: B is not held back from anyone
    hall.clock.advance(hours=3, minutes=10)
    b = _take(hall, "B")
    r = _call(hall, 4)
    assert r.status_code == 200 and r.get_json()["id"] == b["id"]


def test_a_periods_ticket_is_placed_and_previewed_at_its_windows_only(hall: Hall) -> None:
    """The people ahead and the windows' previews follow the same rule as call-next: a period's
    ticket counts its place at the period's windows, and the other windows do not show it."""
    _setup(hall, ["w3"])  # lunchtime at window 3 only (it weighs B 8, A 2)
    hall.clock.advance(hours=2, minutes=50)  # Monday 11:50
    morning_b = [_take(hall, "B") for _ in range(3)]
    hall.clock.advance(minutes=20)  # 12:10: the lunchtime period
    lunch_a = _take(hall, "A")
    # window 1 serves A alone and would call it first, but may not: window 3 takes the three
    # morning B tickets first (its weights), then this one
    assert lunch_a["waiting_ahead"] == 3
    page = hall.client("kiosk").get(f"/api/v1/tickets/{lunch_a['id']}").get_json()
    assert page["waiting_ahead"] == 3

    def preview(n: int) -> list[int]:
        r = hall.client(f"clerk{n}").get(f"/api/v1/windows/{hall.ids[f'w{n}']}/queue")
        assert r.status_code == 200, r.get_json()
        return [t["id"] for t in r.get_json()["items"]]

    assert preview(1) == []
    assert preview(4) == [t["id"] for t in morning_b]
    assert preview(3) == [t["id"] for t in morning_b] + [lunch_a["id"]]
    assert _call(hall, 1).status_code == 404  # what window 1's preview said


def test_a_periods_ticket_goes_to_any_window_while_the_periods_windows_are_closed(
    hall: Hall,
) -> None:
    """Nobody opened the lunchtime window: its tickets are not stranded, nor told 30 ahead."""
    _setup(hall, ["w3"])
    r = hall.client("clerk3").post(f"/api/v1/windows/{hall.ids['w3']}/close", json={})
    assert r.status_code == 200, r.get_json()
    hall.clock.advance(hours=3, minutes=10)  # Monday 12:10
    lunch_a = _take(hall, "A")
    assert lunch_a["waiting_ahead"] == 0
    r = _call(hall, 1)
    assert r.status_code == 200 and r.get_json()["id"] == lunch_a["id"]
