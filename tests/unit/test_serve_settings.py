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


def test_the_worker_is_gevent_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from server.serve import choose_worker, gunicorn_options

    monkeypatch.delenv("QUEUEHALL_WORKER", raising=False)
    assert choose_worker(None) == "gevent"
    assert choose_worker("gthread") == "gthread"
    monkeypatch.setenv("QUEUEHALL_WORKER", "GThread")
    assert choose_worker(None) == "gthread"
    assert choose_worker("gevent") == "gevent"  # the command line wins over the environment
    gevent = gunicorn_options("127.0.0.1", 8000, "gevent")
    assert (
        gevent["worker_class"] == "server.workers.GeventWorker"
        and gevent["worker_connections"] >= 2000
    )
    assert gunicorn_options("127.0.0.1", 8000, "gthread", threads=40)["threads"] == 40


def test_an_unknown_worker_is_refused_with_the_ones_there_are() -> None:
    from server.serve import choose_worker

    with pytest.raises(SettingError, match="gevent, gthread"):
        choose_worker("eventlet")


def test_serve_changes_no_other_module_table() -> None:
    # issue 16 item 7: serving used to mark client libraries absent in sys.modules, so the first
    # webhook or SMS client would have failed in the server alone
    import inspect

    import server.serve
    import server.workers

    for module in (server.serve, server.workers):
        assert "sys.modules" not in inspect.getsource(module)
