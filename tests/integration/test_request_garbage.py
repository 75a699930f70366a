"""Requests leave (almost) nothing for Python's cyclic collector.

With thousands of sockets open, every full pass of the collector walks all their objects and holds
the serving loop for it (issue 16 measured 70-160 ms a pass). What a request leaves in reference
cycles brings those passes on sooner: it is freed only by a collection, never by reference
counting. This drives the app's WSGI entry point as gunicorn does (its socket in the environ) and
counts what a collection finds after the requests, per request.
"""

from __future__ import annotations

import gc
import json
import socket
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

from tests.conftest import Hall

# werkzeug's URL matcher makes a recursive closure per match (a function and its cells): about
# nine objects a request that are not ours to remove. Before issue 16's fix a ticket left about
# forty more (a unit of work and its session, pointing at each other) and, under gunicorn, a class
# of Socket.IO's middleware per request.
ALLOWED_PER_REQUEST = 12


def request(
    hall: Hall, sock: socket.socket, path: str, token: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST `path` through the app's WSGI entry point, as gunicorn calls it; the answer."""
    env = EnvironBuilder(
        method="POST",
        path=path,
        data=json.dumps(body or {}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    ).get_environ()
    env["gunicorn.socket"] = sock
    status: list[str] = []
    answer = b"".join(hall.app.wsgi_app(env, lambda s, h, e=None: status.append(s)))
    assert status[0].startswith("2"), (status, answer)
    return json.loads(answer)


def garbage_per_request(requests: int, run: Callable[[], None]) -> float:
    run()  # first requests build caches
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(requests):
            run()
        gc.collect()
        found = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found / requests


def test_issuing_and_calling_leave_little_for_the_cyclic_collector(sqlite_hall: Hall) -> None:
    hall = sqlite_hall
    hall.app.config["RATE_LIMIT_TICKETS_PER_MIN"] = 0  # one kiosk issues them all
    kiosk, clerk = hall.tokens["kiosk"], hall.tokens["clerk1"]
    sid, wid = hall.ids["A"], hall.ids["w1"]
    sock = socket.socket()
    try:

        def issue() -> None:
            request(hall, sock, "/api/v1/tickets", kiosk, {"service_id": sid})

        per_issue = garbage_per_request(40, issue)
        request(hall, sock, f"/api/v1/windows/{wid}/open", clerk)

        def call() -> None:
            t = request(hall, sock, f"/api/v1/windows/{wid}/call-next", clerk)
            request(hall, sock, f"/api/v1/tickets/{t['id']}/start", clerk)
            request(hall, sock, f"/api/v1/tickets/{t['id']}/finish", clerk)

        per_call = garbage_per_request(20, call) / 3
    finally:
        sock.close()
    assert per_issue <= ALLOWED_PER_REQUEST, f"{per_issue:.1f} objects in cycles per ticket"
    assert per_call <= ALLOWED_PER_REQUEST, f"{per_call:.1f} objects in cycles per call request"
