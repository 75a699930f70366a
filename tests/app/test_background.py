"""The background workers start only when asked (server/background.py): never because a blueprint
is registered or a first request arrives; `start` runs the ones the app's settings switch on and
`stop` ends them (issue 16 item 6). The real server process: tests/e2e/test_background_workers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server import background
from tests.conftest import Hall, build_hall


@pytest.fixture
def busy_hall(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hall]:
    """A test hall whose settings switch the alert checker on (the spooler is on by config below)."""
    monkeypatch.setenv("QUEUEHALL_OVERSIGHT_ALERTS", "true")
    monkeypatch.setenv("QUEUEHALL_OVERSIGHT_CHECK_S", "0.05")
    h = build_hall(db_url, tmp_path)
    h.app.config["PRINTER_SPOOLER"] = True
    yield h
    background.stop(h.app)
    h.ctx.db.dispose()


def test_requests_start_nothing_and_start_and_stop_do(busy_hall: Hall) -> None:
    hall = busy_hall
    hall.client("super").get("/admin/monitor")  # the oversight pages used to start the checker
    assert hall.client("kiosk").get("/api/v1/services").status_code == 200
    spooler = hall.app.extensions["queuehall.spooler"]
    assert "queuehall.alerts" not in hall.app.extensions and spooler._thread is None
    assert background.start(hall.app, "http://hall.example") == ["alerts", "spooler"]
    checker = hall.app.extensions["queuehall.alerts"]
    assert checker.thread.is_alive() and spooler._thread.is_alive()
    assert spooler.server_url == "http://hall.example"
    assert background.start(hall.app) == ["alerts", "spooler"]  # once
    background.stop(hall.app)
    assert not checker.thread.is_alive() and spooler._thread is None


def test_under_testing_start_runs_nothing_unless_asked(hall: Hall) -> None:
    assert background.start(hall.app) == []
