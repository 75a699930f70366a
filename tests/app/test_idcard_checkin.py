"""预约取号 by ID card (issue 19) on SQLite and PostgreSQL: a reader agent signed in as the kiosk
sends the card; only that kiosk's page gets it, masked, with a signed card; check-in with the card
gives the booked ticket. The number is never stored, answered or shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import Hall

API = "/api/v1"
ID = "11010519491231002X"


def _socket(hall: Hall, who: str) -> Any:
    sio = hall.app.extensions["queuehall.realtime"].sio
    return sio.test_client(hall.app, auth={"token": hall.tokens[who]})


def test_check_in_by_swiping_the_id_card(hall: Hall) -> None:
    admin = hall.client("admin")
    r = admin.put(
        f"{API}/booking-rules/{hall.ids['A']}",
        json={"periods": [["09:00", "11:30"]], "capacity": 3},
    )
    assert r.status_code == 200
    booked = hall.client().post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "start": "2026-11-30T09:30:00+08:00",
            "name": "张小明",
            "phone": "13812345678",
            "id_number": ID,
        },
    )
    assert booked.status_code == 201 and ID not in booked.get_data(as_text=True)
    bad = hall.client().post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "start": "2026-11-30T09:30:00+08:00",
            "name": "李四",
            "phone": "13812345679",
            "id_number": "110105194912310021",
        },
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "id_number"
    with hall.ctx.uow(write=False) as uow:
        stored = " ".join(
            str(x) for row in uow.session.execute(text("SELECT * FROM appointments")) for x in row
        )
    assert ID not in stored and ID[:-1] not in stored  # only the keyed digest

    page, display, agent = _socket(hall, "kiosk"), _socket(hall, "display"), _socket(hall, "kiosk")
    page.get_received(), display.get_received()
    ack = agent.emit("idcard.read", {"name": "张小明", "number": ID}, callback=True)
    assert ack == {"ok": True, "number": "110105********002X"}
    got = [m for m in page.get_received() if m["name"] == "idcard.card"]
    assert len(got) == 1
    card = got[0]["args"][0]
    assert (
        card["name"] == "张*明" and card["number"] == "110105********002X" and ID not in str(card)
    )
    assert not [
        m for m in display.get_received() if m["name"] == "idcard.card"
    ]  # only its own kiosk
    assert display.emit("idcard.read", {"name": "x", "number": ID}, callback=True)["ok"] is False
    assert (
        agent.emit("idcard.read", {"name": "x", "number": "110105194912310021"}, callback=True)[
            "ok"
        ]
        is False
    )

    hall.clock.advance(minutes=10)
    r = hall.client("kiosk").post(f"{API}/appointments/check-in", json={"card": card["card"]})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["appointment"]["code"] == booked.get_json()["code"]
    forged = hall.client("kiosk").post(
        f"{API}/appointments/check-in", json={"card": card["card"] + "x"}
    )
    assert forged.status_code == 422 and forged.get_json()["error"]["field"] == "card"
    again = hall.client("kiosk").post(f"{API}/appointments/check-in", json={"card": card["card"]})
    assert again.status_code == 404  # today's booking of this card is checked in already
    for c in (page, display, agent):
        c.disconnect()
