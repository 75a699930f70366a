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
from tests.e2e.hallkit import bearer, issue, login

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


@pytest.fixture
def slow_gateway() -> Iterator[GatewaySimulator]:
    sim = GatewaySimulator(delay_s=0.5).start()  # slower still: a morning's notices queue up
    yield sim
    sim.stop()


@pytest.fixture
def morning_server(tmp_path: Path, slow_gateway: GatewaySimulator) -> Iterator[LiveServer]:
    env = {
        "QUEUEHALL_NOTICE_SMS_URL": slow_gateway.url + "/sms",
        "QUEUEHALL_NOTICES_POLL_S": "0.2",
        "QUEUEHALL_NOTICE_TIMEOUT_S": "2",
        "QUEUEHALL_NOTICE_LEASE_S": "4",
        "QUEUEHALL_RATE_LIMIT_BOOKINGS_PER_MIN": "0",
        "QUEUEHALL_RATE_LIMIT_BOOKING_READS_PER_MIN": "0",
    }
    srv = start_live_server(tmp_path / "inst", extra_env=env)
    yield srv
    srv.stop()


def _counter(srv: LiveServer) -> tuple[str, dict[str, Any], int]:
    """A clerk with an open window that serves an on-the-spot item: (token, window, item id)."""
    services = {
        s["id"]: s for s in requests.get(f"{srv.url}/api/v1/services", timeout=10).json()["items"]
    }
    for username, password in srv.passwords.items():
        token = login(srv.url, username, password)
        me = requests.get(f"{srv.url}/api/v1/auth/me", headers=bearer(token), timeout=10).json()
        if me["role"] != "clerk":
            continue
        for wid in me["window_ids"]:
            w = requests.get(
                f"{srv.url}/api/v1/windows/{wid}", headers=bearer(token), timeout=10
            ).json()
            instant = [s for s in w["service_ids"] if services[s].get("mode") == "instant"]
            if not instant:
                continue
            r = requests.post(
                f"{srv.url}/api/v1/windows/{wid}/open", json={}, headers=bearer(token), timeout=10
            )
            if r.ok:
                return token, w, instant[0]
    raise AssertionError("the demo hall has no clerk at an on-the-spot item's window")


def test_a_mornings_notices_reach_the_gateway_once_across_a_sigkill(
    morning_server: LiveServer, slow_gateway: GatewaySimulator
) -> None:
    """Bookings, walk-ins who opted in at the kiosk, calls and finished visits: confirmations,
    near-turn, called and rating notices. The server is SIGKILLed while it sends them (and perhaps
    between a call's commit and its notices' write: the restart's catch-up stores those); every
    notice the morning called for then reaches the gateway, each as one message."""
    srv, gateway = morning_server, slow_gateway
    sid_b, starts = _open_slots(srv.url)
    for i, start in enumerate(starts[:6]):
        r = requests.post(
            f"{srv.url}/api/v1/public/appointments",
            timeout=10,
            json={
                "service_id": sid_b,
                "start": start,
                "name": "测试",
                "phone": f"1380000{i:04d}",
                "notify": True,
            },
        )
        assert r.status_code == 201, r.text
    token, window, sid = _counter(srv)
    kiosk = bearer(srv.token_of("kiosk"))
    walk_ins = []
    for i in range(8):
        t = issue(srv.url, srv.token_of("kiosk"), sid).json()
        r = requests.post(
            f"{srv.url}/api/v1/tickets/{t['id']}/notify",
            json={"phone": f"1390000{i:04d}"},
            headers=kiosk,
            timeout=10,
        )
        assert r.status_code == 200, r.text
        walk_ins.append(t)
    clerk = bearer(token)
    called, finished = [], []
    for _ in range(4):
        t = requests.post(
            f"{srv.url}/api/v1/windows/{window['id']}/call-next", json={}, headers=clerk, timeout=10
        ).json()
        called.append(t["id"])
        for step, body in (("start", {}), ("finish", {"outcome": "done"})):
            r = requests.post(
                f"{srv.url}/api/v1/tickets/{t['id']}/{step}", json=body, headers=clerk, timeout=10
            )
            assert r.status_code == 200, r.text
        finished.append(t["id"])
    _wait(lambda: len(gateway.received) >= 3, 30, "the first notices")
    for pid in [*_children(srv.proc.pid), srv.proc.pid]:
        os.kill(pid, signal.SIGKILL)
    srv.proc.wait(10)
    before = len(gateway.received)
    srv.restart()
    ours = {t["id"] for t in walk_ins}
    # what the morning called for: each confirmation; near, called and rating for every visit
    # served (its place passed the hall's setting of 2 on the way to the window)
    expected = {f"called:{i}:0" for i in called} | {f"near:{i}" for i in called}
    expected |= {f"rate:{i}" for i in finished}
    _wait(
        lambda: (
            expected <= set(gateway.messages)
            and sum(k.startswith("booked:") for k in gateway.messages) >= 6
        ),
        90,
        "every notice of the morning after the restart",
    )
    time.sleep(3)  # nothing settled is sent again
    assert before < len(gateway.messages), "everything was sent before the kill; it proved nothing"
    keys = Counter(e["headers"]["Idempotency-Key"] for e in gateway.received)
    resent = sorted(k for k, n in keys.items() if n > 1)
    assert len(resent) <= 1 and all(keys[k] == 2 for k in resent), keys
    # every notice stored for these visits was sent, once, to the phone given at the kiosk
    sup = login(srv.url, "admin", srv.passwords["admin"])
    phones = {t["id"]: f"1390000{i:04d}" for i, t in enumerate(walk_ins)}
    for tid in ours:
        items = requests.get(
            f"{srv.url}/api/v1/notices?ticket={tid}", headers=bearer(sup), timeout=10
        ).json()["items"]
        assert all(n["state"] == "sent" for n in items), items
        for n in items:
            key = {"near": f"near:{tid}", "called": f"called:{tid}:0", "rate": f"rate:{tid}"}[
                n["kind"]
            ]
            assert gateway.messages[key]["body"]["phone"] == phones[tid]
            assert n["recipient"] == phones[tid][:3] + "****" + phones[tid][7:]
    print(
        f"morning: requests before the kill {before}; in all {len(gateway.received)}; "
        f"messages {len(gateway.messages)}; resent (same key) {resent}"
    )
