"""Issue 15.10: a revocation on one process ends the token on every process sharing Redis, at once.

Two app instances on one database and one real Redis stand for two server processes. Each keeps
principals for an hour here (AUTH_CACHE_S), so only the published revocation can end them: before
the fix the second process kept honouring the revoked token until its cached copy expired.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Hall

REDIS = "redis://127.0.0.1:6379/0"


def until(check: Callable[[], bool], wait_s: float = 10.0) -> bool:
    """Poll `check` until it holds; False if it never does within `wait_s` (a stuck cache, not a slow one)."""
    deadline = time.monotonic() + wait_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def pair(hall: Hall, db_url: str, tmp_path: Path) -> Iterator[tuple[Hall, Any]]:
    from server.app import create_app

    shared = {
        "REDIS_URL": REDIS,
        "SOCKETIO_CHANNEL": "qh-test-" + secrets.token_hex(6),
        "AUTH_CACHE_S": 3600,
    }
    hall.app.config.update(shared)
    hall.ctx.revocations = None  # as if the process had started with these settings
    other = create_app(
        {
            "DATABASE_URL": db_url,
            "CLOCK": hall.clock,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": hall.app.config["SECRET_KEY"],
            "TESTING": True,
            "PRINTER_SPOOLER": False,
            "PASSWORD_HASH": "cheapest",
        }
    )
    other.config.update(shared)
    yield hall, other
    for app in (hall.app, other):
        rev = app.extensions["queuehall"].revocations
        if rev is not None:
            rev.stop()
    other.extensions["queuehall"].db.dispose()


def _as(app: Any, token: str) -> Any:
    c = app.test_client(use_cookies=False)
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def test_a_deactivated_kiosk_stops_issuing_on_the_other_process_at_once(
    pair: tuple[Hall, Any],
) -> None:
    hall, other = pair
    kiosk = _as(other, hall.tokens["kiosk"])
    assert (
        kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 201
    )  # cached on B
    r = hall.client("admin").patch(f"/api/v1/devices/{hall.ids['kiosk']}", json={"active": False})
    assert r.status_code == 200
    assert until(
        lambda: kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 401
    )


def test_a_rotated_device_token_stops_working_on_the_other_process(pair: tuple[Hall, Any]) -> None:
    hall, other = pair
    screen = _as(other, hall.tokens["display"])
    assert screen.get("/api/v1/snapshot").status_code == 200
    r = hall.client("admin").patch(
        f"/api/v1/devices/{hall.ids['display']}", json={"rotate_token": True}
    )
    new = r.get_json()["token"]
    assert until(lambda: screen.get("/api/v1/snapshot").status_code == 401)
    assert _as(other, new).get("/api/v1/snapshot").status_code == 200


def test_a_demoted_supervisor_stops_reading_staff_on_the_other_process(
    pair: tuple[Hall, Any],
) -> None:
    hall, other = pair
    sup = _as(other, hall.tokens["super"])
    assert sup.get("/api/v1/staff").status_code == 200
    assert (
        hall.client("admin")
        .patch(f"/api/v1/staff/{hall.ids['super']}", json={"role": "clerk"})
        .status_code
        == 200
    )
    assert until(lambda: sup.get("/api/v1/staff").status_code in (401, 403))


def test_a_deactivated_clerk_and_a_logout_end_on_the_other_process(pair: tuple[Hall, Any]) -> None:
    hall, other = pair
    clerk2, clerk1 = _as(other, hall.tokens["clerk2"]), _as(other, hall.tokens["clerk1"])
    assert (
        clerk2.get("/api/v1/auth/me").status_code == 200
        and clerk1.get("/api/v1/auth/me").status_code == 200
    )
    assert (
        hall.client("admin")
        .patch(f"/api/v1/staff/{hall.ids['clerk2']}", json={"active": False})
        .status_code
        == 200
    )
    assert until(lambda: clerk2.get("/api/v1/auth/me").status_code == 401)
    assert _as(hall.app, hall.tokens["clerk1"]).post("/api/v1/auth/logout").status_code == 200
    assert until(lambda: clerk1.get("/api/v1/auth/me").status_code == 401)
