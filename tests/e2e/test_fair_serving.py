"""Connections are served in turn: a busy keep-alive client cannot hold the others back.

Under gevent a connection's greenlet only gives way when it would block. A client that keeps its
next request ready (HTTP pipelining here; a fast kiosk on the hall's LAN in life) used to be served
request after request while every other connection waited: in bench/serving_bench.py one kiosk in
eight got 100-260 ms of the loop at a time and issuing p99 was 430-600 ms against a p50 of 3-6 ms.
The worker now ends a connection's turn after each request (server/workers.py).

The test is about order, not time. The hall's SQLite database is held write-locked from outside,
so the server stops in A's first request; meanwhile kiosk A's long run of pipelined ticket requests
and kiosk B's one request are both sent. Once the lock is let go, everything the server needs is
already in its sockets: served in turn, B's ticket comes right after A's first one or two; served by
connection, after all of A's.
"""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer, start_live_server
from tests.e2e.hallkit import services_and_windows

RUN = 100  # A's pipelined requests


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = start_live_server(
        Path(tmp_path_factory.mktemp("fair")), {"QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0"}
    )
    yield srv
    srv.stop()


class Connection:
    """One keep-alive HTTP/1.1 connection that can pipeline requests and read answers in order."""

    def __init__(self, srv: LiveServer, token: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
        self.file = self.sock.makefile("rb")
        self.token = token

    def request_bytes(self, service_id: int) -> bytes:
        body = json.dumps({"service_id": service_id}).encode()
        head = (
            "POST /api/v1/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self) -> dict[str, Any]:
        file = self.file

        class Kept:  # the connection's one read buffer, which a response must not close
            def __getattr__(self, name: str) -> Any:
                return getattr(file, name)

            def close(self) -> None:
                pass

        class Sock:  # http.client reads a response from sock.makefile()
            def makefile(self, *_a: Any, **_k: Any) -> Any:
                return Kept()

        resp = http.client.HTTPResponse(Sock())  # type: ignore[arg-type]
        resp.begin()
        body = resp.read()
        assert resp.status == 201, body
        return dict(json.loads(body))

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def test_a_pipelining_client_does_not_hold_back_another(server: LiveServer) -> None:
    services, _ = services_and_windows(server)
    item = next(s for s in services if not s.get("daily_cap") and s.get("open_now", True))
    token = server.token_of("kiosk")
    a, b = Connection(server, token), Connection(server, token)
    for c in (a, b):  # both connections open and idle in the server, as kiosks' would be
        c.send(c.request_bytes(item["id"]))
        c.answer()
    outside = sqlite3.connect(server.instance / "queuehall.db", isolation_level=None)
    try:
        outside.execute("BEGIN IMMEDIATE")  # the server's next write waits here
        a.send(b"".join(a.request_bytes(item["id"]) for _ in range(RUN)))
        b.send(b.request_bytes(item["id"]))
        outside.execute("ROLLBACK")
        b_ticket = b.answer()
        a_tickets = [a.answer() for _ in range(RUN)]
    finally:
        outside.close()
        a.close()
        b.close()

    def place(
        t: dict[str, Any],
    ) -> int:  # numbers of one item are handed out in turn: A001, A002...
        return int("".join(ch for ch in t["number"] if ch.isdigit()))

    served_before_b = sum(1 for t in a_tickets if place(t) < place(b_ticket))
    # in turn: A's first request (the one that waited for the lock), perhaps one more
    assert served_before_b <= 2, f"B's ticket came after {served_before_b} of A's {RUN}"
    numbers = [t["number"] for t in a_tickets]
    assert len(set(numbers)) == RUN and b_ticket["number"] not in numbers
