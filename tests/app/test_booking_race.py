"""Per-phone booking limits hold under concurrency (issue 19): two bookings of one phone at the same
moment cannot both pass the limits — real threads, real SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select, text

from server.engine.errors import DomainError
from server.services.booking import appointments
from server.storage.models import Appointment, Site
from tests.conftest import Hall

API = "/api/v1"
PHONE = "13712345678"
STARTS = [
    f"2026-12-01T{h}:00+08:00" for h in ("09:00", "09:30", "10:00", "10:30", "11:00", "14:00")
]


def _rules(hall: Hall) -> None:
    for item in ("A", "B", "C"):
        r = hall.client("admin").put(
            f"{API}/booking-rules/{hall.ids[item]}",
            json={
                "periods": [["09:00", "11:30"], ["13:30", "17:00"]],
                "slot_min": 30,
                "capacity": 5,
            },
        )
        assert r.status_code == 200, r.get_json()


def _book(hall: Hall, item: str, start: str) -> str:
    """One booking as the public API makes it: "ok" or the refusal's code."""
    try:
        appointments.book(hall.ctx, _site(hall), hall.ids[item], start, "张小明", PHONE)
    except DomainError as exc:
        return exc.code
    return "ok"


def _site(hall: Hall) -> int:
    with hall.ctx.uow(write=False) as uow:
        return int(uow.session.scalar(select(Site.id)) or 0)


def _held(hall: Hall) -> int:
    with hall.ctx.uow(write=False) as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.phone == PHONE)
            )
            or 0
        )


def test_concurrent_bookings_of_one_phone_stay_within_the_limits(hall: Hall) -> None:
    """Six threads book the same phone at once, for one item and then across items: the per-item
    limit (1) and the per-day limit (2) hold, every other attempt is refused with 429's code."""
    _rules(hall)
    results: list[str] = []
    gate = threading.Barrier(6)

    def one(item: str, start: str) -> None:
        gate.wait()
        results.append(_book(hall, item, start))

    threads = [threading.Thread(target=one, args=("A", s)) for s in STARTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booking_limit"] * 5 + ["ok"]
    assert _held(hall) == 1
    results.clear()
    gate = threading.Barrier(6)
    threads = [
        threading.Thread(target=one, args=(item, s))
        for item, s in zip(["B", "C", "B", "C", "B", "C"], STARTS, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booking_limit"] * 5 + ["ok"]  # A + one more = the day's 2
    assert _held(hall) == 2


# PostgreSQL only: SQLite writers begin IMMEDIATE, so there the second cannot even start (the test
# above covers both databases); asked for directly rather than skipped on SQLite
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_second_booking_waits_for_the_first_on_postgresql(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made certain: the first booking stops right after it has checked the limits; the
    second, same phone, must not get to check them before the first has committed."""
    assert hall.ctx.db.is_postgres
    _rules(hall)
    checked, release = threading.Event(), threading.Event()
    entered: list[str] = []
    real = appointments._check_limits

    def paused(s: Any, site: Any, phone: str, service_id: int, day: Any) -> None:
        first = not entered
        entered.append(threading.current_thread().name)
        real(s, site, phone, service_id, day)
        if first:
            checked.set()
            assert release.wait(60), "the test never let the first booking go on"

    monkeypatch.setattr(appointments, "_check_limits", paused)
    out: dict[str, str] = {}

    def run(name: str, start: str) -> None:
        out[name] = _book(hall, "A", start)

    a = threading.Thread(target=run, args=("first", STARTS[0]), name="first")
    a.start()
    assert checked.wait(60)
    b = threading.Thread(target=run, args=("second", STARTS[1]), name="second")
    b.start()
    # the second is either inside the limits check (the race) or waiting on the phone's lock
    deadline = time.monotonic() + 60
    while len(entered) < 2 and not _waiting_on_advisory_lock(hall):
        assert time.monotonic() < deadline, "the second booking neither ran nor waited"
        time.sleep(0.05)
    release.set()
    a.join()
    b.join()
    assert entered == ["first", "second"]  # the second checked the limits only after the first
    assert out == {"first": "ok", "second": "booking_limit"}
    assert _held(hall) == 1


def _waiting_on_advisory_lock(hall: Hall) -> bool:
    with hall.ctx.db.writer.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar()
        )
