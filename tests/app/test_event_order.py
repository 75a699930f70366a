"""A site's committed events leave the process in `seq` order, whichever thread gets to send first."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.conftest import Hall


def test_a_call_that_commits_second_is_not_sent_before_the_first(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hall
    rt = h.app.extensions["queuehall.realtime"]
    screen = rt.sio.test_client(h.app, auth={"token": h.tokens["display"]})
    seq0 = screen.get_received()[0]["args"][0]["seq"]
    kiosk = h.client("kiosk")
    for _ in range(2):
        assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]}).status_code == 201
    one, three = h.client("clerk1"), h.client("clerk3")
    assert one.post(f"/api/v1/windows/{h.ids['w1']}/open").status_code == 200
    assert three.post(f"/api/v1/windows/{h.ids['w3']}/open").status_code == 200

    # The first call's thread is slow to send its events (the scheduler let it go at the wrong moment);
    # meanwhile a second clerk's call commits and its thread is free to send.
    real = rt.publish
    first_sending, second_answered = threading.Event(), threading.Event()

    def slow_first(messages: list[tuple[str, dict[str, Any], str]]) -> None:
        if any(n == "ticket.called" for n, _p, _r in messages) and not first_sending.is_set():
            first_sending.set()
            second_answered.wait(10)
        real(messages)

    monkeypatch.setattr(rt, "publish", slow_first)
    first = threading.Thread(target=lambda: one.post(f"/api/v1/windows/{h.ids['w1']}/call-next"))
    first.start()
    assert first_sending.wait(10)
    second = three.post(f"/api/v1/windows/{h.ids['w3']}/call-next")
    assert second.status_code == 200
    second_answered.set()
    first.join(10)
    got = [
        m for m in screen.get_received() if isinstance(m["args"][0], dict) and "seq" in m["args"][0]
    ]
    seqs = [m["args"][0]["seq"] for m in got]
    assert len([m for m in got if m["name"] == "ticket.called"]) == 2
    assert seqs == list(range(seq0 + 1, seq0 + 1 + len(seqs))), seqs
