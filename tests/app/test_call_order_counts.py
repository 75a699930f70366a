"""Issuing places a new ticket from counts (call_order.new_ticket_ahead) instead of replaying each
window's calls: on random queues of a real hall its answer is the replay's (call_order.ahead), for
the new ticket and for every other waiting ticket, with transfers and bookings falling back to it."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select, update

from server.services.queue import call_order
from server.storage.models import Service, Site, Ticket, Window, WindowService
from tests.conftest import Hall

API = "/api/v1"


def _post(hall: Hall, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return hall.client(who).post(f"{API}{path}", json=body or {})


def _compare(hall: Hall) -> int:
    """Every waiting ticket's people-ahead both ways; how many tickets were compared."""
    with hall.ctx.uow(write=False) as uow:
        s = uow.session
        waiting = s.scalars(select(Ticket).where(Ticket.state == "waiting")).all()
        for t in waiting:
            replay = call_order.ahead(s, t)
            assert call_order.new_ticket_ahead(s, t) == replay, (t.number, t.priority)
        return len(waiting)


def test_counted_people_ahead_equal_the_replayed_call_order(hall: Hall) -> None:
    rng = random.Random(2)
    items = ["A", "B", "C"]
    with hall.ctx.uow() as uow:  # a short priority ratio and varied weights make the orders mix
        uow.session.execute(update(Site).values(priority_ratio=2))
        uow.session.execute(update(Service).values(daily_cap=None))
        for ws in uow.session.scalars(select(WindowService)):
            ws.weight = rng.choice([1, 2, 5, 8])
        uow.commit()
    for n in (1, 2, 3):
        assert _post(hall, f"clerk{n}", f"/windows/{hall.ids[f'w{n}']}/open").status_code == 200
    compared = 0
    for step in range(60):
        item = rng.choice(items)
        priority = rng.choices(["normal", "priority", "green"], weights=[6, 2, 1])[0]
        who = "kiosk" if priority == "normal" else "clerk1"
        r = _post(hall, who, "/tickets", {"service_id": hall.ids[item], "priority": priority})
        assert r.status_code == 201, r.get_json()
        new = r.get_json()
        with hall.ctx.uow(write=False) as uow:
            t = uow.session.get_one(Ticket, new["id"])
            assert new["waiting_ahead"] == call_order.ahead(uow.session, t), (step, new)
        if rng.random() < 0.5:
            hall.clock.advance(seconds=rng.randint(1, 30))  # else the next ticket shares the time
        if step % 7 == 6:  # a call moves a window's priority streak
            n = rng.choice([1, 2, 3])
            _post(hall, f"clerk{n}", f"/windows/{hall.ids[f'w{n}']}/call-next")
            with hall.ctx.uow() as uow:
                for w in uow.session.scalars(select(Window)):
                    w.priority_streak = rng.randint(0, 3)
                uow.commit()
        if step == 40:  # a window closes: the others serve its items
            _post(hall, "clerk3", f"/windows/{hall.ids['w3']}/close")
        if step % 10 == 9:
            compared += _compare(hall)
    # a ticket sent to a window: its windows' orders are replayed
    called = _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/call-next").get_json()
    moved = _post(
        hall, "clerk2", f"/tickets/{called['id']}/transfer", {"window_id": hall.ids["w1"]}
    )
    assert moved.status_code == 200, moved.get_json()
    r = _post(hall, "kiosk", "/tickets", {"service_id": hall.ids[rng.choice(items)]})
    with hall.ctx.uow(write=False) as uow:
        t = uow.session.get_one(Ticket, r.get_json()["id"])
        assert r.get_json()["waiting_ahead"] == call_order.ahead(uow.session, t)
    compared += _compare(hall)
    assert compared > 150
