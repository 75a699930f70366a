"""延时 / 错时服务 (issue 19 item 6): extra service periods of the hall calendar, set at /admin,
followed by issuing and shown by the kiosk's and the hall screen's /hall-status."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.engine.hours import Period, next_period_start, period_open, validate_period
from tests.conftest import Hall

WEEK = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SH = ZoneInfo("Asia/Shanghai")


def _setup(hall: Hall) -> tuple[dict[str, Any], dict[str, Any]]:
    """The hall keeps 09:00-12:00, 13:30-17:00 on weekdays; A is taken at lunchtime at window 1,
    A and B on Saturday mornings at windows 1 and 2 (C never outside the ordinary hours)."""
    admin = hall.client("admin")
    assert admin.patch("/api/v1/settings", json={"hours": WEEK}).status_code == 200
    lunch = admin.post(
        "/api/v1/service-periods",
        json={
            "kind": "extended",
            "name": "午间延时服务",
            "name_en": "Lunchtime service",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "start": "12:00",
            "end": "13:30",
            "window_ids": [hall.ids["w1"]],
            "service_ids": [hall.ids["A"]],
        },
    )
    assert lunch.status_code == 201, lunch.get_json()
    sat = admin.post(
        "/api/v1/service-periods",
        json={
            "kind": "staggered",
            "name": "周六错时服务",
            "days": ["sat"],
            "start": "09:00",
            "end": "12:00",
            "window_ids": [hall.ids["w2"], hall.ids["w1"]],
            "service_ids": [hall.ids["B"], hall.ids["A"]],
        },
    )
    assert sat.status_code == 201, sat.get_json()
    return lunch.get_json(), sat.get_json()


def _take(hall: Hall, item: str) -> Any:
    return hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids[item]})


def _estimates(hall: Hall) -> dict[int, dict[str, Any]]:
    body = hall.client("kiosk").get("/api/v1/public/estimates").get_json()
    return {i["service_id"]: i for i in body["items"]}


def test_periods_are_set_by_an_admin_listed_to_staff_and_refused_when_malformed(
    hall: Hall,
) -> None:
    lunch, sat = _setup(hall)
    assert lunch["days"] == ["mon", "tue", "wed", "thu", "fri"] and lunch["start"] == "12:00"
    assert sat["window_ids"] == sorted([hall.ids["w1"], hall.ids["w2"]])
    assert sat["service_ids"] == [hall.ids["B"], hall.ids["A"]]  # the order given
    listed = hall.client("clerk1").get("/api/v1/service-periods").get_json()["items"]
    assert [p["name"] for p in listed] == ["周六错时服务", "午间延时服务"]  # by start time
    # a clerk reads but does not set; bad input is a 4xx naming the field, never a 500
    body = {**lunch, "start": "13:30", "end": "12:00"}
    body.pop("id")
    assert hall.client("clerk1").post("/api/v1/service-periods", json=body).status_code == 403
    r = hall.client("admin").post("/api/v1/service-periods", json=body)
    assert r.status_code == 422 and r.get_json()["error"]["code"]
    r = hall.client("admin").post(
        "/api/v1/service-periods", json={**body, "start": "12:00", "end": "13:30", "days": ["xyz"]}
    )
    assert r.status_code == 422
    r = hall.client("admin").post(
        "/api/v1/service-periods",
        json={**body, "start": "12:00", "end": "13:30", "service_ids": [999999]},
    )
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "service_ids"
    r = hall.client("admin").put(
        f"/api/v1/service-periods/{lunch['id']}", json={**body, "start": "12:00", "end": "14:00"}
    )
    assert r.status_code == 200 and r.get_json()["end"] == "14:00"
    assert hall.client("admin").delete(f"/api/v1/service-periods/{sat['id']}").status_code == 200
    assert hall.client("admin").delete(f"/api/v1/service-periods/{sat['id']}").status_code == 404
    left = hall.client("admin").get("/api/v1/service-periods").get_json()["items"]
    assert [p["id"] for p in left] == [lunch["id"]]


def test_lunchtime_issues_only_the_items_of_the_period_and_names_the_next_opening(
    hall: Hall,
) -> None:
    _setup(hall)
    hall.clock.advance(hours=3, minutes=30)  # Monday 12:30: the hall's lunch break
    assert _take(hall, "A").status_code == 201  # open only thanks to the lunchtime period
    r = _take(hall, "B")
    err = r.get_json()["error"]
    assert r.status_code == 409 and err["code"] == "outside_hours"
    assert err["next_open"]["time"] == "13:30" and err["next_open"]["days_ahead"] == 0
    assert "13:30" in err["message"] and err["period"]["start"] == "12:00"
    est = _estimates(hall)
    assert est[hall.ids["A"]]["open_now"] is True and est[hall.ids["A"]]["next_open"] is None
    assert est[hall.ids["B"]]["open_now"] is False
    assert est[hall.ids["B"]]["next_open"]["time"] == "13:30"
    status = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert status["open"] is False and status["taking_tickets"] is True
    assert status["extended_now"] is True
    [now] = status["extended_today"]
    assert now["now"] is True and now["kind"] == "extended" and now["name"] == "午间延时服务"
    assert now["start"] == "12:00" and now["end"] == "13:30" and now["windows"] == [1]
    assert [i["id"] for i in now["items"]] == [hall.ids["A"]]
    hall.clock.advance(hours=1)  # 13:30: the ordinary hours again, every item
    assert _take(hall, "B").status_code == 201
    status = hall.client("display").get("/api/v1/hall-status").get_json()
    assert status["extended_now"] is False and status["extended_today"] == []  # over for today


def test_a_saturday_morning_issues_its_items_and_the_rest_are_told_monday(hall: Hall) -> None:
    _setup(hall)
    status = hall.client("kiosk").get("/api/v1/hall-status").get_json()  # Monday 09:00
    assert [p["name"] for p in status["extended_today"]] == ["午间延时服务"]
    assert status["extended_today"][0]["now"] is False
    hall.clock.advance(days=5, hours=1)  # Saturday 10:00
    assert _take(hall, "B").status_code == 201 and _take(hall, "A").status_code == 201
    r = _take(hall, "C")
    err = r.get_json()["error"]
    assert r.status_code == 409 and err["code"] == "outside_hours"
    assert err["next_open"]["date"] == "2026-12-07" and err["next_open"]["time"] == "09:00"
    status = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    [sat] = status["extended_today"]
    assert sat["kind"] == "staggered" and sat["windows"] == [1, 2] and sat["now"] is True
    hall.clock.advance(hours=2)  # Saturday 12:00: over; the hall says when it takes tickets next
    status = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert status["taking_tickets"] is False and status["next_open"]["date"] == "2026-12-07"
    r = _take(hall, "A")
    assert r.status_code == 409 and r.get_json()["error"]["next_open"]["time"] == "09:00"


def test_a_period_does_not_run_on_a_holiday_of_the_hall_calendar(hall: Hall) -> None:
    _setup(hall)
    r = hall.client("admin").put(
        "/api/v1/calendar/2026", json={"holidays": ["2026-12-05"], "workdays": []}
    )
    assert r.status_code == 200, r.get_json()
    hall.clock.advance(days=5, hours=1)  # Saturday 5 December 10:00, made a holiday
    r = _take(hall, "B")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "outside_hours"
    status = hall.client("kiosk").get("/api/v1/hall-status").get_json()
    assert status["extended_today"] == [] and status["taking_tickets"] is False
    hall.clock.advance(days=2, hours=2)  # Monday 12:00: lunchtime runs again
    assert _take(hall, "A").status_code == 201


def test_a_closed_hall_with_a_period_later_today_names_the_period_as_next_opening(
    hall: Hall,
) -> None:
    _setup(hall)
    hall.clock.advance(days=4, hours=9)  # Friday 18:00
    assert hall.client("kiosk").get("/api/v1/hall-status").get_json()["next_open"]["date"] == (
        "2026-12-05"  # Saturday morning's 错时服务, before Monday
    )


# ---- the pure rules ---------------------------------------------------------------------------


def test_period_rules_by_weekday_time_holiday_and_item() -> None:
    lunch = Period(1, "extended", "午间", "", ("mon", "fri"), "12:00", "13:30", (1,), (7,))
    mon = datetime(2026, 11, 30, 12, 0, tzinfo=SH)
    assert period_open([lunch], mon, service_id=7) is lunch
    assert period_open([lunch], mon, service_id=8) is None
    assert period_open([lunch], mon - timedelta(minutes=1)) is None
    assert period_open([lunch], mon + timedelta(minutes=90)) is None  # the end is not in it
    assert period_open([lunch], mon, {date(2026, 11, 30)}) is None
    tue = mon + timedelta(days=1)
    assert next_period_start([lunch], tue, service_id=7) == datetime(2026, 12, 4, 12, 0, tzinfo=SH)
    assert next_period_start([lunch], tue, service_id=8) is None
    assert validate_period(["mon"], "12:00", "12:00") and validate_period([], "09:00", "10:00")
    assert validate_period(["sat"], "09:00", "12:00") is None
