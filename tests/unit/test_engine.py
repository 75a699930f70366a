"""The queue engine's rules, with no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.engine.errors import InvalidTransition
from server.engine.hours import is_open, validate_hours
from server.engine.numbering import business_day, format_number, validate_prefix
from server.engine.ordering import Booked, Candidate, next_streak, pick_next
from server.engine.states import (
    TICKET_TRANSITIONS,
    Action,
    Priority,
    TicketState,
    WindowState,
    next_state,
    next_window_state,
)

S = TicketState
T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

ALLOWED = {
    (S.WAITING, Action.CALL): S.CALLED,
    (S.CALLED, Action.RECALL): S.CALLED,
    (S.CALLED, Action.START): S.SERVING,
    (S.SERVING, Action.FINISH): S.DONE,
    (S.CALLED, Action.NO_SHOW): S.NO_SHOW,
    (S.WAITING, Action.CANCEL): S.CANCELLED,
    (S.CALLED, Action.CANCEL): S.CANCELLED,
    (S.PARKED, Action.CANCEL): S.CANCELLED,
    (S.CALLED, Action.TRANSFER): S.WAITING,
    (S.SERVING, Action.TRANSFER): S.WAITING,
    (S.SERVING, Action.PARK): S.PARKED,
    (S.PARKED, Action.RESUME): S.WAITING,
    (S.NO_SHOW, Action.REACTIVATE): S.WAITING,
    (S.CANCELLED, Action.REACTIVATE): S.WAITING,
}


@pytest.mark.parametrize(("state", "action"), sorted(ALLOWED, key=str))
def test_every_allowed_transition_leads_where_the_design_says(state: S, action: Action) -> None:
    assert next_state(state, action) == ALLOWED[(state, action)]


REFUSED = [(s, a) for s in TicketState for a in Action if (s, a) not in ALLOWED]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_transition_is_refused(state: S, action: Action) -> None:
    with pytest.raises(InvalidTransition) as exc:
        next_state(state, action)
    assert exc.value.code == "invalid_transition"


def test_the_transition_table_covers_every_action() -> None:
    assert set(TICKET_TRANSITIONS) == set(Action)


def test_finished_tickets_cannot_be_called_again() -> None:
    for final in (S.DONE, S.NO_SHOW, S.CANCELLED):
        with pytest.raises(InvalidTransition):
            next_state(final, Action.CALL)


def test_window_opens_pauses_resumes_and_closes() -> None:
    st = next_window_state(WindowState.CLOSED, "open")
    assert st == WindowState.OPEN
    st = next_window_state(st, "pause")
    assert st == WindowState.PAUSED
    with pytest.raises(InvalidTransition):
        next_window_state(st, "pause")
    assert next_window_state(st, "resume") == WindowState.OPEN
    assert next_window_state(WindowState.PAUSED, "close") == WindowState.CLOSED
    with pytest.raises(InvalidTransition):
        next_window_state(WindowState.CLOSED, "pause")


# ---- numbering ----------------------------------------------------------------------------------


def test_numbers_have_three_digits_and_grow_past_999() -> None:
    assert format_number("A", 1) == "A001"
    assert format_number("B", 12) == "B012"
    assert format_number("C", 999) == "C999"
    assert format_number("C", 1000) == "C1000"


def test_business_day_follows_the_hall_clock_and_reset_hour() -> None:
    # 2026-11-30 15:30 UTC is 23:30 in Shanghai: still the 30th at midnight reset
    late = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    assert business_day(late, "Asia/Shanghai", 0) == date(2026, 11, 30)
    # 16:30 UTC is 00:30 on Dec 1st local: a new day with a midnight reset...
    after_midnight = late + timedelta(hours=1)
    assert business_day(after_midnight, "Asia/Shanghai", 0) == date(2026, 12, 1)
    # ...but with a 03:00 reset the numbering day has not turned yet
    assert business_day(after_midnight, "Asia/Shanghai", 3) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("prefix", "ok"),
    [
        ("A", True),
        ("Z", True),
        ("E", False),
        ("I", False),
        ("O", False),
        ("a", False),
        ("AB", False),
        ("1", False),
    ],
)
def test_prefixes_avoid_letters_that_sound_or_look_like_digits(prefix: str, ok: bool) -> None:
    assert (validate_prefix(prefix) is None) is ok


# ---- hours ----------------------------------------------------------------------------------------

HOURS = {"mon": [["09:00", "12:00"], ["13:30", "17:30"]], "sat": [["09:00", "12:00"]]}


def test_business_hours_open_and_close_with_the_timetable() -> None:
    monday = datetime(2026, 11, 30, 9, 0)
    assert is_open(HOURS, monday)
    assert not is_open(HOURS, monday.replace(hour=12, minute=30))  # lunch
    assert is_open(HOURS, monday.replace(hour=17, minute=29))
    assert not is_open(HOURS, monday.replace(hour=17, minute=30))
    assert not is_open(HOURS, datetime(2026, 12, 6, 10, 0))  # Sunday: no spans
    assert not is_open(HOURS, monday, holidays=["2026-11-30"])
    assert is_open({}, monday.replace(hour=3))  # no timetable: always open


def test_malformed_hours_are_explained() -> None:
    assert validate_hours(HOURS) is None
    assert "unknown day" in (validate_hours({"xyz": []}) or "")
    assert "not before" in (validate_hours({"mon": [["12:00", "09:00"]]}) or "")
    assert validate_hours({"mon": [["9am", "5pm"]]}) is not None


# ---- call order -----------------------------------------------------------------------------------


def c(
    tid: int,
    minutes: int,
    sid: int = 1,
    prio: Priority = Priority.NORMAL,
    target: int | None = None,
) -> Candidate:
    return Candidate(tid, sid, prio, T0 + timedelta(minutes=minutes), target)


def test_oldest_ticket_is_called_first() -> None:
    assert pick_next([c(2, 5), c(1, 1), c(3, 9)], 1, {1: 5}, 0, 3).ticket_id == 1  # type: ignore[union-attr]


def test_tickets_transferred_to_this_window_come_first() -> None:
    cands = [c(1, 0, prio=Priority.GREEN), c(2, 30, target=7)]
    assert pick_next(cands, 7, {1: 5}, 0, 3).ticket_id == 2  # type: ignore[union-attr]
    # ...and another window never takes a ticket directed to window 7
    assert pick_next([c(2, 30, target=7)], 8, {1: 5}, 0, 3) is None


def test_green_then_priority_then_normal() -> None:
    cands = [c(1, 0), c(2, 5, prio=Priority.PRIORITY), c(3, 9, prio=Priority.GREEN)]
    assert pick_next(cands, 1, {1: 5}, 0, 3).ticket_id == 3  # type: ignore[union-attr]
    assert pick_next(cands[:2], 1, {1: 5}, 0, 3).ticket_id == 2  # type: ignore[union-attr]


def test_normal_tickets_are_not_starved_by_a_stream_of_priority_tickets() -> None:
    cands = [c(1, 0)] + [c(10 + i, 1 + i, prio=Priority.PRIORITY) for i in range(10)]
    streak, order = 0, []
    for _ in range(5):
        pick = pick_next(cands, 1, {1: 5}, streak, 3)
        assert pick is not None
        order.append(pick.ticket_id)
        streak = next_streak(streak, pick.priority)
        cands = [x for x in cands if x.ticket_id != pick.ticket_id]
    assert order == [10, 11, 12, 1, 13]  # after 3 privileged calls, the waiting normal ticket


def test_a_booking_within_its_slot_goes_first_until_the_ratio_with_a_walk_in_waiting() -> None:
    walk_in, booked = c(1, 0, prio=Priority.GREEN), c(9, 40)
    on = Booked((booked,), streak=0, ratio=3, walk_in_waiting=True)
    assert pick_next([walk_in], 1, {1: 5}, 0, 3, on).ticket_id == 9  # type: ignore[union-attr]
    three = Booked((booked,), streak=3, ratio=3, walk_in_waiting=True)
    assert pick_next([walk_in], 1, {1: 5}, 0, 3, three).ticket_id == 1  # type: ignore[union-attr]
    alone = Booked((booked,), streak=3, ratio=3, walk_in_waiting=False)
    assert pick_next([], 1, {1: 5}, 0, 3, alone).ticket_id == 9  # type: ignore[union-attr]
    # a ticket transferred to this very window still goes first
    assert pick_next([c(2, 50, target=1)], 1, {1: 5}, 0, 3, on).ticket_id == 2  # type: ignore[union-attr]


def test_window_weight_decides_between_items_before_issue_time() -> None:
    cands = [c(1, 0, sid=1), c(2, 10, sid=2)]
    assert pick_next(cands, 1, {1: 2, 2: 8}, 0, 3).ticket_id == 2  # type: ignore[union-attr]
    assert pick_next(cands, 1, {1: 5, 2: 5}, 0, 3).ticket_id == 1  # type: ignore[union-attr]


def test_a_window_only_takes_items_it_serves() -> None:
    assert pick_next([c(1, 0, sid=9)], 1, {1: 5}, 0, 3) is None
