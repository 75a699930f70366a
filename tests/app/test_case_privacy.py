"""The applicant is masked on every staff answer; 显示完整信息 shows them in full to those who may work
on the case, writes each reveal to the audit log and keeps the data itself out of every log and export
(on SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.app.casekit import accept, add_promised_item
from tests.app.ratingkit import phone, visit
from tests.conftest import Hall

NAME, PHONE = "张小明", "13812345678"


def _reveal(hall: Hall, who: str, case_id: int) -> Any:
    return hall.client(who).post(f"/api/v1/cases/{case_id}/reveal")


def _audit(hall: Hall, action: str) -> list[dict[str, Any]]:
    r = hall.client("super").get(f"/api/v1/audit?action={action}")
    assert r.status_code == 200, r.get_json()
    return list(r.get_json()["items"])


def test_a_clerk_of_the_item_reveals_the_applicant_and_the_audit_log_says_who_and_which_case(
    hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    add_promised_item(hall)
    case = accept(hall, name=NAME, phone=PHONE)["case"]
    # the case as its own clerk reads it: masked, with the reveal offered
    got = hall.client("clerk1").get(f"/api/v1/cases/{case['id']}").get_json()
    assert got["applicant"] == {"name": "张*明", "phone": "138****5678"} and got["can_reveal"]
    moved = hall.client("clerk1").post(f"/api/v1/cases/{case['id']}/review", json={})
    assert moved.status_code == 200 and moved.get_json()["applicant"]["phone"] == "138****5678"
    assert _audit(hall, "reveal_case_applicant") == []  # reading the case reveals nothing

    caplog.set_level(logging.DEBUG)
    r = _reveal(hall, "clerk1", case["id"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {
        "id": case["id"],
        "number": case["number"],
        "applicant": {"name": NAME, "phone": PHONE},
    }
    assert r.headers["Cache-Control"] == "no-store"
    # the comprehensive window that delivers it and a supervisor may too
    assert _reveal(hall, "clerk3", case["id"]).status_code == 200
    assert _reveal(hall, "super", case["id"]).get_json()["applicant"]["phone"] == PHONE

    rows = _audit(hall, "reveal_case_applicant")
    assert [(a["actor_name"], a["status"], a["target"]) for a in rows] == [
        ("super", 200, f"case_id={case['id']}"),
        ("clerk3", 200, f"case_id={case['id']}"),
        ("clerk1", 200, f"case_id={case['id']}"),
    ]
    assert rows[-1]["actor_id"] == hall.ids["clerk1"] and rows[-1]["local"].startswith(
        "2026-11-30 "
    )
    assert rows[-1]["path"] == f"/api/v1/cases/{case['id']}/reveal"
    # the record says who looked, never what they saw
    whole = str(_audit(hall, "reveal_case_applicant")) + str(
        hall.client("super").get("/api/v1/audit?limit=1000").get_json()
    )
    assert PHONE not in whole and NAME not in whole
    assert PHONE not in caplog.text and NAME not in caplog.text
    csv = hall.client("super").get("/api/v1/audit?format=csv&lang=en").get_data(as_text=True)
    assert "Show applicant in full" in csv and PHONE not in csv


def test_a_clerk_without_rights_on_the_case_cannot_reveal_and_the_refusal_is_audited(
    hall: Hall,
) -> None:
    add_promised_item(hall)
    case = accept(hall, name=NAME, phone=PHONE)["case"]
    # window 2 (人社) neither serves the item nor is the first-ask or a comprehensive window
    got = hall.client("clerk2").get(f"/api/v1/cases/{case['id']}").get_json()
    assert got["applicant"] == {"name": "张*明", "phone": "138****5678"}
    assert got["can_reveal"] is False
    r = _reveal(hall, "clerk2", case["id"])
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert PHONE not in r.get_data(as_text=True) and NAME not in r.get_data(as_text=True)
    assert [(a["actor_name"], a["status"]) for a in _audit(hall, "reveal_case_applicant")] == [
        ("clerk2", 403)
    ]
    # devices and strangers: no
    assert hall.client("kiosk").post(f"/api/v1/cases/{case['id']}/reveal").status_code == 403
    assert hall.app.test_client().post(f"/api/v1/cases/{case['id']}/reveal").status_code == 401
    assert _reveal(hall, "clerk1", 999999).status_code == 404
    # every list keeps it masked, whoever reads it
    for who in ("clerk1", "super"):
        listed = hall.client(who).get("/api/v1/cases").get_json()["items"]
        assert PHONE not in str(listed) and NAME not in str(listed)


def test_exports_audit_details_and_logs_carry_no_full_phone_however_it_is_written(
    hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spaced, dashed, landline = "139 1234 8765", "137-2222-3333", "010-6512 3456"
    # a visitor writes their number into a bad rating's reason
    t = visit(hall)
    r = phone(hall, t, {"level": 1, "reason": f"请回电 {spaced}"})
    assert r.status_code == 201, r.get_json()
    sup = hall.client("super")
    rated = sup.get("/api/v1/reports/bad-ratings?from=2026-11-30&to=2026-11-30").get_json()
    assert rated["items"][0]["reason"] == "请回电 139****8765"
    for fmt in ("csv", "xlsx"):
        body = sup.get(f"/api/v1/reports/bad-ratings?from=2026-11-30&to=2026-11-30&format={fmt}")
        assert body.status_code == 200
        raw = body.get_data()
        if fmt == "xlsx":
            import io

            from openpyxl import load_workbook

            ws = load_workbook(io.BytesIO(raw)).active
            assert ws is not None
            raw = str(list(ws.values)).encode()
        text = raw.decode("utf-8-sig")
        assert "1234 8765" not in text and "139****8765" in text, fmt
    # calls registered by staff with a landline and a mobile written in groups: masked in the audit
    # rows too (by the field's name, whatever the number looks like)
    for number in (landline, dashed):
        r = sup.post(
            "/api/v1/complaints",
            json={
                "category": "complaint",
                "content": "窗口无人",
                "source": "call",
                "phone": number,
            },
        )
        assert r.status_code == 201, r.get_json()
    entered = [a["detail"]["body"]["phone"] for a in _audit(hall, "enter_complaint")]
    assert entered == ["137****3333", "*******3456"]
    listed = sup.get("/api/v1/complaints").get_json()["items"]
    assert "2222" not in str(listed) and "6512" not in str(listed)
    logging.getLogger("server.test").warning("caller left %s and %s", spaced, dashed)
    assert "1234 8765" not in caplog.text and "2222-3333" not in caplog.text
    assert "139****8765" in caplog.text and "137****3333" in caplog.text
