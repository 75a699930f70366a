"""Socket.IO through Flask-SocketIO's test client: auth, snapshot, events after commit, seq."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall


def sio_client(hall: Hall, token: str | None, **auth: Any) -> Any:
    rt = hall.app.extensions["queuehall.realtime"]
    a = {"token": token} if token else auth
    return rt.sio.test_client(hall.app, auth=a)


def names(received: list[dict[str, Any]]) -> list[str]:
    return [m["name"] for m in received]


def test_a_connection_without_a_valid_token_is_refused(sqlite_hall: Hall) -> None:
    assert not sio_client(sqlite_hall, None).is_connected()
    assert not sio_client(sqlite_hall, "qhd_bogus").is_connected()


def test_connect_sends_the_snapshot(sqlite_hall: Hall) -> None:
    c = sio_client(sqlite_hall, sqlite_hall.tokens["display"])
    assert c.is_connected()
    got = c.get_received()
    assert names(got) == ["snapshot"]
    snap = got[0]["args"][0]
    assert {"seq", "calls", "windows", "waiting"} <= set(snap)


def test_a_call_reaches_screens_with_the_contract_payload_and_rising_seq(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    screen = sio_client(h, h.tokens["display"])
    seq0 = screen.get_received()[0]["args"][0]["seq"]
    h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["A"]})
    c = h.client("clerk1")
    c.post(f"/api/v1/windows/{h.ids['w1']}/open")
    t = c.post(f"/api/v1/windows/{h.ids['w1']}/call-next").get_json()
    c.post(f"/api/v1/tickets/{t['id']}/recall")
    got = screen.get_received()
    seqs = [m["args"][0]["seq"] for m in got]
    assert seqs == list(range(seq0 + 1, seq0 + 1 + len(got)))  # one by one, no gap
    calls = [m["args"][0] for m in got if m["name"] == "ticket.called"]
    assert len(calls) == 2
    first, recall = calls
    assert first["ticket"] == {"id": t["id"], "number": "A001", "service_id": h.ids["A"]}
    assert first["window"] == {"id": h.ids["w1"], "number": 1, "name": "市场监管窗口"}
    assert first["recall"] is False and recall["recall"] is True
    assert first["text"] == "请A001号到1号窗口办理"
    # API.md's fields, and the hall's waiting counts after the call (an addition the contract allows)
    assert set(first) == set(recall) == {"seq", "ticket", "window", "recall", "text", "waiting"}
    queue = [m["args"][0] for m in got if m["name"] == "queue.changed"]
    assert queue[0]["waiting"][str(h.ids["A"])] == 1  # the issue
    assert first["waiting"][str(h.ids["A"])] == 0 == recall["waiting"][str(h.ids["A"])]
    after_call = names(got)[names(got).index("ticket.called") :]
    assert after_call == [
        "ticket.called",
        "ticket.called",
    ]  # one call, one message: no queue.changed


def test_a_refused_command_sends_no_event(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    screen = sio_client(h, h.tokens["display"])
    screen.get_received()
    c = h.client("clerk1")
    c.post(f"/api/v1/windows/{h.ids['w1']}/open")
    screen.get_received()
    assert c.post(f"/api/v1/windows/{h.ids['w1']}/call-next").status_code == 404
    for _ in range(4):
        h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["C"]})
    got = screen.get_received()
    assert names(got) == ["queue.changed"] * 3  # the fourth ticket hit the daily cap: no event


def test_the_snapshot_can_be_asked_for_again_after_a_gap(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    screen = sio_client(h, h.tokens["display"])
    screen.get_received()
    h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["B"]})
    ack = screen.emit("snapshot", callback=True)
    assert ack["waiting"][str(h.ids["B"])] == 1
    snap_http = h.client("display").get("/api/v1/snapshot").get_json()
    assert snap_http["seq"] == ack["seq"]


def test_the_public_ticket_page_connection_only_hears_its_own_ticket(sqlite_hall: Hall) -> None:
    h = sqlite_hall
    mine = h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["A"]}).get_json()
    other = h.client("kiosk").post("/api/v1/tickets", json={"service_id": h.ids["A"]}).get_json()
    phone = sio_client(h, None, ticket=mine["public_id"])
    assert phone.is_connected()
    assert not sio_client(h, None, ticket="guess-A001").is_connected()
    c = h.client("clerk1")
    c.post(f"/api/v1/windows/{h.ids['w1']}/open")
    c.post(f"/api/v1/windows/{h.ids['w1']}/call-next")
    got = phone.get_received()
    assert names(got) == ["ticket.updated"]
    assert got[0]["args"][0]["ticket"]["id"] == mine["id"] != other["id"]


def test_issuing_sends_ticket_pages_nothing_and_screens_the_counts(sqlite_hall: Hall) -> None:
    """A hall full of open ticket pages costs issuing nothing per page: a new ticket's events go to
    the hall's room (the screens) only, never to the pages of other tickets."""
    h = sqlite_hall
    kiosk = h.client("kiosk")
    issued = [
        kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]}).get_json() for _ in range(5)
    ]
    pages = [sio_client(h, None, ticket=t["public_id"]) for t in issued]
    screen = sio_client(h, h.tokens["display"])
    assert all(p.is_connected() for p in pages) and screen.is_connected()
    screen.get_received()
    for _ in range(3):
        assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["B"]}).status_code == 201
    assert [names(p.get_received()) for p in pages] == [[]] * 5
    assert names(screen.get_received()) == ["queue.changed"] * 3
