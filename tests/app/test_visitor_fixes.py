"""What visitors see (issue 15, part C): a transfer is not a recall, estimates, hours, search, English."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall


def _issue(hall: Hall, service: str, who: str = "kiosk") -> dict[str, Any]:
    r = hall.client(who).post("/api/v1/tickets", json={"service_id": hall.ids[service]})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _open(hall: Hall, clerk: str, window: str) -> Any:
    c = hall.client(clerk)
    assert c.post(f"/api/v1/windows/{hall.ids[window]}/open", json={}).status_code == 200
    return c


# ---- item 16: a transferred ticket's first call at the new window is a first call ----------------

def test_a_recalled_then_transferred_ticket_is_first_called_at_the_new_window_not_recalled(hall: Hall) -> None:
    tk = _issue(hall, "A")
    c1 = _open(hall, "clerk1", "w1")
    assert c1.post(f"/api/v1/windows/{hall.ids['w1']}/call-next").get_json()["number"] == tk["number"]
    assert c1.post(f"/api/v1/tickets/{tk['id']}/recall").get_json()["recall_count"] == 1
    r = c1.post(f"/api/v1/tickets/{tk['id']}/transfer", json={"window_id": hall.ids["w3"]})
    assert r.status_code == 200, r.get_json()
    c3 = _open(hall, "clerk3", "w3")
    called = c3.post(f"/api/v1/windows/{hall.ids['w3']}/call-next").get_json()
    assert called["number"] == tk["number"] and called["window_id"] == hall.ids["w3"]
    # the clerk page's 重呼次数 and the phone page's "再次呼叫" both read recall_count
    assert called["recall_count"] == 0
    public = hall.client().get(f"/api/v1/public/tickets/{tk['public_id']}").get_json()
    assert public["state"] == "called" and public["window"]["number"] == 3 and public["recall_count"] == 0
    # the hall screen's recent calls: the call at window 3 is not a recall
    snap = hall.client("display").get("/api/v1/snapshot").get_json()
    latest = snap["calls"][0]
    assert latest["window"]["number"] == 3 and latest["recall"] is False
    # a recall at the new window counts from there
    assert c3.post(f"/api/v1/tickets/{tk['id']}/recall").get_json()["recall_count"] == 1
