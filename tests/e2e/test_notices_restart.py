"""Notices survive SIGKILL (issue 19): a real `queuehall serve` with the demo hall sends booking
confirmations to a local SMS gateway simulator; the server is killed with SIGKILL in the middle of
sending and started again; every notice reaches the gateway as exactly one message, and none is
sent again once it has been settled."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from hardware.gateway_sim import GatewaySimulator
from tests.conftest import LiveServer, start_live_server

N = 12


@pytest.fixture
def gateway() -> Iterator[GatewaySimulator]:
    sim = GatewaySimulator(delay_s=0.3).start()  # a slow gateway: the kill lands mid-sending
    yield sim
    sim.stop()


@pytest.fixture
def server(tmp_path: Path, gateway: GatewaySimulator) -> Iterator[LiveServer]:
    env = {
        "QUEUEHALL_NOTICE_SMS_URL": gateway.url + "/sms",
        "QUEUEHALL_NOTICES_POLL_S": "0.2",
        "QUEUEHALL_NOTICE_TIMEOUT_S": "2",
        "QUEUEHALL_NOTICE_LEASE_S": "4",
        "QUEUEHALL_RATE_LIMIT_BOOKINGS_PER_MIN": "0",
        "QUEUEHALL_RATE_LIMIT_BOOKING_READS_PER_MIN": "0",
    }
    srv = start_live_server(tmp_path / "inst", extra_env=env)
    yield srv
    srv.stop()


def _open_slots(url: str) -> tuple[int, list[str]]:
    """A demo item and enough open slot starts for N bookings on the next days the hall works."""
    items = requests.get(f"{url}/api/v1/public/bookable-services", timeout=10).json()
    sid, today = items["items"][0]["id"], date.fromisoformat(items["today"])
    starts: list[str] = []
    for i in range(items["days_ahead"] + 1):
        day = (today + timedelta(days=i)).isoformat()
        for s in requests.get(
            f"{url}/api/v1/public/services/{sid}/slots?date={day}", timeout=10
        ).json()["items"]:
            starts += [s["start"]] * s["left"]
        if len(starts) >= N:
            return sid, starts[:N]
    raise AssertionError("the demo hall has too few open slots in its booking horizon")


def _wait(pred: Any, timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_every_notice_reaches_the_gateway_once_across_a_sigkill(
    server: LiveServer, gateway: GatewaySimulator
) -> None:
    sid, starts = _open_slots(server.url)
    phones = [f"1380000{i:04d}" for i in range(N)]
    for start, phone in zip(starts, phones, strict=True):
        r = requests.post(
            f"{server.url}/api/v1/public/appointments",
            timeout=10,
            json={
                "service_id": sid,
                "start": start,
                "name": "测试",
                "phone": phone,
                "notify": True,
            },
        )
        assert r.status_code == 201, r.text
    _wait(lambda: len(gateway.received) >= 3, 30, "the first notices")
    for pid in [*_children(server.proc.pid), server.proc.pid]:  # SIGKILL the worker and its master
        os.kill(pid, signal.SIGKILL)
    server.proc.wait(10)
    before = len(gateway.received)
    assert before < N, "everything was sent before the kill; the test proved nothing"
    server.restart()
    _wait(lambda: len(gateway.messages) >= N, 60, "every notice after the restart")
    time.sleep(3)  # nothing settled is sent again
    keys = Counter(e["headers"]["Idempotency-Key"] for e in gateway.received)
    assert set(keys) == set(gateway.messages)
    booked = {k: m["body"]["phone"] for k, m in gateway.messages.items() if k.startswith("booked:")}
    assert len(booked) == N and set(booked.values()) == set(phones)  # every confirmation, one each
    # (bookings for tomorrow also get their day-before reminder, each its own key)
    assert all(k.startswith(("booked:", "reminder:")) for k in keys)
    # a notice is sent again only if the kill caught it in flight, and then with the same key
    resent = sorted(k for k, n in keys.items() if n > 1)
    assert len(resent) <= 1 and all(keys[k] == 2 for k in resent), keys
    print(
        f"requests before the kill: {before}; requests in all: {len(gateway.received)}; "
        f"messages: {len(gateway.messages)}; resent (same key) after the kill: {resent}"
    )


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []
