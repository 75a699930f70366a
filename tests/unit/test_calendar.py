"""The working-day calendar and a case's promised-time clock (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from server.engine.calendar import WorkCalendar, bundled_year, case_clock, due_within, parse_year


def cn2026() -> WorkCalendar:
    data = bundled_year(2026)
    assert data is not None
    return parse_year(2026, data["holidays"], data["workdays"])


def test_the_bundled_2026_calendar_names_the_state_council_notice() -> None:
    data = bundled_year(2026)
    assert data is not None
    assert "国务院办公厅关于2026年部分节假日安排的通知" in data["source"]
    assert bundled_year(2027) is None


@pytest.mark.parametrize(
    "day",
    [
        "2026-01-01",
        "2026-01-02",
        "2026-01-03",
        "2026-02-15",
        "2026-02-23",
        "2026-04-04",
        "2026-04-06",
        "2026-05-01",
        "2026-05-05",
        "2026-06-19",
        "2026-06-21",
        "2026-09-25",
        "2026-09-27",
        "2026-10-01",
        "2026-10-07",
    ],
)
def test_the_2026_holidays_are_not_working_days(day: str) -> None:
    assert not cn2026().is_workday(date.fromisoformat(day))


@pytest.mark.parametrize(
    "day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
)
def test_the_2026_adjusted_weekends_are_working_days(day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cn2026().is_workday(d)


def test_the_2026_calendar_has_248_working_days() -> None:
    cal = cn2026()
    start = date(2026, 1, 1)
    # 261 weekdays, less the 19 holidays that fall on one, plus the 6 adjusted weekend days
    assert sum(cal.is_workday(start + timedelta(days=i)) for i in range(365)) == 248


def test_the_acceptance_day_is_not_counted() -> None:
    # Monday 2026-11-30, promised in 3 working days: Tue, Wed, Thu
    assert cn2026().add_workdays(date(2026, 11, 30), 3) == date(2026, 12, 3)
    assert cn2026().add_workdays(date(2026, 11, 30), 0) == date(2026, 11, 30)


def test_a_promise_crosses_the_spring_festival_through_its_working_saturday() -> None:
    # accepted Friday 2-13: Saturday 2-14 is a working day (1), 2-15…2-23 holidays, Tue 2-24 (2), Wed 2-25 (3)
    assert cn2026().add_workdays(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_a_promise_crosses_national_day_to_the_working_saturday() -> None:
    cal = cn2026()
    assert cal.add_workdays(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert cal.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_without_a_calendar_weekends_alone_count() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(date(2027, 1, 2))  # Saturday
    assert cal.is_workday(date(2027, 1, 1))  # a Friday: 2027 has no calendar yet, so it counts
    assert cal.add_workdays(date(2027, 1, 1), 1) == date(2027, 1, 4)


def test_a_bad_year_entry_is_refused_with_the_date_named() -> None:
    with pytest.raises(ValueError, match="2027-13-01"):
        parse_year(2027, ["2027-13-01"], [])
    with pytest.raises(ValueError, match="not in 2027"):
        parse_year(2027, ["2026-10-01"], [])
    with pytest.raises(ValueError, match="both"):
        parse_year(2027, ["2027-02-06"], ["2027-02-06"])


def test_days_waiting_for_materials_move_the_due_date() -> None:
    cal = cn2026()
    mon = date(2026, 11, 30)
    moves = [(date(2026, 12, 1), "awaiting_materials"), (date(2026, 12, 3), "in_review")]
    clock = case_clock(cal, mon, 3, moves, today=date(2026, 12, 4))
    # Wed 12-02 and Thu 12-03 were spent waiting: due Thu 12-03 + 2 working days = Mon 12-07
    assert clock.paused_days == 2
    assert clock.due_date == date(2026, 12, 7)
    assert not clock.overdue


def test_a_case_waiting_for_materials_never_goes_overdue_while_it_waits() -> None:
    cal = cn2026()
    mon = date(2026, 11, 30)
    moves = [(date(2026, 12, 1), "awaiting_materials")]
    for later in range(1, 30):
        today = mon + timedelta(days=later)
        assert not case_clock(cal, mon, 3, moves, today).overdue
    # the hall may switch the pause off: then the wait counts and the case goes overdue
    assert case_clock(cal, mon, 3, moves, date(2026, 12, 4), pause_awaiting=False).overdue


def test_overdue_and_on_time_follow_the_decision_day() -> None:
    cal = cn2026()
    mon = date(2026, 11, 30)
    late = case_clock(cal, mon, 3, [(date(2026, 12, 1), "in_review")], today=date(2026, 12, 4))
    assert late.overdue and late.on_time is None
    done_late = case_clock(
        cal,
        mon,
        3,
        [(date(2026, 12, 1), "in_review"), (date(2026, 12, 4), "ready")],
        today=date(2026, 12, 8),
    )
    assert not done_late.overdue and done_late.on_time is False
    refused_in_time = case_clock(
        cal, mon, 3, [(date(2026, 12, 3), "rejected")], today=date(2026, 12, 8)
    )
    assert not refused_in_time.overdue and refused_in_time.on_time is True


def test_due_within_one_working_day_looks_across_a_weekend() -> None:
    cal = cn2026()
    fri = date(2026, 12, 4)
    assert due_within(cal, fri, date(2026, 12, 7))  # Monday is the next working day
    assert not due_within(cal, fri, date(2026, 12, 8))
    assert not due_within(
        cal, fri, date(2026, 12, 3)
    )  # already past: that is overdue, not due soon
