"""Two kiosks issuing the same item at once on PostgreSQL: the second ticket is told the first is
ahead of it, and the paper says so.

PostgreSQL runs the two issues side by side. The ticket's number is taken by bumping its letter's
counter row, which stays locked until the issue commits, so the second kiosk waits there for the
first. Its place in the queue must be read after that wait, once the first ticket is there to see:
read before (5e2f6d5, to shorten the lock), both tickets were told 0 ahead (found in review).

The test holds the first issue just after it took its number, starts the second, waits until
PostgreSQL shows the second waiting for that lock, and only then lets the first commit: the order
is forced, whatever the machine's load.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from server.services.queue import tickets
from server.storage.models import Counter
from tests.conftest import Hall


def test_the_second_of_two_tickets_issued_at_once_has_the_first_ahead(
    pg_hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = pg_hall
    numbered, release = threading.Event(), threading.Event()
    first_bump = threading.Lock()
    real_bump = tickets._bump

    def bump(uow: Any, model: Any, **keys: Any) -> int:
        value = real_bump(uow, model, **keys)
        if model is Counter and first_bump.acquire(blocking=False):
            numbered.set()  # the first issue holds its number's lock from here to its commit
            assert release.wait(60), "the second issue never reached the lock"
        return value

    monkeypatch.setattr(tickets, "_bump", bump)
    answers: dict[str, Any] = {}

    def issue(name: str) -> None:
        r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
        answers[name] = (r.status_code, r.get_json())

    first = threading.Thread(target=issue, args=("first",))
    first.start()
    assert numbered.wait(60)
    second = threading.Thread(target=issue, args=("second",))
    second.start()
    try:
        # until PostgreSQL shows the second issue waiting for the counter row's lock
        with hall.ctx.db.writer.connect() as conn:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
                if waiting:
                    break
                # PostgreSQL keeps one snapshot of pg_stat_activity per transaction: a new one
                conn.rollback()
                time.sleep(0.05)
            assert waiting, "the second issue never waited for the first's number"
    finally:
        release.set()
        first.join(60)
        second.join(60)

    (s1, t1), (s2, t2) = answers["first"], answers["second"]
    assert s1 == 201 and s2 == 201, (t1, t2)
    assert (t1["number"], t2["number"]) == ("A001", "A002")
    assert t1["waiting_ahead"] == 0
    assert t2["waiting_ahead"] == 1  # the first ticket, issued a moment before, waits ahead of it
    # read again once both are committed: the same
    r = hall.client("kiosk").get(f"/api/v1/tickets/{t2['id']}")
    assert r.status_code == 200 and r.get_json()["waiting_ahead"] == 1
