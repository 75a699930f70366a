"""People ahead from the real call order, and the near-turn notice (issue 19), on SQLite and
PostgreSQL: the ticket page, the clerk's queue and the notice read one order — the order call-next
really takes, over every item a window serves, with priorities, booked-first and transfers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from server.storage.models import Notice
from tests.conftest import Hall

API = "/api/v1"
PHONE = "13812345678"


def _issue(hall: Hall, item: str, who: str = "kiosk", priority: str = "normal") -> Any:
    r = hall.client(who).post(
        f"{API}/tickets", json={"service_id": hall.ids[item], "priority": priority}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _ahead(hall: Hall, t: Any) -> int:
    return int(
        hall.client().get(f"{API}/public/tickets/{t['public_id']}").get_json()["waiting_ahead"]
    )


def _post(hall: Hall, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    r = hall.client(who).post(f"{API}{path}", json=body or {})
    assert r.status_code in (200, 201), (path, r.get_json())
    return r.get_json()


def _notices(hall: Hall) -> list[Any]:
    with hall.ctx.uow(write=False) as uow:
        return [
            SimpleNamespace(
                kind=n.kind, ticket_id=n.ticket_id, recipient=n.recipient, text=n.payload["text"]
            )
            for n in uow.session.scalars(select(Notice).order_by(Notice.id))
        ]


def test_two_items_sharing_a_window_and_a_priority_ticket(hall: Hall) -> None:
    """Window 2 serves 社会保障卡补换 (B, weight 10) and 失业登记 (C, weight 5); it is the only one
    open. A C ticket waits behind the priority ticket and every B ticket, not only behind the Cs."""
    c1 = _issue(hall, "C")
    c2 = _issue(hall, "C")
    b1 = _issue(hall, "B")
    p = _issue(hall, "B", who="super", priority="priority")
    _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/open")
    # the real order at window 2: priority, then B (the heavier item), then the Cs by arrival
    assert [_ahead(hall, t) for t in (p, b1, c1, c2)] == [0, 1, 2, 3]
    queue = hall.client("clerk2").get(f"{API}/windows/{hall.ids['w2']}/queue").get_json()["items"]
    assert [t["id"] for t in queue] == [p["id"], b1["id"], c1["id"], c2["id"]]
    # C2's holder opts in at the kiosk's ticket screen: 3 ahead, more than the hall's 2 — no notice
    r = hall.client("kiosk").post(f"{API}/tickets/{c2['id']}/notify", json={"phone": PHONE})
    assert r.status_code == 200 and r.get_json()["phone"] == "138****5678"
    assert _notices(hall) == []
    # the window calls the priority ticket: two ahead now — told once, with the window to wait at
    called = _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next")
    assert called["id"] == p["id"]
    assert _ahead(hall, c2) == 2  # the page and the notice agree
    got = _notices(hall)
    assert [(n.kind, n.ticket_id, n.recipient) for n in got] == [("near", c2["id"], PHONE)]
    assert "您的号码" + c2["number"] + "前面还有2人，请到2号窗口候办区等候" in got[0].text
    # the next calls bring it closer; the near-turn notice is not sent again
    _post(hall, "clerk2", f"/tickets/{p['id']}/start")
    _post(hall, "clerk2", f"/tickets/{p['id']}/finish", {"outcome": "done"})
    assert _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next")["id"] == b1["id"]
    assert _ahead(hall, c2) == 1
    _post(hall, "clerk2", f"/tickets/{b1['id']}/no-show")
    assert _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next")["id"] == c1["id"]
    assert _ahead(hall, c2) == 0
    _post(hall, "clerk2", f"/tickets/{c1['id']}/no-show")
    assert _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next")["id"] == c2["id"]
    kinds = [(n.kind, n.ticket_id) for n in _notices(hall)]
    assert kinds == [
        ("near", c2["id"]),
        ("called", c2["id"]),
    ]  # one near-turn notice, then the call
    # nobody who did not opt in was texted
    assert {n.ticket_id for n in _notices(hall)} == {c2["id"]}


def test_opting_in_when_already_near_tells_at_once_and_only_opted_in_tickets_hear(
    hall: Hall,
) -> None:
    a1 = _issue(hall, "A")
    a2 = _issue(hall, "A")
    r = hall.client().post(f"{API}/public/tickets/{a2['public_id']}/notify", json={"phone": PHONE})
    assert r.status_code == 200, r.get_json()
    got = _notices(hall)
    assert [(n.kind, n.ticket_id) for n in got] == [("near", a2["id"])]
    assert "前面还有1人，请到1号窗口候办区等候" in got[0].text  # window 1 is the first to reach it
    status = hall.client().get(f"{API}/public/tickets/{a2['public_id']}").get_json()
    assert status["notify"] == {"phone": "138****5678"}
    assert PHONE not in str(status)
    # opting in again (another phone) changes the phone, not the count of notices
    hall.client().post(
        f"{API}/public/tickets/{a2['public_id']}/notify", json={"phone": "13900001111"}
    )
    assert len(_notices(hall)) == 1
    # bad input is a 4xx with the error shape; a kiosk cannot opt in a ticket it did not issue
    bad = hall.client().post(f"{API}/public/tickets/{a2['public_id']}/notify", json={"phone": "12"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]
    staff_ticket = _issue(hall, "A", who="super")
    assert (
        hall.client("kiosk")
        .post(f"{API}/tickets/{staff_ticket['id']}/notify", json={"phone": PHONE})
        .status_code
        == 403
    )
    assert (
        hall.client().post(f"{API}/public/tickets/nope/notify", json={"phone": PHONE}).status_code
        == 404
    )
    # a called ticket has no turn left to tell of
    _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/open")
    assert _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/call-next")["id"] == a1["id"]
    late = hall.client().post(
        f"{API}/public/tickets/{a1['public_id']}/notify", json={"phone": PHONE}
    )
    assert late.status_code == 409


def test_the_predicted_order_is_the_order_call_next_takes(hall: Hall) -> None:
    """Priorities with the hall's ratio, two items of different weight, a checked-in booking within
    its slot and a ticket transferred to the window: the ticket page's numbers and the clerk's
    queue give exactly the order window 2's call-nexts then take."""
    r = hall.client("admin").put(
        f"{API}/booking-rules/{hall.ids['B']}",
        json={"periods": [["09:00", "11:30"]], "slot_min": 30, "capacity": 5},
    )
    assert r.status_code == 200
    code = (
        hall.client()
        .post(
            f"{API}/public/appointments",
            json={
                "service_id": hall.ids["B"],
                "start": "2026-11-30T09:30:00+08:00",
                "name": "张小明",
                "phone": "13900002222",
            },
        )
        .get_json()["code"]
    )
    # 失业登记 (C) takes three tickets a day at most
    tickets = [_issue(hall, "C"), _issue(hall, "B"), _issue(hall, "B")]
    tickets += [_issue(hall, i, who="super", priority="priority") for i in ("C", "B", "B", "B")]
    tickets += [_issue(hall, "B"), _issue(hall, "C")]
    # window 3 takes a ticket and sends it to window 2 (a transfer goes first there)
    _post(hall, "clerk3", f"/windows/{hall.ids['w3']}/open")
    moved = _post(hall, "clerk3", f"/windows/{hall.ids['w3']}/call-next")
    _post(hall, "clerk3", f"/tickets/{moved['id']}/transfer", {"window_id": hall.ids["w2"]})
    _post(hall, "clerk3", f"/windows/{hall.ids['w3']}/close")
    hall.clock.advance(minutes=25)  # 09:25: the 09:30 booking's call window is on
    booked = hall.client("kiosk").post(f"{API}/appointments/check-in", json={"code": code})
    assert booked.status_code == 201, booked.get_json()
    tickets.append(booked.get_json())
    _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/open")
    waiting = [t for t in tickets if t["id"] != moved["id"]] + [moved]
    predicted = (
        hall.client("clerk2").get(f"{API}/windows/{hall.ids['w2']}/queue").get_json()["items"]
    )
    order = [t["id"] for t in predicted]
    assert sorted(order) == sorted(t["id"] for t in waiting)
    assert order[0] == moved["id"]  # transferred to this window: first
    assert order[1] == tickets[-1]["id"]  # then the booking within its slot
    by_id = {t["id"]: t for t in waiting}
    assert [_ahead(hall, by_id[i]) for i in order] == list(range(len(order)))
    taken = []
    for _ in order:
        t = _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next")
        taken.append(t["id"])
        _post(hall, "clerk2", f"/tickets/{t['id']}/no-show")
    assert taken == order


def test_a_restart_stores_the_notices_a_crash_kept_from_being_written(
    hall: Hall, monkeypatch: Any
) -> None:
    """SIGKILL between a call's commit and its notices' write loses them from memory: the server's
    next start (NoticeWorker's first round) works out what the committed queue calls for, once."""
    from server.services.notices import notices_subscriber

    tickets = [_issue(hall, "A") for _ in range(5)]
    for i, t in enumerate(tickets[:4]):
        r = hall.client("kiosk").post(
            f"{API}/tickets/{t['id']}/notify", json={"phone": f"1390000{i:04d}"}
        )
        assert r.status_code == 200
    before = _notices(hall)
    assert [(n.kind, n.ticket_id) for n in before] == [
        ("near", tickets[0]["id"]),
        ("near", tickets[1]["id"]),
        ("near", tickets[2]["id"]),
    ]
    # the "crash": committed events whose notices never get written
    monkeypatch.setattr(notices_subscriber, "after_commit", lambda ctx, events, found: None)
    _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/open")
    first = _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/call-next")
    _post(hall, "clerk1", f"/tickets/{first['id']}/start")
    _post(hall, "clerk1", f"/tickets/{first['id']}/finish", {"outcome": "done"})
    second = _post(hall, "clerk1", f"/windows/{hall.ids['w1']}/call-next")
    assert _notices(hall) == before
    monkeypatch.undo()
    notices_subscriber.catch_up(hall.ctx)
    got = [(n.kind, n.ticket_id) for n in _notices(hall)][len(before) :]
    assert sorted(got) == sorted(
        [
            ("called", second["id"]),  # still at the window: told of its call
            ("near", tickets[3]["id"]),  # two ahead now
            ("rate", first["id"]),  # the visit that ended
        ]
    )
    n = len(_notices(hall))
    notices_subscriber.catch_up(hall.ctx)  # a second start stores nothing twice
    assert len(_notices(hall)) == n


def test_one_address_cannot_flood_the_opt_in(hall: Hall) -> None:
    """The opt-in is public (the ticket's id is on its paper): it spends the public-write budget."""
    hall.app.config["RATE_LIMIT_PUBLIC_WRITES"] = 2
    t = _issue(hall, "A")
    url = f"{API}/public/tickets/{t['public_id']}/notify"
    assert hall.client().post(url, json={"phone": PHONE}).status_code == 200
    assert hall.client().post(url, json={"phone": "13900001111"}).status_code == 200
    r = hall.client().post(url, json={"phone": PHONE})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "rate_limited"
    assert r.headers.get("Retry-After")
