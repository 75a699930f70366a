"""办件可领取 and the rating invitation (issue 19) on SQLite and PostgreSQL: a case that becomes ready
to collect texts the visitor who opted in (the ticket's opt-in, else the applicant who agreed at
受理), once, through the same outbox; a visit that ends invites its opted-in holder to rate it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from hardware.gateway_sim import GatewaySimulator
from server.services.notices import notices
from server.services.notices.notice_channels import SmsGateway
from server.storage.models import Notice
from tests.app.casekit import add_promised_item, post, serve
from tests.conftest import Hall


@pytest.fixture
def gateway() -> Iterator[GatewaySimulator]:
    sim = GatewaySimulator().start()
    yield sim
    sim.stop()


def _notices(hall: Hall) -> list[tuple[str, int | None, str, str]]:
    with hall.ctx.uow(write=False) as uow:
        return [
            (n.kind, n.ticket_id, n.recipient, n.payload["text"])
            for n in uow.session.scalars(select(Notice).order_by(Notice.id))
        ]


def _accept(hall: Hall, t: dict[str, Any], phone: str, notify: bool) -> dict[str, Any]:
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": "张小明", "phone": phone, "notify": notify}},
    )
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json()["case"])


def _ready(hall: Hall, case_id: int) -> None:
    assert post(hall, "clerk1", f"/cases/{case_id}/review").status_code == 200
    assert post(hall, "clerk1", f"/cases/{case_id}/approve").status_code == 200


def test_a_ready_case_texts_the_applicant_who_agreed_once(
    hall: Hall, gateway: GatewaySimulator, caplog: pytest.LogCaptureFixture
) -> None:
    add_promised_item(hall)
    agreed = _accept(hall, serve(hall), "13812345678", notify=True)
    silent = _accept(hall, serve(hall), "13900001111", notify=False)
    assert _notices(hall) == []  # 受理 itself tells nobody by text
    _ready(hall, agreed["id"])
    _ready(hall, silent["id"])
    got = _notices(hall)
    assert [(k, r) for k, _t, r, _x in got] == [("ready", "13812345678")]
    assert f"办件编号{agreed['number']}）已办结" in got[0][3] and "综合窗口领取" in got[0][3]
    # delivering it (送达) sends nothing more; the notice goes out once through the gateway
    assert post(hall, "clerk3", f"/windows/{hall.ids['w3']}/open").status_code == 200
    r = post(hall, "clerk3", f"/cases/{agreed['id']}/deliver", {"method": "window"})
    assert r.status_code == 200, r.get_json()
    assert len(_notices(hall)) == 1
    sms = {"sms": SmsGateway(gateway.url)}
    with caplog.at_level(logging.INFO):
        assert notices.deliver_due(hall.ctx, sms) == 1
        assert notices.deliver_due(hall.ctx, sms) == 0
    assert [m["body"]["phone"] for m in gateway.received] == ["13812345678"]
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text
    # staff see it on the ticket, masked
    items = hall.client("super").get(f"/api/v1/notices?ticket={got[0][1]}").get_json()["items"]
    assert [(n["kind"], n["state"], n["recipient"]) for n in items] == [
        ("ready", "sent", "138****5678")
    ]


def test_the_tickets_opt_in_wins_and_a_finished_visit_invites_a_rating(hall: Hall) -> None:
    add_promised_item(hall)
    # the visitor opted in on the kiosk's ticket screen with their own phone
    post(hall, "clerk1", f"/windows/{hall.ids['w1']}/open")
    t = post(hall, "kiosk", "/tickets", {"service_id": hall.ids["D"]}).get_json()
    r = post(hall, "kiosk", f"/tickets/{t['id']}/notify", {"phone": "13700002222"})
    assert r.status_code == 200, r.get_json()
    assert post(hall, "clerk1", f"/windows/{hall.ids['w1']}/call-next").get_json()["id"] == t["id"]
    assert post(hall, "clerk1", f"/tickets/{t['id']}/start").status_code == 200
    case = _accept(hall, t, "13812345678", notify=False)  # a company's contact on the form
    _ready(hall, case["id"])
    kinds = [(k, tid, r) for k, tid, r, _x in _notices(hall)]
    # near (0 ahead at opt-in), called, the rating invitation after the visit, then ready
    assert kinds == [
        ("near", t["id"], "13700002222"),
        ("called", t["id"], "13700002222"),
        ("rate", t["id"], "13700002222"),
        ("ready", t["id"], "13700002222"),
    ]
    rate = [x for k, _t, _r, x in _notices(hall) if k == "rate"][0]
    assert f"/t/{t['public_id']}" in rate and "欢迎对本次服务进行评价" in rate
    # a walk-in of an on-the-spot item who did not opt in hears nothing; one who did is invited
    quiet = serve(hall, service="A")
    assert (
        post(hall, "clerk1", f"/tickets/{quiet['id']}/finish", {"outcome": "done"}).status_code
        == 200
    )
    assert all(tid != quiet["id"] for _k, tid, _r, _x in _notices(hall))
