"""A real `queuehall serve` process, real HTTP and a real python-socketio client."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
import socketio

from tests.conftest import LiveServer


def login(srv: LiveServer, username: str) -> str:
    r = requests.post(
        f"{srv.url}/api/v1/auth/login",
        json={"username": username, "password": srv.passwords[username]},
        timeout=10,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


class Screen:
    """A python-socketio client that records what it hears."""

    def __init__(self, srv: LiveServer, token: str) -> None:
        self.events: list[tuple[str, Any, float]] = []
        self.got = threading.Condition()
        self.sio = socketio.Client(
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1
        )
        self.sio.on("*", self._any)
        self.sio.connect(srv.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _any(self, name: str, data: Any = None) -> None:
        with self.got:
            self.events.append((name, data, time.perf_counter()))
            self.got.notify_all()

    def wait_for(
        self, name: str, pred: Any = lambda d: True, timeout: float = 10.0
    ) -> tuple[Any, float]:
        deadline = time.monotonic() + timeout
        with self.got:
            while True:
                for n, d, t in self.events:
                    if n == name and pred(d):
                        return d, t
                left = deadline - time.monotonic()
                assert left > 0, f"no {name} within {timeout}s; heard {[e[0] for e in self.events]}"
                self.got.wait(left)


def test_a_call_over_http_reaches_a_socketio_screen_at_once(live_server: LiveServer) -> None:
    srv = live_server
    screen = Screen(srv, srv.token_of("display"))
    try:
        snap, _ = screen.wait_for("snapshot")
        assert snap["site"]["name"] == "新林区行政便民服务中心"
        kiosk = {"Authorization": f"Bearer {srv.token_of('kiosk')}"}
        services = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()["items"]
        windows = requests.get(f"{srv.url}/api/v1/windows", headers=kiosk, timeout=10).json()[
            "items"
        ]
        w1 = next(w for w in windows if w["number"] == 1)
        item = next(s for s in services if s["id"] in w1["service_ids"])
        t = requests.post(
            f"{srv.url}/api/v1/tickets", json={"service_id": item["id"]}, headers=kiosk, timeout=10
        )
        assert t.status_code == 201
        number = t.json()["number"]
        clerk = {"Authorization": f"Bearer {login(srv, 'zhangwei')}"}
        assert requests.post(
            f"{srv.url}/api/v1/windows/{w1['id']}/open", headers=clerk, timeout=10
        ).ok
        r = requests.post(
            f"{srv.url}/api/v1/windows/{w1['id']}/call-next", headers=clerk, timeout=10
        )
        assert r.status_code == 200 and r.json()["number"] == number
        # this client only listens (it never polls): hearing the call at all is the push
        call, _ = screen.wait_for("ticket.called", lambda d: d["ticket"]["number"] == number)
        assert call["window"]["number"] == 1 and call["text"] == f"请{number}号到1号窗口办理"
    finally:
        screen.sio.disconnect()


def test_a_screen_that_reconnects_after_a_restart_gets_a_fresh_snapshot(
    live_server: LiveServer,
) -> None:
    srv = live_server
    screen = Screen(srv, srv.token_of("display"))
    try:
        first, _ = screen.wait_for("snapshot")
        srv.restart()
        # after the restart the client reconnects by itself and is sent a new snapshot
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            snaps = [d for n, d, _ in screen.events if n == "snapshot"]
            if len(snaps) >= 2:
                break
            time.sleep(0.1)
        snaps = [d for n, d, _ in screen.events if n == "snapshot"]
        assert len(snaps) >= 2, "the screen did not reconnect"
        assert snaps[-1]["seq"] >= first["seq"]  # seq survives a restart: it lives in the database
    finally:
        screen.sio.disconnect()


def test_bad_tokens_are_refused_by_the_live_server(live_server: LiveServer) -> None:
    srv = live_server
    sio = socketio.Client(reconnection=False)
    try:
        sio.connect(srv.url, auth={"token": "qhd_nope"}, transports=["websocket"], wait_timeout=5)
        connected = True
    except socketio.exceptions.ConnectionError:
        connected = False
    assert not connected
    r = requests.post(f"{srv.url}/api/v1/tickets", json={"service_id": 1}, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def _cpus(status: str) -> set[int]:
    """The CPU set of a /proc status file's Cpus_allowed_list (such as 0-1,3)."""
    line = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list:"))
    out: set[int] = set()
    for part in line.split(":", 1)[1].strip().split(","):
        lo, _, hi = part.partition("-")
        out |= set(range(int(lo), int(hi or lo) + 1))
    return out


def _worker_cpus(srv: LiveServer) -> list[set[int]]:
    """The CPU set of each thread of the server's one gunicorn worker."""
    from pathlib import Path

    children = Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split()
    assert len(children) == 1, "one gunicorn worker serves the hall"
    return [_cpus((t / "status").read_text()) for t in Path(f"/proc/{children[0]}/task").iterdir()]


def test_the_serving_worker_is_left_where_the_os_puts_it_unless_told(
    live_server: LiveServer,
) -> None:
    import os

    screen = Screen(live_server, live_server.token_of("display"))
    try:
        screen.wait_for("snapshot")
        assert all(cpus == os.sched_getaffinity(0) for cpus in _worker_cpus(live_server))
    finally:
        screen.sio.disconnect()


def test_qh_cpu_auto_keeps_every_thread_of_the_worker_on_one_cpu(tmp_path: Any) -> None:
    import os
    from pathlib import Path

    from tests.conftest import start_live_server

    srv = start_live_server(tmp_path, {"QUEUEHALL_CPU": "auto"})
    try:
        screen = Screen(srv, srv.token_of("display"))
        screen.wait_for("snapshot")
        screen.sio.disconnect()
        allowed = os.sched_getaffinity(0)
        expected = {max(allowed)} if len(allowed) > 1 else allowed
        assert all(cpus == expected for cpus in _worker_cpus(srv))
        # the master, which only watches its worker, is left where it was
        assert _cpus(Path(f"/proc/{srv.proc.pid}/status").read_text()) == allowed
    finally:
        srv.stop()


def test_serve_refuses_a_cpu_it_may_not_use_with_a_message(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, free_port

    env = {**os.environ, "QUEUEHALL_INSTANCE": str(tmp_path), "QUEUEHALL_CPU": "4096"}
    r = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "QUEUEHALL_CPU=4096" in r.stderr and "may run on CPUs" in r.stderr
