"""A site's events leave one server process in `seq` order, even when clerks call at the same moment.

A real `queuehall serve` process, real Socket.IO clients (python-socketio over websocket), clerks and
a kiosk on their own threads: every screen must hear `seq` rise one by one, never N+1 before N.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import LiveServer, make_pg_database, start_live_server
from tests.e2e.hallkit import Screen, bearer, clerks_sharing_a_service, issue

CLERKS = 2
TICKETS = 200


@pytest.fixture(params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {"QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0"}
    drop = None
    if request.param == "postgresql":
        url, drop = make_pg_database(request.getfixturevalue("pg_server"))
        env["QUEUEHALL_DATABASE_URL"] = url
    srv = start_live_server(Path(tmp_path_factory.mktemp("order")), env)
    yield srv
    srv.stop()
    if drop is not None:
        drop()


def sequenced(screen: Screen) -> list[int]:
    """The `seq` of every event the screen heard after its snapshot, in arrival order."""
    with screen.got:
        return [
            d["seq"]
            for n, d, _ in screen.events
            if n != "snapshot" and isinstance(d, dict) and isinstance(d.get("seq"), int)
        ]


def test_screens_hear_seq_rise_one_by_one_while_clerks_call_at_the_same_moment(
    server: LiveServer,
) -> None:
    service_id, clerks = clerks_sharing_a_service(server, CLERKS)
    screens = [Screen(server.url, server.token_of("display")) for _ in range(2)]
    try:
        for s in screens:
            s.wait(lambda s=s: s.named("snapshot"), what="snapshot")
        start = [s.named("snapshot")[0]["seq"] for s in screens]
        kiosk = server.token_of("kiosk")
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(lambda _i: issue(server.url, kiosk, service_id), range(TICKETS // 2))
            )
        assert {r.status_code for r in answers} == {201}
        go = threading.Barrier(CLERKS + 1)
        called: list[str] = []

        def clerk(token: str, window_id: int) -> None:
            go.wait()
            while True:
                r = requests.post(
                    f"{server.url}/api/v1/windows/{window_id}/call-next",
                    headers=bearer(token),
                    timeout=20,
                )
                if r.status_code == 404:
                    return
                assert r.status_code == 200, r.text
                called.append(r.json()["number"])
                done = requests.post(
                    f"{server.url}/api/v1/tickets/{r.json()['id']}/no-show",
                    json={},
                    headers=bearer(token),
                    timeout=20,
                )
                assert done.status_code == 200, done.text

        def kiosk_meanwhile() -> None:
            go.wait()
            for _ in range(TICKETS // 2):
                assert issue(server.url, kiosk, service_id).status_code == 201

        with ThreadPoolExecutor(CLERKS + 1) as pool:
            jobs = [pool.submit(clerk, tok, win["id"]) for _, tok, win in clerks]
            jobs.append(pool.submit(kiosk_meanwhile))
            for j in jobs:
                j.result()
        assert called, "the clerks called nobody"
        for s, seq0 in zip(screens, start, strict=True):
            s.wait(
                lambda s=s: (
                    set(called) <= {d["ticket"]["number"] for d in s.named("ticket.called")}
                ),
                timeout=30,
                what="every call on the screen",
            )
            got = sequenced(s)
            assert got == list(range(seq0 + 1, seq0 + 1 + len(got))), (
                "a screen heard seq out of order: "
                + str([x for i, x in enumerate(got) if x != seq0 + 1 + i][:10])
            )
    finally:
        for s in screens:
            s.close()
