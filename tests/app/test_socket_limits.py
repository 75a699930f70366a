"""Ticket-page sockets (auth={"ticket": public id}) are bounded per ticket and per address; staff and
device sockets always get in (issue 16 item 2)."""

from __future__ import annotations

from typing import Any

from server.socket_limits import PublicSocketLimits
from tests.conftest import Hall


def page(hall: Hall, public_id: str, address: str | None = None) -> Any:
    rt = hall.app.extensions["queuehall.realtime"]
    headers = {"X-Forwarded-For": address} if address else None
    return rt.sio.test_client(hall.app, auth={"ticket": public_id}, headers=headers)


def issue(hall: Hall) -> dict[str, Any]:
    r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 201
    return r.get_json()


def test_a_ticket_takes_only_so_many_live_pages_and_one_that_leaves_frees_its_place(
    hall: Hall,
) -> None:
    rt = hall.app.extensions["queuehall.realtime"]
    per_ticket = hall.app.config["TICKET_SOCKETS_PER_TICKET"]
    assert per_ticket >= 1
    mine = issue(hall)
    pages = [page(hall, mine["public_id"]) for _ in range(per_ticket)]
    assert all(p.is_connected() for p in pages)
    extra = page(hall, mine["public_id"])
    assert not extra.is_connected()
    # staff and devices are not counted, whatever the pages hold
    for who in ("display", "clerk1", "kiosk"):
        staff = rt.sio.test_client(hall.app, auth={"token": hall.tokens[who]})
        assert staff.is_connected(), who
    # another ticket's page gets in (the limit is this ticket's)
    assert page(hall, issue(hall)["public_id"]).is_connected()
    pages[0].disconnect()
    again = page(hall, mine["public_id"])
    assert again.is_connected()
    # the pages that got in hear their ticket
    hall.client("clerk1").post(f"/api/v1/windows/{hall.ids['w1']}/open")
    hall.client("clerk1").post(f"/api/v1/windows/{hall.ids['w1']}/call-next")
    assert "ticket.updated" in [m["name"] for m in again.get_received()]


def test_an_unknown_ticket_id_holds_no_place(hall: Hall) -> None:
    rt = hall.app.extensions["queuehall.realtime"]
    for _ in range(rt.public_limits.per_ticket + 2):
        assert not page(hall, "guess-A001").is_connected()
    assert rt.public_limits.held() == 0
    assert page(hall, issue(hall)["public_id"]).is_connected()


def test_one_address_takes_only_so_many_ticket_pages_behind_a_trusted_proxy(hall: Hall) -> None:
    hall.app.config["TRUSTED_PROXY_HOPS"] = 1  # the address is the proxy's X-Forwarded-For
    rt = hall.app.extensions["queuehall.realtime"]
    rt.public_limits.per_address = 3  # the hall's setting, made small to test
    tickets = [issue(hall)["public_id"] for _ in range(4)]
    assert [page(hall, t, "10.0.0.7").is_connected() for t in tickets] == [True, True, True, False]
    assert page(hall, tickets[3], "10.0.0.8").is_connected()  # another phone
    assert rt.sio.test_client(
        hall.app, auth={"token": hall.tokens["display"]}, headers={"X-Forwarded-For": "10.0.0.7"}
    ).is_connected()


def test_the_counts_follow_admissions_and_departures() -> None:
    limits = PublicSocketLimits(per_ticket=2, per_address=3)
    assert limits.admit("s1", "T1", "a") and limits.admit("s2", "T1", "a")
    assert not limits.admit("s3", "T1", "b")  # the ticket is full
    assert limits.admit("s4", "T2", "a")
    assert not limits.admit("s5", "T3", "a")  # the address is full
    assert limits.held() == 3
    limits.release("s1")
    limits.release("s1")  # twice, or never admitted: no effect
    limits.release("never")
    assert limits.admit("s6", "T1", "b") and limits.admit("s7", "T3", "a")
    assert limits.held() == 4
    assert PublicSocketLimits(per_ticket=0, per_address=0).admit("x", "T", "a")  # 0: no limit
