"""Issue 15: a revoked device token or staff session ends its open Socket.IO connections at once
(a real `queuehall serve`, real python-socketio clients), and the client cannot connect again;
other clients stay connected."""

from __future__ import annotations

import threading
from typing import Any

import requests
import socketio

from tests.conftest import LiveServer
from tests.e2e.hallkit import bearer, login


class Client:
    """A reconnecting Socket.IO client (as the pages are) that notes its connects and disconnects."""

    def __init__(self, url: str, token: str) -> None:
        self.log: list[str] = []
        self.cond = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                   reconnection_delay_max=0.5, randomization_factor=0)  # fmt: skip
        self.sio.on("connect", lambda: self._note("connect"))
        self.sio.on("disconnect", lambda *a: self._note("disconnect"))
        self.sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _note(self, what: str) -> None:
        with self.cond:
            self.log.append(what)
            self.cond.notify_all()

    def wait(self, pred: Any, what: str, timeout: float = 20.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: pred(self.log), timeout), f"no {what}: {self.log}"

    def close(self) -> None:
        self.sio.disconnect()


def _disconnected(log: list[str]) -> bool:
    return "disconnect" in log


def _refused(url: str, token: str) -> bool:
    """A fresh connection with the token is refused (the server disconnected the old one itself,
    so its client does not retry on its own: the server said goodbye)."""
    try:
        socketio.Client(reconnection=False).connect(
            url, auth={"token": token}, transports=["websocket"], wait_timeout=10
        )
    except socketio.exceptions.ConnectionError:
        return True
    return False


def test_a_deactivated_device_and_a_signed_out_clerk_lose_their_sockets(
    live_server: LiveServer,
) -> None:
    srv = live_server
    admin = login(srv.url, "admin", srv.passwords["admin"])
    clerk = login(srv.url, "zhangwei", srv.passwords["zhangwei"])
    devices = requests.get(f"{srv.url}/api/v1/devices", headers=bearer(admin), timeout=10).json()
    displays = [d for d in devices["items"] if d["kind"] == "display"]
    doomed_name = displays[0]["name"]
    doomed = Client(srv.url, srv.devices[doomed_name])
    other_name = next(
        n
        for n, (k, _w) in srv.device_kinds.items()
        if n != doomed_name and k in ("display", "kiosk")
    )
    other = Client(srv.url, srv.devices[other_name])
    staff = Client(srv.url, clerk)
    try:
        for c in (doomed, other, staff):
            c.wait(lambda log: log == ["connect"], "connection")
        r = requests.delete(
            f"{srv.url}/api/v1/devices/{displays[0]['id']}", headers=bearer(admin), timeout=10
        )
        assert r.status_code in (200, 204), r.text
        doomed.wait(_disconnected, "disconnect")
        assert _refused(srv.url, srv.devices[doomed_name])
        r = requests.post(f"{srv.url}/api/v1/auth/logout", headers=bearer(clerk), timeout=10)
        assert r.status_code in (200, 204), r.text
        staff.wait(_disconnected, "disconnect")
        assert _refused(srv.url, clerk)
        # a token that still works keeps its socket through both revocations
        assert other.log == ["connect"] and other.sio.connected
    finally:
        for c in (doomed, other, staff):
            c.close()
