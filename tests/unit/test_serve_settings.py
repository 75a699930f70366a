"""Which CPUs the serving worker keeps to (QUEUEHALL_CPU)."""

from __future__ import annotations

import pytest

from server.serve import SettingError, choose_cpus


def test_auto_keeps_a_single_server_process_to_its_highest_cpu() -> None:
    assert choose_cpus("auto", {0, 1}, shared=False) == {1}
    assert choose_cpus("AUTO ", {0, 2, 5}, shared=False) == {5}


def test_auto_leaves_alone_a_process_that_shares_the_hall_or_has_one_cpu() -> None:
    # several processes behind Redis would all pick the same CPU: the operator names one per process
    assert choose_cpus("auto", {0, 1, 2, 3}, shared=True) is None
    assert choose_cpus("auto", {3}, shared=False) is None


def test_all_and_named_cpus() -> None:
    assert choose_cpus("all", {0, 1}, shared=False) is None
    assert choose_cpus("2,3", {0, 1, 2, 3}, shared=True) == {2, 3}
    assert choose_cpus("0", {0, 1}, shared=False) == {0}


@pytest.mark.parametrize("bad", ["7", "1,9", "one", "1;2", ","])
def test_a_wrong_setting_is_refused_with_what_would_do(bad: str) -> None:
    with pytest.raises(SettingError, match="QUEUEHALL_CPU"):
        choose_cpus(bad, {0, 1}, shared=False)
