"""SIGKILL a server while kiosks issue tickets: nothing answered 201 is lost, numbering goes on."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.conftest import kill_hard, make_pg_database, start_live_server, start_sibling
from tests.e2e.hallkit import Screen, bearer, services_and_windows

pytestmark = pytest.mark.pg


def test_a_killed_server_loses_no_ticket_and_numbering_continues(
    tmp_path: Path, pg_server: str
) -> None:
    url, drop = make_pg_database(pg_server)
    env = {
        "QUEUEHALL_DATABASE_URL": url,
        "QUEUEHALL_REDIS_URL": "redis://127.0.0.1:6379/0",
        "QUEUEHALL_SOCKETIO_CHANNEL": "qh-test-" + secrets.token_hex(4),
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
        "QUEUEHALL_THREADS": "40",
    }
    a = start_live_server(tmp_path, env)
    b = start_sibling(a)
    screen = None
    try:
        item = services_and_windows(a)[0][0]
        screen = Screen(a.url, a.token_of("display"))
        screen.wait(lambda: screen.named("snapshot"), what="snapshot")
        answered: list[str] = []
        errors: list[str] = []
        stop = threading.Event()

        def kiosk() -> None:
            with requests.Session() as http:
                http.headers.update(bearer(a.token_of("kiosk")))
                while not stop.is_set():
                    try:
                        r = http.post(
                            f"{a.url}/api/v1/tickets", json={"service_id": item["id"]}, timeout=5
                        )
                    except (
                        requests.RequestException
                    ) as exc:  # the server died under us: not an answer
                        errors.append(type(exc).__name__)
                        time.sleep(0.05)
                        continue
                    if r.status_code == 201:
                        answered.append(r.json()["number"])

        threads = [threading.Thread(target=kiosk) for _ in range(6)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while len(answered) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        kill_hard(a.proc)  # mid-burst: some requests are in flight
        time.sleep(0.5)
        before_restart = len(answered)
        # the sibling keeps serving while A is down
        r = requests.post(
            f"{b.url}/api/v1/tickets",
            json={"service_id": item["id"]},
            headers=bearer(a.token_of("kiosk")),
            timeout=10,
        )
        assert r.status_code == 201
        answered.append(r.json()["number"])
        a.restart()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(10)
        assert before_restart >= 40 and errors, "the kill did not land during the burst"
        assert len(answered) > before_restart + 1, "issuing did not resume after the restart"

        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT number, seq_no FROM tickets WHERE prefix = %s ORDER BY seq_no",
                (item["prefix"],),
            ).fetchall()
        in_db = [n for n, _ in rows]
        assert set(answered) <= set(in_db), f"answered 201 but lost: {set(answered) - set(in_db)}"
        assert len(in_db) == len(set(in_db)), "a number was issued twice"
        assert [s for _, s in rows] == list(range(1, len(rows) + 1)), "numbering has a gap"

        # the screen reconnects to the restarted process and is sent a fresh snapshot
        screen.wait(
            lambda: len(screen.named("snapshot")) >= 2,
            timeout=20,
            what="a snapshot after the restart",
        )
        assert [s for s, _ in screen.states][-2:] == [False, True]
        seen = len(screen.named("snapshot"))
        screen.sio.emit("snapshot")  # and a resync now shows every ticket of the burst waiting
        screen.wait(lambda: len(screen.named("snapshot")) > seen, what="the requested snapshot")
        assert screen.named("snapshot")[-1]["waiting"][str(item["id"])] == len(in_db)
    finally:
        if screen is not None:
            screen.close()
        a.stop()
        b.stop()
        drop()
