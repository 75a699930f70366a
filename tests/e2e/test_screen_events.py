"""What a hall's screens hear, counted on real Socket.IO clients of a real `queuehall serve` process.

- One call is one message to each screen socket (`ticket.called`, which carries the waiting counts),
  never a `queue.changed` beside it.
- Eight kiosks issuing at once: the screens hear fewer `queue.changed` than tickets, `seq` still
  rises one by one (a merged change took no number), and the last counts are right.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, make_pg_database, start_live_server
from tests.e2e.hallkit import Screen, bearer, clerks_sharing_a_service, issue

KIOSKS = 8
BURST = 48
MERGE_S = "1.0"  # the hall's queue.changed at most about once a second while a burst lasts


@pytest.fixture(params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
        "QUEUEHALL_QUEUE_CHANGED_EVERY_S": MERGE_S,
    }
    drop = None
    if request.param == "postgresql":
        url, drop = make_pg_database(request.getfixturevalue("pg_server"))
        env["QUEUEHALL_DATABASE_URL"] = url
    srv = start_live_server(Path(tmp_path_factory.mktemp("screens")), env)
    yield srv
    srv.stop()
    if drop is not None:
        drop()


def sequenced(screen: Screen) -> list[tuple[str, dict[str, Any]]]:
    """(name, body) of every event with a `seq` the screen heard after its snapshot, in order."""
    with screen.got:
        return [
            (n, d)
            for n, d, _ in screen.events
            if n != "snapshot" and isinstance(d, dict) and isinstance(d.get("seq"), int)
        ]


def screens_of(server: LiveServer, staff_token: str) -> dict[str, Screen]:
    """Every kind of screen socket a hall has, by name: the hall screen, a window's screen, the
    announcer, an evaluator, and a clerk's page."""
    kinds = server.device_kinds
    hall_screen = next(n for n, (k, w) in kinds.items() if k == "display" and w is None)
    window_screen = next(n for n, (k, w) in kinds.items() if k == "display" and w is not None)
    announcer = next(n for n, (k, _w) in kinds.items() if k == "announcer")
    evaluator = next(n for n, (k, _w) in kinds.items() if k == "evaluator")
    out = {
        "hall screen": Screen(server.url, server.devices[hall_screen]),
        "window screen": Screen(server.url, server.devices[window_screen]),
        "announcer": Screen(server.url, server.devices[announcer]),
        "evaluator": Screen(server.url, server.devices[evaluator]),
        "clerk page": Screen(server.url, staff_token),
    }
    for name, s in out.items():
        s.wait(lambda s=s: s.named("snapshot"), what=f"snapshot on the {name}")
    return out


def test_one_call_is_one_message_on_every_screen_socket(server: LiveServer) -> None:
    service_id, clerks = clerks_sharing_a_service(server, 1)
    _, token, window = clerks[0]
    screens = screens_of(server, token)
    kiosk = server.token_of("kiosk")
    try:
        assert issue(server.url, kiosk, service_id).status_code == 201
        for name, s in screens.items():
            s.wait(
                lambda s=s: any(
                    d["waiting"].get(str(service_id)) == 1 for d in s.named("queue.changed")
                ),
                what=f"the new ticket's count on the {name}",
            )
        before = {name: len(sequenced(s)) for name, s in screens.items()}
        r = requests.post(
            f"{server.url}/api/v1/windows/{window['id']}/call-next",
            headers=bearer(token),
            timeout=20,
        )
        assert r.status_code == 200, r.text
        # a fence: the next ticket's count; events arrive in seq order, so what came between the
        # call and the fence is all the call sent
        assert issue(server.url, kiosk, service_id).status_code == 201
        for name, s in screens.items():
            s.wait(
                lambda s=s, start=before[name]: any(
                    d["waiting"].get(str(service_id)) == 1
                    for n, d in sequenced(s)[start:]
                    if n == "queue.changed"
                ),
                timeout=30,
                what=f"the fence on the {name}",
            )
            got = sequenced(s)
            after = got[before[name] :]
            assert [n for n, _ in after] == ["ticket.called", "queue.changed"], (name, after)
            call = after[0][1]
            assert call["ticket"]["number"] == r.json()["number"]
            assert call["waiting"][str(service_id)] == 0  # the counts ride on the call
            seqs = [d["seq"] for _, d in got]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (name, seqs)
    finally:
        for s in screens.values():
            s.close()


def test_a_burst_of_tickets_is_merged_into_fewer_queue_changes_without_a_gap(
    server: LiveServer,
) -> None:
    service_id, _ = clerks_sharing_a_service(server, 1)
    hall = Screen(server.url, server.token_of("display"))
    announcer = Screen(
        server.url,
        server.devices[next(n for n, (k, _w) in server.device_kinds.items() if k == "announcer")],
    )
    screens = {"hall screen": hall, "announcer": announcer}
    kiosk = server.token_of("kiosk")
    try:
        for name, s in screens.items():
            s.wait(lambda s=s: s.named("snapshot"), what=f"snapshot on the {name}")
        start = {name: s.named("snapshot")[0] for name, s in screens.items()}
        waiting0 = start["hall screen"]["waiting"].get(str(service_id), 0)
        with ThreadPoolExecutor(KIOSKS) as pool:
            answers = list(pool.map(lambda _i: issue(server.url, kiosk, service_id), range(BURST)))
        assert [a.status_code for a in answers] == [201] * BURST
        final = waiting0 + BURST
        for name, s in screens.items():
            s.wait(
                lambda s=s: any(
                    d["waiting"].get(str(service_id)) == final for d in s.named("queue.changed")
                ),
                timeout=60,
                what=f"the burst's final count on the {name}",
            )
            got = sequenced(s)
            seqs = [d["seq"] for _, d in got]
            seq0 = start[name]["seq"]
            assert seqs == list(range(seq0 + 1, seq0 + 1 + len(seqs))), (name, seqs)  # no gap
            changes = [d for n, d in got if n == "queue.changed"]
            assert 1 <= len(changes) < BURST, (name, len(changes))
            assert changes[-1]["waiting"][str(service_id)] == final
        snap = requests.get(
            f"{server.url}/api/v1/snapshot", headers=bearer(server.token_of("display")), timeout=10
        ).json()
        assert snap["waiting"][str(service_id)] == final
        assert snap["seq"] == sequenced(hall)[-1][1]["seq"]  # nothing numbered that was not sent
    finally:
        for s in screens.values():
            s.close()
