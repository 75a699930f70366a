"""API.md through the Flask test client: shapes, status codes, errors and permissions."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import Hall


def err(resp) -> str:  # noqa: ANN001
    body = resp.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return str(body["error"]["code"])


def test_public_lists_are_open_and_have_the_contract_fields(hall: Hall) -> None:
    c = hall.client()
    deps = c.get("/api/v1/departments").get_json()["items"]
    assert {"id", "name"} <= set(deps[0])
    items = c.get("/api/v1/services").get_json()["items"]
    a = next(s for s in items if s["prefix"] == "A")
    assert {"id", "code", "name", "prefix", "department", "waiting"} <= set(a)
    assert set(a["department"]) >= {"id", "name"} and a["waiting"] == 0
    assert c.get("/api/v1/openapi.json").status_code == 200


def test_issuing_answers_201_with_the_ticket(hall: Hall) -> None:
    r = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 201
    t = r.get_json()
    assert t["number"] == "A001" and t["state"] == "waiting" and t["service_id"] == hall.ids["A"]
    assert (
        t["waiting_ahead"] == 0 and t["issued_at"].endswith("+00:00") and t["print_state"] is None
    )
    assert hall.client().get("/api/v1/services").get_json()["items"][0]["waiting"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"service_id": 1,', 400, "bad_json"),
        ('{"service_id": "abc"}', 422, "invalid_input"),
        ("{}", 422, "invalid_input"),
        ('{"service_id": 1, "priority": "vip"}', 422, "invalid_input"),
        ("[1, 2]", 422, "invalid_input"),
    ],
)
def test_bad_input_gets_a_clear_error_and_issues_nothing(
    hall: Hall, body: str, status: int, code: str
) -> None:
    r = hall.client("kiosk").post("/api/v1/tickets", data=body, content_type="application/json")
    assert r.status_code == status and err(r) == code
    if code == "invalid_input":
        assert r.get_json()["error"].get("field")
    assert hall.client().get("/api/v1/services").get_json()["items"][0]["waiting"] == 0


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded"])
def test_malformed_json_is_400_whatever_the_content_type(
    hall: Hall, content_type: str | None
) -> None:
    k = hall.client("kiosk")
    r = k.post("/api/v1/tickets", data='{"service_id": 1,', content_type=content_type)
    assert r.status_code == 400 and err(r) == "bad_json"
    ok = k.post(
        "/api/v1/tickets", data=json.dumps({"service_id": hall.ids["A"]}), content_type=content_type
    )
    assert (
        ok.status_code == 415 and err(ok) == "unsupported_media_type"
    )  # valid JSON, but say what it is
    assert hall.client().get("/api/v1/services").get_json()["items"][0]["waiting"] == 0


def test_an_action_without_a_body_refuses_malformed_json_and_changes_nothing(hall: Hall) -> None:
    hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    c = hall.client("clerk1")
    w1 = hall.ids["w1"]
    c.post(f"/api/v1/windows/{w1}/open")
    r = c.post(f"/api/v1/windows/{w1}/call-next", data="{bad", content_type="application/json")
    assert r.status_code == 400 and err(r) == "bad_json"
    assert (
        hall.client().get("/api/v1/services").get_json()["items"][0]["waiting"] == 1
    )  # nobody was called
    t = c.post(
        f"/api/v1/windows/{w1}/call-next", data="{}", content_type="application/json"
    ).get_json()
    r = c.post(f"/api/v1/tickets/{t['id']}/start", data="{bad", content_type="application/json")
    assert r.status_code == 400 and err(r) == "bad_json"
    assert c.get(f"/api/v1/tickets/{t['id']}").get_json()["state"] == "called"


def test_open_lists_and_sign_in_ignore_a_stale_token(hall: Hall) -> None:
    stale = hall.app.test_client()
    stale.environ_base["HTTP_AUTHORIZATION"] = "Bearer qhs_revoked-or-expired"
    for path in ("/api/v1/departments", "/api/v1/services", "/api/v1/openapi.json"):
        assert stale.get(path).status_code == 200, path
    assert stale.get("/api/v1/windows").status_code == 401  # a staff read still needs a real token
    r = stale.post(
        "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
    )
    assert r.status_code == 200 and r.get_json()["access_token"]


def test_unknown_ids_are_404(hall: Hall) -> None:
    k = hall.client("kiosk")
    assert err(k.post("/api/v1/tickets", json={"service_id": 9999})) == "not_found"
    assert k.get("/api/v1/tickets/9999").status_code == 404
    assert hall.client("clerk1").post("/api/v1/windows/9999/call-next").status_code == 404


def test_without_credentials_state_changes_and_staff_reads_are_401(hall: Hall) -> None:
    c = hall.client()
    for method, path in [
        ("post", "/api/v1/tickets"),
        ("get", "/api/v1/windows"),
        ("get", "/api/v1/snapshot"),
        ("post", f"/api/v1/windows/{hall.ids['w1']}/call-next"),
        ("get", "/api/v1/tickets/1"),
        ("post", "/api/v1/departments"),
        ("get", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30"),
    ]:
        r = getattr(c, method)(path, json={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert err(r) == "unauthorized"
    bad = hall.app.test_client()
    bad.environ_base["HTTP_AUTHORIZATION"] = "Bearer qhd_not-a-real-token"
    assert bad.get("/api/v1/windows").status_code == 401


def test_wrong_role_or_window_is_403(hall: Hall) -> None:
    assert (
        hall.client("display")
        .post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
        .status_code
        == 403
    )
    # clerk2 is not assigned to window 1
    assert err(hall.client("clerk2").post(f"/api/v1/windows/{hall.ids['w1']}/open")) == "forbidden"
    hall.client("clerk1").post(f"/api/v1/windows/{hall.ids['w1']}/open")
    assert (
        hall.client("clerk2").post(f"/api/v1/windows/{hall.ids['w1']}/call-next").status_code == 403
    )
    for who in ("clerk1", "super", "kiosk"):
        assert hall.client(who).post("/api/v1/departments", json={"name": "x"}).status_code == 403
    assert (
        hall.client("clerk1")
        .get("/api/v1/reports/summary?from=2026-11-01&to=2026-11-30")
        .status_code
        == 403
    )


def visit(hall: Hall, clerk: str = "clerk1", window: str = "w1", item: str = "A") -> dict:
    hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids[item]})
    c = hall.client(clerk)
    c.post(f"/api/v1/windows/{hall.ids[window]}/open")
    t = c.post(f"/api/v1/windows/{hall.ids[window]}/call-next").get_json()
    return t


def test_call_next_finish_and_the_errors_of_the_life_cycle(hall: Hall) -> None:
    c = hall.client("clerk1")
    w1 = hall.ids["w1"]
    c.post(f"/api/v1/windows/{w1}/open")
    r = c.post(f"/api/v1/windows/{w1}/call-next")
    assert r.status_code == 404 and err(r) == "queue_empty"
    hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    t = c.post(f"/api/v1/windows/{w1}/call-next").get_json()
    assert t["state"] == "called" and t["window_id"] == w1
    assert err(c.post(f"/api/v1/windows/{w1}/call-next")) == "window_busy"
    r = c.post(f"/api/v1/tickets/{t['id']}/finish")
    assert r.status_code == 409 and err(r) == "invalid_transition"
    assert c.post(f"/api/v1/tickets/{t['id']}/recall").get_json()["recall_count"] == 1
    assert c.post(f"/api/v1/tickets/{t['id']}/start").get_json()["state"] == "serving"
    r = c.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "refused"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "reason"
    assert (
        c.get(f"/api/v1/tickets/{t['id']}").get_json()["state"] == "serving"
    )  # nothing half-written
    done = c.post(
        f"/api/v1/tickets/{t['id']}/finish",
        json={"outcome": "refused", "reason": "不属于本窗口受理范围"},
    )
    assert done.get_json()["state"] == "done" and done.get_json()["outcome"] == "refused"


def test_transfer_by_item_or_window_over_http(hall: Hall) -> None:
    t = visit(hall)
    c = hall.client("clerk1")
    r = c.post(f"/api/v1/tickets/{t['id']}/transfer", json={"service_id": hall.ids["B"]})
    assert r.status_code == 200
    moved = r.get_json()
    assert (
        moved["state"] == "waiting"
        and moved["number"] == t["number"]
        and moved["service_id"] == hall.ids["B"]
    )
    assert moved["first_window_id"] == hall.ids["w1"]
    assert c.post(f"/api/v1/tickets/{t['id']}/transfer", json={}).status_code == 422


def test_windows_list_and_pause_with_a_reason(hall: Hall) -> None:
    c = hall.client("clerk1")
    w1 = hall.ids["w1"]
    c.post(f"/api/v1/windows/{w1}/open")
    assert c.post(f"/api/v1/windows/{w1}/pause", json={"reason": "nap"}).status_code == 422
    w = c.post(f"/api/v1/windows/{w1}/pause", json={"reason": "lunch"}).get_json()
    assert w["state"] == "paused" and w["pause_reason"] == "lunch"
    assert err(c.post(f"/api/v1/windows/{w1}/call-next")) == "window_not_open"
    items = hall.client("display").get("/api/v1/windows").get_json()["items"]
    first = next(i for i in items if i["id"] == w1)
    assert {"id", "number", "name", "service_ids", "state"} <= set(first) and first[
        "state"
    ] == "paused"
    assert first["staff"]["name"] == "clerk1"


def test_evaluation_once_per_ticket_with_reasons_for_bad_ratings(hall: Hall) -> None:
    t = visit(hall)
    c = hall.client("clerk1")
    ev = hall.client("eval1")
    assert (
        ev.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 5}).status_code == 409
    )  # not finished
    c.post(f"/api/v1/tickets/{t['id']}/start")
    c.post(f"/api/v1/tickets/{t['id']}/finish")
    assert (
        c.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 5}).status_code == 403
    )  # not from the clerk
    assert (
        hall.client("eval2")
        .post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 5})
        .status_code
        == 403
    )
    r = ev.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 2})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "reason"
    assert ev.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 6}).status_code == 422
    r = ev.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 2, "reason": "等候时间长"})
    assert r.status_code == 201
    r = ev.post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 5})
    assert r.status_code == 409 and err(r) == "already_evaluated"


def test_login_gives_a_token_and_a_wrong_password_does_not(hall: Hall) -> None:
    c = hall.app.test_client()
    r = c.post("/api/v1/auth/login", json={"username": "clerk1", "password": "wrong-password"})
    assert r.status_code == 401
    r = c.post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
    assert r.status_code == 200 and r.get_json()["access_token"].startswith("qhs_")
    # the session cookie works for reads; writes also need the CSRF header
    assert c.get("/api/v1/windows").status_code == 200
    assert c.post(f"/api/v1/windows/{hall.ids['w1']}/open").status_code == 403
    csrf = r.get_json()["csrf_token"]
    assert (
        c.post(f"/api/v1/windows/{hall.ids['w1']}/open", headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )


def test_repeated_wrong_passwords_lock_the_account(hall: Hall) -> None:
    c = hall.app.test_client()
    for _ in range(5):
        c.post("/api/v1/auth/login", json={"username": "clerk2", "password": "nope-nope-nope"})
    r = c.post("/api/v1/auth/login", json={"username": "clerk2", "password": "pw-clerk2-123456"})
    assert r.status_code == 429 and err(r) == "locked_out"


def test_admin_creates_a_service_with_only_department_name_and_prefix(hall: Hall) -> None:
    a = hall.client("admin")
    r = a.post(
        "/api/v1/services",
        json={"department_id": hall.ids["dept1"], "name": "食品经营许可", "prefix": "f"},
    )
    assert r.status_code == 201 and r.get_json()["prefix"] == "F"
    sid = r.get_json()["id"]
    assert (
        a.post(
            "/api/v1/services",
            json={"department_id": hall.ids["dept1"], "name": "x", "prefix": "E"},
        ).status_code
        == 422
    )
    assert a.patch(f"/api/v1/services/{sid}", json={"active": False}).get_json()["active"] is False
    assert all(s["id"] != sid for s in hall.client().get("/api/v1/services").get_json()["items"])
    assert a.delete(f"/api/v1/services/{sid}").status_code == 200
    r = a.delete(f"/api/v1/services/{sid}")
    assert r.status_code == 404


def test_device_token_is_shown_once_and_works(hall: Hall) -> None:
    a = hall.client("admin")
    r = a.post("/api/v1/devices", json={"name": "二楼取号机", "kind": "kiosk"})
    token = r.get_json()["token"]
    assert "token" not in a.get("/api/v1/devices").get_json()["items"][0]
    k = hall.app.test_client()
    k.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert k.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 201


def test_summary_report_counts_waits_and_satisfaction_and_exports(hall: Hall) -> None:
    for _ in range(2):
        t = visit(hall)
        c = hall.client("clerk1")
        c.post(f"/api/v1/tickets/{t['id']}/start")
        hall.clock.advance(minutes=10)
        c.post(f"/api/v1/tickets/{t['id']}/finish")
    hall.client("eval1").post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 5})
    s = hall.client("super")
    url = "/api/v1/reports/summary?from=2026-11-30&to=2026-11-30&by=service"
    rows = s.get(url).get_json()["items"]
    a = next(r for r in rows if r["key"] == hall.ids["A"])
    assert a["issued"] == 2 and a["served"] == 2 and a["service_avg_s"] == 600.0
    assert a["evaluations"] == 1 and a["satisfaction_rate"] == 1.0
    by_window = s.get(url.replace("by=service", "by=window")).get_json()["items"]
    assert by_window[0]["issued"] == 2 and by_window[0]["name"].startswith("1号")
    text = s.get(url + "&format=csv").data.decode("utf-8-sig")
    rows_csv = list(csv.DictReader(io.StringIO(text)))
    # issue 18: exports speak Chinese by default, times in minutes
    assert rows_csv[0]["取号/呼叫"] == "2" and rows_csv[0]["平均办理（分钟）"] == "10.0"
    english = list(
        csv.DictReader(io.StringIO(s.get(url + "&format=csv&lang=en").data.decode("utf-8-sig")))
    )
    assert english[0]["Issued/called"] == "2"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(s.get(url + "&format=xlsx").data))
    sheet = list(wb.active.values)
    assert sheet[0][0] == "编号" and sheet[1][2] == 2
    assert s.get("/api/v1/reports/summary?from=2026-11-30&to=2026-11-01").status_code == 422


def test_openapi_documents_every_route_with_its_schemas(hall: Hall) -> None:
    doc = hall.client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    post = doc["paths"]["/api/v1/tickets"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "IssueTicketIn"
    )
    assert "IssueTicketIn" in doc["components"]["schemas"]
    assert doc["paths"]["/api/v1/services"]["get"]["security"] == []
    assert "/api/v1/windows/{window_id}/call-next" in doc["paths"]
