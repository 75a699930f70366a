"""The notices outbox (issue 19) on SQLite and PostgreSQL, against a local gateway simulator:
stored before sending, opt-in only, retried with backoff, claimed once, masked for staff and logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from hardware.gateway_sim import GatewaySimulator
from server.services.notices import notices
from server.services.notices.notice_channels import SmsGateway, Webhook, WeChatTemplate
from server.storage.models import Notice
from tests.conftest import Hall

API = "/api/v1"
PHONE = "13812345678"


@pytest.fixture
def gateway() -> Iterator[GatewaySimulator]:
    sim = GatewaySimulator().start()
    yield sim
    sim.stop()


def _setup(hall: Hall) -> None:
    r = hall.client("admin").put(
        f"{API}/booking-rules/{hall.ids['A']}",
        json={"periods": [["09:00", "11:30"]], "slot_min": 30, "capacity": 5},
    )
    assert r.status_code == 200


def _book(hall: Hall, start: str, phone: str = PHONE, notify: bool = True) -> str:
    r = hall.client().post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "start": start,
            "name": "张小明",
            "phone": phone,
            "notify": notify,
        },
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["code"])


def _notices(hall: Hall) -> list[Any]:
    """The outbox rows as plain records (read in their own transaction)."""
    with hall.ctx.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(Notice).order_by(Notice.id)))
        return [
            SimpleNamespace(**{c.key: getattr(n, c.key) for c in Notice.__table__.columns})
            for n in rows
        ]


def test_only_opted_in_bookings_get_notices_and_each_reaches_the_gateway_once(
    hall: Hall, gateway: GatewaySimulator, caplog: pytest.LogCaptureFixture
) -> None:
    _setup(hall)
    code = _book(hall, "2026-11-30T09:30:00+08:00")
    _book(hall, "2026-11-30T10:00:00+08:00", phone="13900000000", notify=False)
    rows = _notices(hall)
    assert [(n.kind, n.channel, n.state) for n in rows] == [
        ("booked", "sms", "queued")
    ]  # stored before sending
    sms = {
        "sms": SmsGateway(
            gateway.url + "/sms",
            '{"mobile": "{phone}", "content": "{text}", "msg_id": "{id}", "sign": "新林政务"}',
        )
    }
    with caplog.at_level(logging.INFO):
        assert notices.deliver_due(hall.ctx, sms) == 1
        assert notices.deliver_due(hall.ctx, sms) == 0  # sent is sent
    assert len(gateway.received) == 1
    body = gateway.received[0]["body"]
    assert body["mobile"] == PHONE and body["sign"] == "新林政务" and code in body["content"]
    assert body["msg_id"] == "booked:" + str(rows[0].appointment_id)
    assert PHONE not in caplog.text and "138****5678" in caplog.text  # masked in every log line
    # staff see it on the ticket once the booking is checked in, the recipient masked
    kiosk = hall.client("kiosk")
    for _ in range(3):  # three walk-ins came first
        assert kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]}).status_code == 201
    hall.clock.advance(minutes=10)  # 09:10: checks in; the slot's call window opens at 09:20
    t = kiosk.post(f"{API}/appointments/check-in", json={"code": code}).get_json()
    items = hall.client("clerk1").get(f"{API}/notices?ticket={t['id']}").get_json()["items"]
    assert [
        (n["kind"], n["channel"], n["state"], n["attempts"], n["recipient"]) for n in items
    ] == [("booked", "sms", "sent", 1, "138****5678")]
    # a window calls the first walk-in: two are ahead now, and the visitor is told so, once
    clerk = hall.client("clerk1")
    assert clerk.post(f"{API}/windows/{hall.ids['w1']}/open", json={}).status_code == 200
    assert clerk.post(f"{API}/windows/{hall.ids['w1']}/call-next", json={}).status_code == 200
    items = clerk.get(f"{API}/notices?ticket={t['id']}").get_json()["items"]
    assert [(n["kind"], n["state"]) for n in items] == [("booked", "sent"), ("near", "queued")]
    assert "前面还有2人" in items[1]["text"]
    assert PHONE not in json.dumps(items)
    assert hall.client("kiosk").get(f"{API}/notices?ticket={t['id']}").status_code == 403


def test_a_failed_send_is_retried_with_backoff_then_given_up(
    hall: Hall, gateway: GatewaySimulator
) -> None:
    _setup(hall)
    _book(hall, "2026-11-30T09:30:00+08:00")
    sms = {"sms": SmsGateway(gateway.url)}
    gateway.fail_next = [503, 503]
    assert notices.deliver_due(hall.ctx, sms) == 0
    n = _notices(hall)[0]
    assert (n.state, n.attempts, n.last_error) == ("queued", 1, "HTTP 503")
    assert n.next_at == hall.clock.now() + timedelta(seconds=10)
    assert notices.deliver_due(hall.ctx, sms) == 0 and len(gateway.received) == 1  # not due yet
    hall.clock.advance(seconds=10)
    assert notices.deliver_due(hall.ctx, sms) == 0
    n = _notices(hall)[0]
    assert n.attempts == 2 and n.next_at == hall.clock.now() + timedelta(seconds=20)
    hall.clock.advance(seconds=20)
    assert notices.deliver_due(hall.ctx, sms) == 1
    n = _notices(hall)[0]
    assert (n.state, n.attempts) == ("sent", 3) and [e["ok"] for e in n.log] == [False, False, True]
    # a refusal (4xx) is final
    _book(hall, "2026-11-30T10:00:00+08:00", phone="13900000001")
    gateway.fail_next = [400]
    notices.deliver_due(hall.ctx, sms)
    assert _notices(hall)[1].state == "failed"


def test_a_notice_is_claimed_once_and_a_lapsed_claim_resends_with_the_same_key(
    hall: Hall, gateway: GatewaySimulator
) -> None:
    _setup(hall)
    _book(hall, "2026-11-30T09:30:00+08:00")
    nid = _notices(hall)[0].id
    now = hall.clock.now()
    with hall.ctx.uow() as uow:
        assert notices._claim(uow.session, nid, now, "worker-a")
        assert not notices._claim(uow.session, nid, now, "worker-b")  # compare-and-set: one winner
        uow.commit()
    # worker-a died after claiming (SIGKILL): nothing is sent while its claim holds …
    sms = {"sms": SmsGateway(gateway.url)}
    assert notices.deliver_due(hall.ctx, sms) == 0 and gateway.received == []
    hall.clock.advance(seconds=61)  # … and once it lapses the notice goes out, with its own key
    assert notices.deliver_due(hall.ctx, sms) == 1
    assert [e["headers"]["Idempotency-Key"] for e in gateway.received] == [_notices(hall)[0].key]


def test_called_and_near_turn_notices_follow_the_committed_queue(
    hall: Hall, gateway: GatewaySimulator
) -> None:
    _setup(hall)
    code = _book(hall, "2026-11-30T09:30:00+08:00")
    kiosk = hall.client("kiosk")
    for _ in range(4):
        kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]})
    hall.clock.advance(minutes=25)  # 09:25
    t = kiosk.post(f"{API}/appointments/check-in", json={"code": code}).get_json()
    assert (
        hall.client("clerk1").post(f"{API}/windows/{hall.ids['w1']}/open", json={}).status_code
        == 200
    )
    called = (
        hall.client("clerk1").post(f"{API}/windows/{hall.ids['w1']}/call-next", json={}).get_json()
    )
    assert called["id"] == t["id"]  # booked, in its slot: first
    kinds = [(n.kind, n.ticket_id) for n in _notices(hall)]
    assert ("called", t["id"]) in kinds
    notices.deliver_due(hall.ctx, {"sms": SmsGateway(gateway.url)})
    texts = [e["body"]["text"] for e in gateway.received]
    assert any(f"请{t['number']}号到1号窗口办理" in x for x in texts)
    # after the visit: an invitation to rate it, with the ticket's own page
    clerk = hall.client("clerk1")
    assert clerk.post(f"{API}/tickets/{t['id']}/start", json={}).status_code == 200
    assert clerk.post(f"{API}/tickets/{t['id']}/finish", json={}).status_code == 200
    rate = [n for n in _notices(hall) if n.kind == "rate"]
    assert len(rate) == 1 and f"/t/{t['public_id']}" in rate[0].payload["text"]
    assert [n.kind for n in _notices(hall)].count(
        "called"
    ) == 1  # one per call, however many events


def test_webhook_is_signed_and_wechat_posts_a_template_message(gateway: GatewaySimulator) -> None:
    out = Webhook("s3cret").send(
        "called:7:0", gateway.url + "/hook", "请A001号到1号窗口办理", {"kind": "called"}
    )
    assert out.ok
    got = gateway.received[-1]
    expected = "sha256=" + hmac.new(b"s3cret", got["raw"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Queuehall-Signature"] == expected and got["body"]["kind"] == "called"
    wx = WeChatTemplate(gateway.url + "/cgi-bin/message/template/send?access_token=T", "TPL1")
    assert wx.send("near:8", "oOPENID", "前面还有2人", {"number": "A002"}).ok
    body: dict[str, Any] = gateway.received[-1]["body"]
    assert body["touser"] == "oOPENID" and body["template_id"] == "TPL1"
    assert body["data"]["keyword1"]["value"] == "A002"
