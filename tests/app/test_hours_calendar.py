"""The hall's opening follows its calendar (issue 19 item 6 follow-up): a public holiday of the
State Council's calendar closes the hall (kiosk, hall screen, estimates, issuing), an adjusted
working weekend day (调休上班日) opens it with the ordinary weekday hours, and the next opening
named to a refused visitor skips the holidays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.engine.calendar import DATA_DIR
from server.engine.hours import Days, Period, is_open, next_opening, workday_key
from tests.conftest import Hall

SH = ZoneInfo("Asia/Shanghai")
WEEK = {d: [["09:00", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def _at(hall: Hall, y: int, m: int, d: int, hh: int, mm: int = 0) -> None:
    hall.clock.current = datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


def _setup(hall: Hall) -> None:
    """Weekday hours enforced, and the State Council's 2026 calendar as shipped."""
    admin = hall.client("admin")
    r = admin.patch("/api/v1/settings", json={"hours": WEEK, "enforce_hours": True})
    assert r.status_code == 200, r.get_json()
    bundled = json.loads((DATA_DIR / "calendar_cn_2026.json").read_text(encoding="utf-8"))
    r = admin.put(
        "/api/v1/calendar/2026",
        json={"holidays": bundled["holidays"], "workdays": bundled["workdays"]},
    )
    assert r.status_code == 200, r.get_json()


def _take(hall: Hall, item: str) -> Any:
    return hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids[item]})


def _status(hall: Hall, who: str = "kiosk") -> dict[str, Any]:
    body: dict[str, Any] = hall.client(who).get("/api/v1/hall-status").get_json()
    return body


def _estimates(hall: Hall) -> dict[int, dict[str, Any]]:
    body = hall.client("kiosk").get("/api/v1/public/estimates").get_json()
    return {i["service_id"]: i for i in body["items"]}


def test_national_day_closes_the_hall_everywhere_and_names_the_first_day_after(
    hall: Hall,
) -> None:
    _setup(hall)
    _at(hall, 2026, 9, 30, 18)  # Wednesday evening before the National Day holiday
    st = _status(hall)
    assert st["taking_tickets"] is False and st["holiday"] is False
    assert st["next_open"]["date"] == "2026-10-08" and st["next_open"]["time"] == "09:00"
    _at(hall, 2026, 10, 1, 10)  # Thursday 1 October 10:00: a weekday inside the hall's hours
    r = _take(hall, "A")
    err = r.get_json()["error"]
    assert r.status_code == 409 and err["code"] == "outside_hours"
    assert err["next_open"]["date"] == "2026-10-08" and err["next_open"]["days_ahead"] == 7
    assert "2026-10-08 09:00" in err["message"]
    for who in ("kiosk", "display"):
        st = _status(hall, who)
        assert st["holiday"] is True and st["open"] is False and st["taking_tickets"] is False
        assert st["hours_today"] == [] and st["closes_at"] is None and st["workday"] is False
        assert st["next_open"]["date"] == "2026-10-08"
    est = _estimates(hall)
    assert all(i["open_now"] is False for i in est.values())
    assert {i["next_open"]["date"] for i in est.values()} == {"2026-10-08"}
    _at(hall, 2026, 10, 8, 9)  # the first working day after: tickets again
    assert _take(hall, "A").status_code == 201
    assert _status(hall)["holiday"] is False


def test_an_adjusted_working_saturday_opens_with_the_weekday_hours(hall: Hall) -> None:
    _setup(hall)
    _at(hall, 2026, 10, 9, 18)  # Friday evening; Saturday 10 October is a working day (调休)
    st = _status(hall)
    assert st["taking_tickets"] is False and st["next_open"]["date"] == "2026-10-10"
    assert st["next_open"]["time"] == "09:00" and st["next_open"]["weekday"] == 6
    r = _take(hall, "B")
    assert r.status_code == 409 and r.get_json()["error"]["next_open"]["date"] == "2026-10-10"
    _at(hall, 2026, 10, 10, 10)
    st = _status(hall)
    assert st["open"] is True and st["taking_tickets"] is True and st["workday"] is True
    assert st["holiday"] is False and st["hours_today"] == WEEK["mon"]
    assert st["closes_at"] == "12:00"
    assert all(i["open_now"] is True for i in _estimates(hall).values())
    assert _take(hall, "B").status_code == 201
    _at(hall, 2026, 10, 10, 12, 30)  # the weekday lunch break applies too
    assert _take(hall, "B").status_code == 409
    assert _status(hall)["next_open"]["time"] == "13:30"
    _at(hall, 2026, 10, 11, 10)  # an ordinary Sunday stays closed
    r = _take(hall, "B")
    assert r.status_code == 409 and r.get_json()["error"]["next_open"]["date"] == "2026-10-12"


def test_on_an_adjusted_working_saturday_the_weekday_periods_run_and_on_a_holiday_none(
    hall: Hall,
) -> None:
    _setup(hall)
    lunch = {
        "kind": "extended",
        "name": "午间延时服务",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "12:00",
        "end": "13:30",
        "window_ids": [hall.ids["w1"]],
        "service_ids": [hall.ids["A"]],
    }
    sat = {**lunch, "kind": "staggered", "days": ["sat"], "start": "14:00", "end": "16:00"}
    sat["name"], sat["service_ids"] = "周六错时服务", [hall.ids["C"]]
    for body in (lunch, sat):
        assert hall.client("admin").post("/api/v1/service-periods", json=body).status_code == 201
    _at(hall, 2026, 10, 10, 12, 30)  # adjusted working Saturday, lunchtime
    assert _take(hall, "A").status_code == 201  # the weekday lunchtime service runs
    assert _take(hall, "B").status_code == 409
    st = _status(hall)
    assert [p["name"] for p in st["extended_today"]] == ["午间延时服务"]  # not the Saturday one
    _at(hall, 2026, 10, 2, 12, 30)  # a holiday Friday: no period, no ordinary hours
    assert _take(hall, "A").status_code == 409
    assert _status(hall)["extended_today"] == []


def test_the_halls_own_closing_day_still_closes_an_adjusted_working_day(hall: Hall) -> None:
    _setup(hall)
    r = hall.client("admin").patch("/api/v1/settings", json={"holidays": ["2026-10-10"]})
    assert r.status_code == 200, r.get_json()
    _at(hall, 2026, 10, 10, 10)
    assert _take(hall, "A").status_code == 409
    st = _status(hall)
    assert st["holiday"] is True and st["next_open"]["date"] == "2026-10-12"


# ---- the pure rules ---------------------------------------------------------------------------


def test_workday_key_takes_the_timetable_most_weekdays_share() -> None:
    assert workday_key(WEEK) == "mon"
    short_friday = {**WEEK, "fri": [["09:00", "12:00"]]}
    assert workday_key(short_friday) == "mon"
    odd_monday = {**WEEK, "mon": [["13:30", "17:00"]]}
    assert workday_key(odd_monday) == "tue"
    assert workday_key(None) == "mon"


def test_days_close_holidays_and_open_adjusted_weekend_days() -> None:
    days = Days(frozenset({date(2026, 10, 1)}), frozenset({date(2026, 10, 10)}))
    hours = {**WEEK, "fri": [["09:00", "12:00"]]}
    assert days.key(hours, date(2026, 10, 1)) is None
    assert days.key(hours, date(2026, 10, 10)) == "mon"
    assert days.key(hours, date(2026, 10, 9)) == "fri"
    assert is_open(hours, datetime(2026, 10, 10, 15, tzinfo=SH), days)
    assert not is_open(hours, datetime(2026, 10, 1, 10, tzinfo=SH), days)
    assert next_opening(hours, datetime(2026, 9, 30, 18, tzinfo=SH), days) == datetime(
        2026, 10, 2, 9, tzinfo=SH
    )
    # Site.holidays strings still work as before
    assert not is_open(hours, datetime(2026, 10, 9, 10, tzinfo=SH), ["2026-10-09"])
    sat = Period(1, "staggered", "", "", ("sat",), "09:00", "12:00")
    wk = Period(2, "extended", "", "", ("mon",), "12:00", "13:00")
    assert not sat.on(date(2026, 10, 10), days) and wk.on(date(2026, 10, 10), days)
    assert not wk.on(date(2026, 10, 1), days) and sat.on(date(2026, 10, 17), days)
