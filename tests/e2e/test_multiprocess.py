"""Two `queuehall serve` processes sharing one PostgreSQL database and one Redis message queue."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests

from tests.conftest import LiveServer, make_pg_database, start_live_server, start_sibling
from tests.e2e.hallkit import Screen, bearer, clerks_sharing_a_service, issue, services_and_windows

pytestmark = pytest.mark.pg

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, pg_server: str
) -> Iterator[tuple[LiveServer, LiveServer, str]]:
    """Process A (after `init --demo`) and process B on the same database, Redis channel per run."""
    url, drop = make_pg_database(pg_server)
    env = {
        "QUEUEHALL_DATABASE_URL": url,
        "QUEUEHALL_REDIS_URL": REDIS,
        "QUEUEHALL_SOCKETIO_CHANNEL": "qh-test-" + secrets.token_hex(4),
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
        "QUEUEHALL_THREADS": "40",
    }
    a = start_live_server(Path(tmp_path_factory.mktemp("mp")), env)
    b = start_sibling(a)
    yield a, b, url
    for srv in (a, b):
        srv.stop()
    drop()


def numbers_in_db(url: str, prefix: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT seq_no FROM tickets WHERE prefix = %s ORDER BY seq_no", (prefix,)
            )
        ]


def test_tickets_issued_through_both_processes_are_gapless_and_unique(
    pair: tuple[LiveServer, LiveServer, str],
) -> None:
    a, b, url = pair
    services, _ = services_and_windows(a)
    item = services[0]
    kiosks = [
        a.token_of("kiosk"),
        next(
            t
            for n, t in a.devices.items()
            if a.device_kinds[n][0] == "kiosk" and t != a.token_of("kiosk")
        ),
    ]

    def one(i: int) -> requests.Response:
        return issue((a, b)[i % 2].url, kiosks[i // 2 % 2], item["id"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(120)))
    assert [r.status_code for r in answers] == [201] * 120
    numbers = sorted(int(r.json()["number"][len(item["prefix"]) :]) for r in answers)
    assert numbers == list(range(1, 121))  # gapless and never duplicated across the two processes
    assert numbers_in_db(url, item["prefix"]) == numbers


def test_clerks_on_both_processes_never_share_a_ticket_and_a_screen_on_one_hears_every_call(
    pair: tuple[LiveServer, LiveServer, str],
) -> None:
    a, b, _ = pair
    service_id, clerks = clerks_sharing_a_service(a, 2)
    (_, tok_a, win_a), (_, tok_b, win_b) = clerks
    screen = Screen(a.url, a.token_of("display"))  # connected to process A only
    try:
        screen.wait(lambda: screen.named("snapshot"), what="snapshot")
        issued = [
            issue((a, b)[i % 2].url, a.token_of("kiosk"), service_id).json()["id"]
            for i in range(30)
        ]

        def clerk(srv: LiveServer, tok: str, win: dict[str, object]) -> list[tuple[int, str]]:
            got: list[tuple[int, str]] = []
            while True:
                r = requests.post(
                    f"{srv.url}/api/v1/windows/{win['id']}/call-next",
                    headers=bearer(tok),
                    timeout=10,
                )
                if r.status_code == 404:
                    assert r.json()["error"]["code"] == "queue_empty"
                    return got
                assert r.status_code == 200, r.text
                t = r.json()
                got.append((t["id"], t["number"]))
                done = requests.post(
                    f"{srv.url}/api/v1/tickets/{t['id']}/no-show",
                    json={},
                    headers=bearer(tok),
                    timeout=10,
                )
                assert done.status_code == 200, done.text

        with ThreadPoolExecutor(2) as pool:
            fa = pool.submit(clerk, a, tok_a, win_a)
            fb = pool.submit(clerk, b, tok_b, win_b)
            calls_a, calls_b = fa.result(), fb.result()
        ids_a, ids_b = {i for i, _ in calls_a}, {i for i, _ in calls_b}
        assert not ids_a & ids_b, "two clerks were given the same ticket"
        assert len(calls_a) == len(ids_a) and len(calls_b) == len(ids_b)
        assert set(issued) <= ids_a | ids_b
        assert calls_b, "process B's clerk called nothing"
        # the screen on A hears every call, including those made through B (via Redis)
        want = {n for _, n in calls_a + calls_b}
        screen.wait(
            lambda: want <= {d["ticket"]["number"] for d in screen.named("ticket.called")},
            timeout=10,
            what="every call on the screen",
        )
        from_b = [d for d in screen.named("ticket.called") if d["window"]["id"] == win_b["id"]]
        assert {d["ticket"]["number"] for d in from_b} >= {n for _, n in calls_b}
        seqs = [
            d["seq"]
            for n, d, _ in screen.events
            if n != "snapshot" and isinstance(d, dict) and "seq" in d
        ]
        # each event arrives once; across processes two commits may arrive out of seq order, which a
        # client resolves with a snapshot (API.md), so only duplicates are a fault here
        assert len(seqs) == len(set(seqs)), "an event arrived twice"
    finally:
        screen.close()
