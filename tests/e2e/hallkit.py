"""Helpers for the multi-process, crash and fault tests: HTTP clients, screens, clerks."""

from __future__ import annotations

import threading
import time
from typing import Any

import engineio
import requests
import socketio

from tests.conftest import LiveServer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(url: str, username: str, password: str) -> str:
    r = requests.post(
        f"{url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=10
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


class _InOrderEngineIO(engineio.Client):
    """python-engineio's client hands each message to a thread of its own (`run_async=True`), so on a
    busy machine two messages can be recorded in the reverse of the order they arrived in: a screen
    then seems to hear `seq` 74 before 73 when the server sent them in order. This one handles each
    message in the thread that read it, in arrival order (the handlers here only record)."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """A python-socketio client that hears messages in the order they arrived."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineIO


class Screen:
    """A python-socketio client that records every event, in arrival order, and its connection
    state."""

    def __init__(self, url: str, token: str, transports: list[str] | None = None) -> None:
        self.events: list[tuple[str, Any, float]] = []
        self.states: list[tuple[bool, float]] = []
        self.got = threading.Condition()
        self.sio = InOrderClient(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=1,
            randomization_factor=0,
        )
        self.sio.on("*", self._any)
        self.sio.on("connect", lambda: self._state(True))
        self.sio.on("disconnect", lambda *a: self._state(False))
        self.sio.connect(
            url, auth={"token": token}, transports=transports or ["websocket"], wait_timeout=10
        )

    def _state(self, online: bool) -> None:
        with self.got:
            self.states.append((online, time.perf_counter()))
            self.got.notify_all()

    def _any(self, name: str, data: Any = None) -> None:
        with self.got:
            self.events.append((name, data, time.perf_counter()))
            self.got.notify_all()

    def named(self, name: str) -> list[Any]:
        with self.got:
            return [d for n, d, _ in self.events if n == name]

    def wait(self, pred: Any, timeout: float = 10.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        with self.got:
            while True:
                got = pred()
                if got:
                    return got
                left = deadline - time.monotonic()
                assert left > 0, (
                    f"no {what} within {timeout}s; heard {[e[0] for e in self.events][-20:]}"
                )
                self.got.wait(min(left, 0.2))

    def close(self) -> None:
        self.sio.disconnect()


def services_and_windows(srv: LiveServer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    kiosk = bearer(srv.token_of("kiosk"))
    services = requests.get(f"{srv.url}/api/v1/services", timeout=10).json()["items"]
    windows = requests.get(f"{srv.url}/api/v1/windows", headers=kiosk, timeout=10).json()["items"]
    return services, windows


def clerks_sharing_a_service(
    srv: LiveServer, n: int = 2
) -> tuple[int, list[tuple[str, str, dict[str, Any]]]]:
    """n clerks (username, token, window) with their windows open, all serving one item: (item id, clerks)."""
    _, windows = services_and_windows(srv)
    by_id = {w["id"]: w for w in windows}
    clerks: list[tuple[str, str, dict[str, Any]]] = []
    for username in [u for u in srv.passwords if u not in ("admin",)][:12]:
        token = login(srv.url, username, srv.passwords[username])
        me = requests.get(f"{srv.url}/api/v1/auth/me", headers=bearer(token), timeout=10).json()
        if me["role"] != "clerk":
            continue
        for wid in me["window_ids"]:
            r = requests.post(
                f"{srv.url}/api/v1/windows/{wid}/open", json={}, headers=bearer(token), timeout=10
            )
            if r.ok and wid not in {c[2]["id"] for c in clerks}:
                clerks.append((username, token, by_id[wid]))
                break
    for sid in sorted({s for _, _, w in clerks for s in w["service_ids"]}):
        group = [c for c in clerks if sid in c[2]["service_ids"]]
        if len(group) >= n:
            return sid, group[:n]
    raise AssertionError("the demo hall has no item served by two clerks' windows")


def issue(url: str, token: str, service_id: int, timeout: float = 10) -> requests.Response:
    return requests.post(
        f"{url}/api/v1/tickets",
        json={"service_id": service_id},
        headers=bearer(token),
        timeout=timeout,
    )
