"""Oversight over HTTP: who may read reports, the audit trail of sign-ins, changes and ticket actions, pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import Hall

DAY = "2026-11-30"
REPORTS = [
    f"/api/v1/reports/summary?from={DAY}&to={DAY}&by=service",
    f"/api/v1/reports/table?from={DAY}&to={DAY}&by=department",
    f"/api/v1/reports/heatmap?from={DAY}&to={DAY}",
    f"/api/v1/reports/bad-ratings?from={DAY}&to={DAY}",
    f"/api/v1/reports/assessment?from={DAY}&to={DAY}&by=staff",
    "/api/v1/monitor",
    "/api/v1/alerts",
    "/api/v1/audit",
]


def test_clerks_and_devices_read_no_reports_and_strangers_must_sign_in(sqlite_hall: Hall) -> None:
    hall = sqlite_hall
    for path in REPORTS:
        assert hall.client("clerk1").get(path).status_code == 403, path
        assert hall.client("kiosk").get(path).status_code == 403, path
        assert hall.client().get(path).status_code == 401, path
        assert hall.client("super").get(path).status_code == 200, path
        assert (
            hall.client("admin")
            .get(path + ("&" if "?" in path else "?") + "format=csv")
            .status_code
            == 200
        ), path
    weights = {"efficiency": 1, "satisfaction": 1, "discipline": 1, "volume": 1}
    assert (
        hall.client("super").put("/api/v1/reports/assessment/weights", json=weights).status_code
        == 403
    )
    assert (
        hall.client("admin").put("/api/v1/reports/assessment/weights", json=weights).status_code
        == 200
    )


def test_the_audit_log_keeps_sign_ins_config_changes_and_ticket_actions(hall: Hall) -> None:
    anon = hall.client()
    ua = {"User-Agent": "counter-pc/1.0"}
    assert (
        anon.post(
            "/api/v1/auth/login",
            json={"username": "super", "password": "wrong-password-1"},
            headers=ua,
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        == 401
    )
    assert (
        anon.post(
            "/api/v1/auth/login",
            json={"username": "super", "password": "pw-super-123456"},
            headers=ua,
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        == 200
    )
    admin = hall.client("admin")
    note = "联系电话13812345678 身份证110101199003071234"
    assert (
        admin.patch(
            f"/api/v1/services/{hall.ids['A']}", json={"name": "个体户登记", "name_en": note}
        ).status_code
        == 200
    )
    ticket = (
        hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).get_json()
    )
    c1 = hall.client("clerk1")
    assert c1.post(f"/api/v1/windows/{hall.ids['w1']}/open", json={}).status_code == 200
    assert c1.post(f"/api/v1/windows/{hall.ids['w1']}/call-next").status_code == 200
    assert c1.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200  # reads are not audited

    sup = hall.client("super")
    logins = sup.get("/api/v1/audit?action=login").get_json()["items"]
    assert [
        (e["detail"]["outcome"], e["actor_name"], e["status"], e["ip"], e["user_agent"])
        for e in logins
    ] == [
        ("success", "super", 200, "10.0.0.7", "counter-pc/1.0"),
        ("failure", "super", 401, "10.0.0.7", "counter-pc/1.0"),
    ]
    assert logins[0]["actor_id"] == hall.ids["super"] and logins[1]["actor_kind"] == "anonymous"
    change = sup.get("/api/v1/audit?action=update_service").get_json()["items"]
    assert (
        len(change) == 1
        and change[0]["actor_name"] == "admin"
        and change[0]["target"] == f"obj_id={hall.ids['A']}"
    )
    kept = change[0]["detail"]["body"]["name_en"]
    assert "13812345678" not in kept and "138****5678" in kept and "110101********1234" in kept
    calls = sup.get("/api/v1/audit?action=call_next").get_json()["items"]
    assert (
        calls[0]["actor_id"] == hall.ids["clerk1"]
        and calls[0]["path"] == f"/api/v1/windows/{hall.ids['w1']}/call-next"
    )
    issued = sup.get("/api/v1/audit?action=issue_ticket").get_json()["items"]
    assert issued[0]["actor_kind"] == "device" and issued[0]["target"] == f"id={ticket['id']}"
    everything = sup.get("/api/v1/audit?limit=1000").get_json()["items"]
    assert not any(e["action"] == "get_ticket" for e in everything)
    assert "pw-super-123456" not in str(everything) and "wrong-password-1" not in str(everything)
    assert sup.get("/api/v1/audit?actor=clerk1").get_json()["items"][0]["actor_name"] == "clerk1"
    assert sup.get("/api/v1/audit?q=10.0.0.7").get_json()["items"].__len__() == 2

    # append-only: no endpoint changes it, and the database refuses to
    assert sup.delete("/api/v1/audit").status_code in (404, 405)
    assert admin.patch(f"/api/v1/audit/{logins[0]['id']}", json={}).status_code in (404, 405)
    from sqlalchemy.exc import DatabaseError

    for sql in ("UPDATE audit_entries SET actor_name = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError), hall.ctx.db.writer.begin() as conn:
            conn.execute(text(sql))


def test_the_oversight_pages_ask_to_sign_in_refuse_clerks_and_show_supervisors(
    sqlite_hall: Hall,
) -> None:
    hall = sqlite_hall
    for page in ("/admin/monitor", "/admin/reports", "/admin/reports/print", "/admin/audit"):
        assert 'id="adm-login"' in hall.client().get(page).get_data(as_text=True)
        clerk = hall.client()
        clerk.post(
            "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
        )
        assert clerk.get(page).status_code == 403
        sup = hall.client()
        sup.post("/api/v1/auth/login", json={"username": "super", "password": "pw-super-123456"})
        html = sup.get(page).get_data(as_text=True)
        assert 'id="ovs-nav"' in html and "oversight.js" in html
    html = sup.get("/admin/reports").get_data(as_text=True)
    assert (
        "等候时间 = 每张号首次叫号时间 − 取号（到达）时间" in html
        and "/vendor/chart.umd.js" in html
    )
    assert "跨过午夜的状态按当天零点时的状态继续计" in html and "报表按大厅所在时区的自然日" in html
    english = sup.get("/admin/reports?lang=en").get_data(as_text=True)
    assert "Wait = a ticket's first call − its issue (arrival)" in english.replace("&#39;", "'")
    assert "00:00–24:00 hall time" in english


def _rated_visit(hall: Hall, level: int, reason: str | None = None) -> dict:
    """A visit at window 1 (clerk1), finished and rated on window 1's evaluator; returns the ticket."""
    ids, c1 = hall.ids, hall.client("clerk1")
    t = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": ids["A"]}).get_json()
    c1.post(f"/api/v1/windows/{ids['w1']}/open", json={})
    assert c1.post(f"/api/v1/windows/{ids['w1']}/call-next").get_json()["id"] == t["id"]
    c1.post(f"/api/v1/tickets/{t['id']}/start")
    assert c1.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"}).status_code == 200
    body = {"level": level, **({"reason": reason} if reason else {})}
    assert (
        hall.client("eval1").post(f"/api/v1/tickets/{t['id']}/evaluation", json=body).status_code
        == 201
    )
    return t


def test_a_bad_rating_is_rectified_step_by_step_with_who_and_when_kept_audited_and_exported(
    hall: Hall,
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    ticket = _rated_visit(hall, 2, "等了太久")
    good = _rated_visit(hall, 5)
    sup, admin, clerk = hall.client("super"), hall.client("admin"), hall.client("clerk1")
    bad = sup.get(f"/api/v1/reports/bad-ratings?from={DAY}&to={DAY}").get_json()["items"]
    assert [(b["number"], b["rectification"]) for b in bad] == [(ticket["number"], "open")]
    rid = bad[0]["id"]
    assert [r["id"] for r in sup.get("/api/v1/monitor").get_json()["rectifications"]] == [rid]
    screen = hall.app.extensions["queuehall.realtime"].sio.test_client(
        hall.app, auth={"token": hall.tokens["display"]}
    )
    screen.get_received()

    assert (
        clerk.patch(
            f"/api/v1/rectifications/{rid}", json={"status": "done", "note": "x"}
        ).status_code
        == 403
    )
    r = sup.patch(f"/api/v1/rectifications/{rid}", json={"status": "done"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "note"
    assert r.get_json()["error"]["reason"] == "note_required"
    r = sup.patch(
        f"/api/v1/rectifications/{rid}", json={"status": "in_progress", "note": "约谈窗口工作人员"}
    )
    assert r.status_code == 200, r.get_json()
    step1 = r.get_json()
    assert (step1["rectification"], step1["rectified_by"], step1["rectified_at"]) == (
        "in_progress",
        "super",
        hall.clock.now().isoformat(),
    )
    hall.clock.advance(seconds=3600)
    done = admin.patch(
        f"/api/v1/rectifications/{rid}", json={"status": "done", "note": "已组织业务培训"}
    ).get_json()
    assert (done["rectification"], done["rectification_note"], done["rectified_by"]) == (
        "done",
        "已组织业务培训",
        "admin",
    )
    assert [(h["from"], h["status"], h["by_name"], h["note"]) for h in done["history"]] == [
        ("open", "in_progress", "super", "约谈窗口工作人员"),
        ("in_progress", "done", "admin", "已组织业务培训"),
    ]
    pushed = [e["args"][0] for e in screen.get_received() if e["name"] == "rectification.changed"]
    assert [p["rectification"]["rectification"] for p in pushed] == ["in_progress", "done"]
    screen.disconnect()
    assert sup.get("/api/v1/monitor").get_json()["rectifications"] == []  # done: no longer waiting

    # it closes only after the visitor was called back (回访, issue 18)
    refused = sup.patch(
        f"/api/v1/rectifications/{rid}", json={"status": "closed", "note": "回访满意"}
    )
    assert (
        refused.status_code == 409 and refused.get_json()["error"]["reason"] == "callback_required"
    )
    assert (
        sup.post(
            f"/api/v1/rectifications/{rid}/callback",
            json={"accepted": True, "note": "群众接受解释"},
        ).status_code
        == 200
    )
    assert (
        sup.patch(
            f"/api/v1/rectifications/{rid}", json={"status": "closed", "note": "回访满意"}
        ).status_code
        == 200
    )
    refused = sup.patch(
        f"/api/v1/rectifications/{rid}", json={"status": "in_progress", "note": "再看看"}
    )
    assert (
        refused.status_code == 409 and refused.get_json()["error"]["code"] == "invalid_transition"
    )
    good_id = _evaluation_id(hall, good["id"])
    assert (
        sup.patch(
            f"/api/v1/rectifications/{good_id}", json={"status": "done", "note": "x"}
        ).status_code
        == 404
    )
    assert sup.patch(f"/api/v1/rectifications/{rid}", json={"status": "open"}).status_code == 422

    # the export carries the status, the note and who handled it
    rows = list(
        csv.DictReader(
            io.StringIO(
                sup.get(f"/api/v1/reports/bad-ratings?from={DAY}&to={DAY}&format=csv")
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert [(r["号码"], r["整改状态"], r["整改说明"], r["处理人"], r["评价"]) for r in rows] == [
        (ticket["number"], "已关闭", "回访满意", "super", "不满意")
    ]
    sheet = load_workbook(
        io.BytesIO(
            sup.get(f"/api/v1/reports/bad-ratings?from={DAY}&to={DAY}&format=xlsx").get_data()
        )
    ).active
    assert sheet is not None
    header, *values = list(sheet.iter_rows(values_only=True))
    got = dict(zip(header, values[0], strict=True))
    assert (got["整改状态"], got["处理人"], got["处理时间"]) == (
        "已关闭",
        "super",
        hall.clock.now().isoformat(),
    )

    # every attempt is in the audit log, the refused ones with their status
    trail = sup.get("/api/v1/audit?action=update_rectification").get_json()["items"]
    assert [(e["actor_name"], e["status"]) for e in reversed(trail)] == [
        ("clerk1", 403),
        ("super", 200),
        ("admin", 200),
        ("super", 409),
        ("super", 200),
        ("super", 409),
    ]
    assert trail[0]["detail"]["refused"]["code"] == "invalid_transition"
    assert trail[-1]["target"] == f"rating_id={rid}"


def _evaluation_id(hall: Hall, ticket_id: int) -> int:
    from sqlalchemy import select

    from server.storage.models import Evaluation

    with hall.ctx.uow(write=False) as uow:
        return int(
            uow.session.scalar(select(Evaluation.id).where(Evaluation.ticket_id == ticket_id))
        )


def test_refused_writes_are_audited_with_their_status_but_reads_and_missing_ids_are_not(
    hall: Hall,
) -> None:
    ids = hall.ids
    c1, sup = hall.client("clerk1"), hall.client("super")
    assert (
        c1.post(f"/api/v1/windows/{ids['w2']}/open", json={}).status_code == 403
    )  # not clerk1's window
    assert hall.client().post("/api/v1/tickets", json={"service_id": ids["A"]}).status_code == 401
    assert (
        hall.client("admin").delete(f"/api/v1/departments/{ids['dept1']}").status_code == 409
    )  # has items
    assert c1.get("/api/v1/tickets/999999").status_code == 404
    assert c1.post("/api/v1/tickets/999999/start").status_code == 404
    assert (
        hall.client("admin").post("/api/v1/windows", json={"number": 0, "name": "x"}).status_code
        == 422
    )
    # a signed-in page without its CSRF value is refused, and the log still names who tried
    page = hall.client()
    page.post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
    assert page.post(f"/api/v1/windows/{ids['w1']}/open", json={}).status_code == 403

    log = sup.get("/api/v1/audit?limit=1000").get_json()["items"]
    refused = [
        (e["action"], e["status"], e["actor_kind"], e["actor_name"])
        for e in log
        if e["status"] >= 400 and e["action"] != "login"
    ]
    assert sorted(refused) == sorted(
        [
            ("open_window", 403, "staff", "clerk1"),
            ("issue_ticket", 401, "anonymous", ""),
            ("delete_department", 409, "staff", "admin"),
            ("open_window", 403, "staff", "clerk1"),
        ]
    )
    first = next(
        e for e in log if e["action"] == "open_window" and e["target"] == f"window_id={ids['w2']}"
    )
    assert first["detail"]["refused"]["code"] == "forbidden"
    assert not any(e["method"] == "GET" for e in log)


def test_a_script_knocking_without_credentials_cannot_fill_the_audit_log(hall: Hall) -> None:
    hall.app.config["AUDIT_ANONYMOUS_PER_MIN"] = 5
    anon, c1 = hall.client(), hall.client("clerk1")
    for _ in range(12):
        assert anon.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 401
        assert c1.post(f"/api/v1/windows/{hall.ids['w2']}/open", json={}).status_code == 403
    log = hall.client("super").get("/api/v1/audit?limit=1000").get_json()["items"]
    assert (
        sum(e["actor_kind"] == "anonymous" for e in log) == 5
    )  # the first few, then no more this minute
    assert (
        sum(e["actor_name"] == "clerk1" and e["status"] == 403 for e in log) == 12
    )  # a named caller: all


def test_changes_made_on_the_command_line_are_in_the_audit_log(
    hall: Hall, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    from click.testing import CliRunner

    from server.cli import main

    monkeypatch.setenv("QUEUEHALL_DATABASE_URL", hall.ctx.db.url)
    monkeypatch.setenv("QUEUEHALL_INSTANCE", str(tmp_path / "cli-instance"))
    run = CliRunner().invoke(
        main,
        ["users", "add", "wangfang", "--role", "clerk", "--windows", "1"],
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
    password = run.output.split("password: ")[1].strip()
    run = CliRunner().invoke(
        main,
        ["devices", "add", "三号评价器", "--kind", "evaluator", "--window", "3"],
        catch_exceptions=False,
    )
    assert run.exit_code == 0, run.output
    token = run.output.strip().splitlines()[-1]

    log = hall.client("super").get("/api/v1/audit?q=queuehall").get_json()["items"]
    assert [(e["action"], e["actor_kind"], e["actor_name"], e["method"]) for e in log] == [
        ("cli_devices_add", "cli", getpass.getuser(), "CLI"),
        ("cli_users_add", "cli", getpass.getuser(), "CLI"),
    ]
    staff = next(
        s
        for s in hall.client("admin").get("/api/v1/staff").get_json()["items"]
        if s["username"] == "wangfang"
    )
    assert log[1]["target"] == f"id={staff['id']}" and log[1]["detail"]["windows"] == [1]
    assert password not in str(log) and token not in str(log)
    assert log[0]["detail"]["kind"] == "evaluator"


def test_a_change_and_its_audit_row_are_one_transaction(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.storage import statements

    kiosk = hall.client("kiosk")
    ok = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).get_json()
    log = hall.client("super").get("/api/v1/audit?action=issue_ticket").get_json()["items"]
    assert [e["target"] for e in log] == [f"id={ok['id']}"] and log[0]["status"] == 201

    from server.storage.models_audit import AuditEntry

    real = statements.insert_row

    def broken(model: Any, *args: Any) -> Any:
        if model is AuditEntry:
            raise RuntimeError("the audit table cannot be written")
        return real(model, *args)

    monkeypatch.setattr(statements, "insert_row", broken)
    hall.app.config["PROPAGATE_EXCEPTIONS"] = False
    r = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 500
    monkeypatch.undo()
    waiting = {
        s["id"]: s["waiting"] for s in hall.client().get("/api/v1/services").get_json()["items"]
    }
    assert waiting[hall.ids["A"]] == 1  # no ticket stands without its record
    nxt = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).get_json()
    assert nxt["number"] == "A002"  # and the failed one used no number
