"""Alerts as a subscriber of the hall's events (issue 16 item 4/6): a bad rating raises its alert as
soon as it commits, pushed to the supervisors' screens, without waiting for the checker's round;
the checker's next round does not raise it twice. Registered in create_app next to realtime, and,
as the checker, off under TESTING unless asked (QUEUEHALL_OVERSIGHT_ALERTS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.services.oversight import alerts
from tests.app.ratingkit import phone, visit
from tests.conftest import Hall, build_hall


@pytest.fixture
def alert_hall(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hall]:
    monkeypatch.setenv("QUEUEHALL_OVERSIGHT_ALERTS", "true")
    h = build_hall(db_url, tmp_path)
    yield h
    h.ctx.db.dispose()


def test_a_bad_rating_raises_its_alert_at_once_and_only_once(alert_hall: Hall) -> None:
    hall = alert_hall
    rt = hall.app.extensions["queuehall.realtime"]
    screen = rt.sio.test_client(hall.app, auth={"token": hall.tokens["super"]})
    screen.get_received()
    good, bad = visit(hall), visit(hall)
    assert phone(hall, good, {"level": 5}).status_code == 201
    assert [m for m in screen.get_received() if m["name"] == "alert.raised"] == []
    r = phone(hall, bad, {"level": 1, "reason": "态度差"})
    assert r.status_code == 201, r.get_json()
    raised = [m["args"][0]["alert"] for m in screen.get_received() if m["name"] == "alert.raised"]
    assert [(a["kind"], a["ticket_id"]) for a in raised] == [("bad_rating", bad["id"])]
    listed = hall.client("super").get("/api/v1/alerts").get_json()["items"]
    assert [a["id"] for a in listed if a["kind"] == "bad_rating"] == [raised[0]["id"]]
    assert [a for a in alerts.check(hall.ctx) if a["kind"] == "bad_rating"] == []


def test_under_testing_the_subscriber_is_off_unless_asked(hall: Hall) -> None:
    visit_ = visit(hall)
    assert phone(hall, visit_, {"level": 1, "reason": "态度差"}).status_code == 201
    assert hall.client("super").get("/api/v1/alerts").get_json()["items"] == []
