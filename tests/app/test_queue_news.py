"""Merged `queue.changed` (services/queue/queue_news.py): a merged change takes no `seq`, the trailing send
takes the next one and reads the counts after every change it covers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from server.storage.models import Site
from tests.conftest import Hall


def site_seq(h: Hall) -> int:
    with h.ctx.uow(write=False) as uow:
        return int(uow.session.scalar(select(Site.seq)))


def test_changes_inside_the_interval_take_no_seq_and_one_send_covers_them(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hall
    news = h.ctx.queue_news
    news.every_s = 3600.0  # nothing leads again in this test: only the trailing send reports
    scheduled: list[tuple[int, float]] = []
    monkeypatch.setattr(news, "_start", lambda site_id, delay: scheduled.append((site_id, delay)))
    rt = h.app.extensions["queuehall.realtime"]
    screen = rt.sio.test_client(h.app, auth={"token": h.tokens["display"]})
    seq0 = screen.get_received()[0]["args"][0]["seq"]
    kiosk = h.client("kiosk")
    assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]}).status_code == 201
    first = screen.get_received()
    assert [m["name"] for m in first] == ["queue.changed"]  # a quiet hall hears the change at once
    assert first[0]["args"][0]["seq"] == seq0 + 1
    for _ in range(4):
        assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]}).status_code == 201
    assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["B"]}).status_code == 201
    assert screen.get_received() == []  # merged: nothing sent yet...
    assert site_seq(h) == seq0 + 1  # ...and no number taken for it
    site_id = scheduled[0][0]
    assert [s for s, _ in scheduled] == [site_id]  # one send scheduled for the burst
    news._send(site_id)  # the timer fires
    got: list[dict[str, Any]] = [m["args"][0] for m in screen.get_received()]
    assert len(got) == 1 and got[0]["seq"] == seq0 + 2  # the next number: no gap
    assert got[0]["waiting"][str(h.ids["A"])] == 5 and got[0]["waiting"][str(h.ids["B"])] == 1
    assert site_seq(h) == seq0 + 2
    assert [s for s, _ in scheduled] == [site_id]  # nothing changed since: no further send


def test_a_change_during_a_send_is_followed_by_another(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hall
    news = h.ctx.queue_news
    news.every_s = 3600.0
    scheduled: list[int] = []
    monkeypatch.setattr(news, "_start", lambda site_id, delay: scheduled.append(site_id))
    kiosk = h.client("kiosk")
    kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]})  # leads
    kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]})  # merged
    assert len(scheduled) == 1
    real_uow = h.ctx.uow

    def uow_with_a_change_meanwhile(write: bool = True) -> Any:
        # a kiosk's change commits while the send is under way
        monkeypatch.setattr(h.ctx, "uow", real_uow)
        assert kiosk.post("/api/v1/tickets", json={"service_id": h.ids["A"]}).status_code == 201
        return real_uow(write)

    monkeypatch.setattr(h.ctx, "uow", uow_with_a_change_meanwhile)
    news._send(scheduled[0])
    assert len(scheduled) == 2  # the change is not lost: another send follows


def test_one_sender_makes_every_scheduled_send_and_leaves_when_idle(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scheduling never starts a thread per send (under gevent, starting one parked the committing
    request behind every ready greenlet); one sender makes the sends, then leaves when idle."""
    import threading

    h = hall
    news = h.ctx.queue_news
    news.every_s = 3600.0
    news.IDLE_S = 0.2
    done = threading.Event()
    sent: list[int] = []

    def send(site_id: int) -> None:
        sent.append(site_id)
        if len(sent) == 3:
            done.set()

    monkeypatch.setattr(news, "_send", send)
    from server.services.queue import queue_news

    started: list[threading.Thread] = []

    class Counted(threading.Thread):
        def start(self) -> None:
            started.append(self)
            super().start()

    # the module's threads only (other halls of this process have senders of their own)
    monkeypatch.setattr(
        queue_news, "threading", SimpleNamespace(Thread=Counted, Lock=threading.Lock)
    )
    for site_id in (7, 8, 9):
        news._start(site_id, 0.0)
    assert done.wait(30)
    assert sorted(sent) == [7, 8, 9]
    assert len(started) == 1  # one sender for the three sends
    started[0].join(30)  # idle for IDLE_S: it leaves
    assert not started[0].is_alive()
    done.clear()
    sent.clear()
    for site_id in (1, 2, 3):  # a later burst starts a new one
        news._start(site_id, 0.0)
    assert done.wait(30) and sorted(sent) == [1, 2, 3]
    assert len(started) == 2 and started[1] is not started[0]
