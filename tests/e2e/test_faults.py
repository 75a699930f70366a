"""Faults: Redis gone, the database gone, a screen's network cut. Each shows a clear state, loses
no ticket and recovers by itself when the service returns."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from tests.conftest import (
    LiveServer,
    RedisProcess,
    TcpProxy,
    make_pg_database,
    start_live_server,
    start_sibling,
)
from tests.e2e.hallkit import Screen, bearer, clerks_sharing_a_service, issue, services_and_windows


@pytest.mark.pg
def test_without_redis_tickets_are_still_issued_and_screens_resync_when_it_returns(
    tmp_path: Path, pg_server: str
) -> None:
    redis = RedisProcess(tmp_path)
    url, drop = make_pg_database(pg_server)
    env = {
        "QUEUEHALL_DATABASE_URL": url,
        "QUEUEHALL_REDIS_URL": redis.url,
        "QUEUEHALL_REDIS_RESYNC_S": "0.5",
        "QUEUEHALL_THREADS": "40",
    }
    a = start_live_server(tmp_path / "a", env)
    b = start_sibling(a)
    screen = None
    try:
        service_id, [(_, tok_b, win_b)] = clerks_sharing_a_service(b, 1)
        screen = Screen(a.url, a.token_of("display"))
        screen.wait(lambda: screen.named("snapshot"), what="snapshot")
        redis.kill()
        time.sleep(1.0)
        answered = []
        for srv in (a, b, a, b):
            r = issue(srv.url, a.token_of("kiosk"), service_id)
            assert r.status_code == 201, (
                r.text
            )  # HTTP keeps working; only cross-process pushes are lost
            answered.append(r.json()["number"])
        call = requests.post(
            f"{b.url}/api/v1/windows/{win_b['id']}/call-next", headers=bearer(tok_b), timeout=10
        )
        assert call.status_code == 200, call.text
        called = call.json()["number"]
        snaps = len(screen.named("snapshot"))
        redis.start()  # same port
        # A notices Redis is back and, once the listeners have subscribed again, pushes a snapshot
        snap = screen.wait(
            lambda: screen.named("snapshot")[snaps:], timeout=30, what="a resync snapshot"
        )[-1]
        assert called in {
            c["ticket"]["number"] if "ticket" in c else c.get("number") for c in snap["calls"]
        }
        with psycopg.connect(url) as conn:
            in_db = {r[0] for r in conn.execute("SELECT number FROM tickets")}
        assert set(answered) <= in_db
    finally:
        if screen is not None:
            screen.close()
        a.stop()
        b.stop()
        redis.kill()
        drop()


def _call_reaches(
    srv: LiveServer,
    clerk: tuple[str, str, dict[str, Any]],
    service_id: int,
    screen: Screen,
    within: float,
) -> None:
    """Issue a ticket through `srv` and call it there; `screen` hears the call live within `within` s."""
    _, tok, win = clerk
    r = issue(srv.url, srv.token_of("kiosk"), service_id)
    assert r.status_code == 201, r.text
    call = requests.post(
        f"{srv.url}/api/v1/windows/{win['id']}/call-next", headers=bearer(tok), timeout=10
    )
    assert call.status_code == 200, call.text
    number = call.json()["number"]
    done = requests.post(
        f"{srv.url}/api/v1/tickets/{call.json()['id']}/no-show",
        json={},
        headers=bearer(tok),
        timeout=10,
    )
    assert done.status_code == 200, done.text  # frees the window for the next call
    screen.wait(
        lambda: number in {d["ticket"]["number"] for d in screen.named("ticket.called")},
        timeout=within,
        what=f"live ticket.called {number} from {srv.url}",
    )


def _calls_cross_processes_after_each_outage(
    tmp_path: Path, pg_server: str, outages: list[float], resync_within: float
) -> None:
    """Processes A and B on one Redis, a screen on each. For each outage (seconds Redis stays down):
    kill Redis, keep calling on both processes (each one's own screen hears it), start Redis again;
    each screen gets a resync snapshot within `resync_within` s, after which a call through either
    process reaches the screen on the other one live."""
    redis = RedisProcess(tmp_path)
    url, drop = make_pg_database(pg_server)
    env = {
        "QUEUEHALL_DATABASE_URL": url,
        "QUEUEHALL_REDIS_URL": redis.url,
        "QUEUEHALL_REDIS_RESYNC_S": "0.5",
        "QUEUEHALL_THREADS": "40",
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
    }
    a = start_live_server(tmp_path / "a", env)
    b = start_sibling(a)
    screens: list[Screen] = []
    try:
        service_id, [clerk_a, clerk_b] = clerks_sharing_a_service(a, 2)
        screen_a = Screen(a.url, a.token_of("display"))
        screens.append(screen_a)
        screen_b = Screen(b.url, a.token_of("display"))
        screens.append(screen_b)
        for s in screens:
            s.wait(lambda s=s: s.named("snapshot"), what="snapshot")
        _call_reaches(
            b, clerk_b, service_id, screen_a, within=10
        )  # the pair works before any outage
        _call_reaches(a, clerk_a, service_id, screen_b, within=10)
        for down in outages:
            redis.kill()
            t_killed = time.monotonic()
            time.sleep(min(down, 1.0))
            # the hall keeps working meanwhile: each process's own screens hear its calls, and the
            # failed publishes must not leave either process deaf once Redis is back
            _call_reaches(a, clerk_a, service_id, screen_a, within=10)
            _call_reaches(b, clerk_b, service_id, screen_b, within=10)
            time.sleep(max(0.0, down - (time.monotonic() - t_killed)))
            snaps = [len(s.named("snapshot")) for s in screens]
            redis.start()  # same port
            for s, n in zip(screens, snaps, strict=True):
                s.wait(
                    lambda s=s, n=n: s.named("snapshot")[n:],
                    timeout=resync_within,
                    what=f"a resync snapshot after a {down:.0f} s outage",
                )
            # once its process has resynced a screen, live pushes from the other process reach it again
            _call_reaches(b, clerk_b, service_id, screen_a, within=5)
            _call_reaches(a, clerk_a, service_id, screen_b, within=5)
    finally:
        for s in screens:
            s.close()
        a.stop()
        b.stop()
        redis.kill()
        drop()


@pytest.mark.pg
def test_after_redis_returns_calls_cross_processes_live_again_both_ways_every_time(
    tmp_path: Path, pg_server: str
) -> None:
    _calls_cross_processes_after_each_outage(tmp_path, pg_server, [1.0, 1.0], resync_within=30)


@pytest.mark.pg
def test_after_a_long_redis_outage_processes_hear_each_other_again_within_seconds(
    tmp_path: Path, pg_server: str
) -> None:
    # longer than python-socketio's own listener retry, which backs off up to 60 s between attempts
    _calls_cross_processes_after_each_outage(tmp_path, pg_server, [40.0], resync_within=10)


@pytest.mark.pg
def test_while_the_database_is_unreachable_the_api_answers_503_and_recovers_by_itself(
    tmp_path: Path, pg_server: str
) -> None:
    url, drop = make_pg_database(pg_server)
    proxy = TcpProxy(5432)
    via_proxy = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    srv = start_live_server(
        tmp_path,
        {
            "QUEUEHALL_DATABASE_URL": via_proxy,
            "QUEUEHALL_THREADS": "40",
            "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
        },
    )
    try:
        item = services_and_windows(srv)[0][0]
        kiosk = srv.token_of("kiosk")
        answered: list[str] = []
        statuses: dict[int, int] = {}
        bodies: list[Any] = []
        stop = threading.Event()

        def kiosk_loop() -> None:
            while not stop.is_set():
                try:
                    r = issue(srv.url, kiosk, item["id"], timeout=10)
                except requests.RequestException:
                    continue
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 201:
                    answered.append(r.json()["number"])
                elif r.status_code == 503:
                    bodies.append(r.json())
                time.sleep(0.02)

        threads = [threading.Thread(target=kiosk_loop) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        proxy.cut()  # every pooled connection is reset and new ones are refused
        t_cut = time.monotonic()
        while time.monotonic() - t_cut < 3:
            time.sleep(0.1)
        down = requests.get(f"{srv.url}/api/v1/windows", headers=bearer(kiosk), timeout=10)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "database_unavailable"
        served_during_cut = len(answered)
        proxy.restore()
        t_back = time.monotonic()
        while time.monotonic() - t_back < 10 and len(answered) < served_during_cut + 10:
            time.sleep(0.1)
        recovered_in = time.monotonic() - t_back
        stop.set()
        for t in threads:
            t.join(10)
        assert bodies and all(b["error"]["code"] == "database_unavailable" for b in bodies)
        assert set(statuses) <= {201, 503}, statuses  # never a 500 and never a hang
        assert len(answered) >= served_during_cut + 10, f"no recovery within 10 s: {statuses}"
        assert recovered_in < 5
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT number, seq_no FROM tickets ORDER BY seq_no").fetchall()
        assert set(answered) <= {n for n, _ in rows}
        assert [s for _, s in rows] == list(range(1, len(rows) + 1))
    finally:
        srv.stop()
        proxy.close()
        drop()


@pytest.mark.browser
def test_a_screen_whose_network_is_cut_shows_a_banner_and_catches_up_when_it_returns(
    tmp_path: Path, browser: Any
) -> None:
    srv = start_live_server(tmp_path, {"QUEUEHALL_THREADS": "40"})
    proxy = TcpProxy(srv.port)
    via = f"http://127.0.0.1:{proxy.port}"
    screen = None
    page = browser.new_page()
    try:
        service_id, [(_, tok, win)] = clerks_sharing_a_service(srv, 1)
        screen = Screen(via, srv.token_of("display"))
        screen.wait(lambda: screen.named("snapshot"), what="snapshot")
        page.goto(f"{via}/display/hall?token={srv.token_of('display')}")
        page.wait_for_selector("#offline", state="hidden", timeout=10_000)
        page.wait_for_timeout(500)
        proxy.cut()
        page.wait_for_selector(
            "#offline", state="visible", timeout=10_000
        )  # the banner: status(false)
        screen.wait(lambda: screen.states and not screen.states[-1][0], what="the disconnect")
        number = issue(srv.url, srv.token_of("kiosk"), service_id).json()["number"]
        call = requests.post(
            f"{srv.url}/api/v1/windows/{win['id']}/call-next", headers=bearer(tok), timeout=10
        )
        assert call.status_code == 200 and call.json()["number"] == number
        snaps = len(screen.named("snapshot"))
        proxy.restore()
        page.wait_for_selector("#offline", state="hidden", timeout=15_000)
        page.wait_for_function(
            "n => document.body.innerText.includes(n)", arg=number, timeout=10_000
        )
        snap = screen.wait(
            lambda: screen.named("snapshot")[snaps:], timeout=15, what="a snapshot on reconnect"
        )[-1]
        assert number in str(snap["calls"])
    finally:
        page.close()
        if screen is not None:
            screen.close()
        proxy.close()
        srv.stop()
