"""The estimated wait: people ahead, recent service times, windows open for the item."""

from __future__ import annotations

from server.engine.estimate import (
    CALL_OVERHEAD_S,
    OpenWindow,
    estimate_wait,
    mean_service_s,
    window_share,
)

A, B = 1, 2


def test_few_samples_lean_on_the_configured_expectation() -> None:
    assert mean_service_s([], 10) == 600
    assert 300 < mean_service_s([300], 10) < 600
    many = mean_service_s([300] * 30, 10)
    assert 300 < many < 340


def test_one_odd_case_does_not_swing_the_mean() -> None:
    steady = mean_service_s([300] * 9 + [310], 5)
    odd = mean_service_s([300] * 9 + [5000], 5)
    assert abs(odd - steady) < 15


def test_more_people_ahead_means_a_longer_wait() -> None:
    w = [OpenWindow({A: 10})]
    waits = [estimate_wait(n, A, [600] * 10, 10, w, {A: n + 1}).minutes for n in (0, 2, 5, 10)]
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_two_windows_halve_the_wait() -> None:
    one = estimate_wait(10, A, [600] * 10, 10, [OpenWindow({A: 10})], {A: 11})
    two = estimate_wait(10, A, [600] * 10, 10, [OpenWindow({A: 10}), OpenWindow({A: 10})], {A: 11})
    assert abs(two.minutes * 2 - one.minutes) <= 2


def test_a_free_window_means_no_wait() -> None:
    est = estimate_wait(0, A, [600], 10, [OpenWindow({A: 10}, busy=False)], {A: 1})
    assert est.minutes == 0 and est.windows_open


def test_a_shared_window_gives_the_item_its_share_by_demand() -> None:
    w = OpenWindow({A: 5, B: 5})
    assert window_share(A, w, {A: 1, B: 0}) == 1.0
    assert window_share(A, w, {A: 2, B: 2}) == 0.5
    assert window_share(A, OpenWindow({B: 5}), {A: 3}) == 0.0


def test_before_any_window_opens_the_estimate_assumes_one() -> None:
    est = estimate_wait(3, A, [], 10, [], {A: 4}, serving_windows=2)
    assert not est.windows_open and est.minutes == round(
        (3.5 * (600 + CALL_OVERHEAD_S)) / 60 + 0.49
    )


def test_an_item_no_window_serves_has_no_estimate() -> None:
    est = estimate_wait(3, A, [], 10, [], {A: 4}, serving_windows=0)
    assert est.minutes == 0 and not est.windows_open and est.servers == 0
