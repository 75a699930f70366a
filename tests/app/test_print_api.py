"""The printing endpoints and the kiosk agent's Socket.IO events, through Flask's test clients."""

from __future__ import annotations

import base64
import time
from typing import Any

from sqlalchemy import select, update

from hardware.printer_sim import decode_escpos
from server.services.access.principal import Principal
from server.services.catalog import catalog
from server.services.printing.spooler import Spooler
from server.storage.models import Device
from server.storage.models_print import PrintJob


def set_printer(hall: Any, url: str | None) -> None:
    with hall.ctx.uow() as uow:
        uow.session.execute(
            update(Device).where(Device.id == hall.ids["kiosk"]).values(printer_url=url)
        )
        uow.commit()


def issue(hall: Any, who: str = "kiosk") -> dict[str, Any]:
    r = hall.client(who).post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 201
    return r.get_json()  # type: ignore[no-any-return]


def job_states(hall: Any, ticket_id: int) -> list[tuple[str, int]]:
    with hall.ctx.uow(write=False) as uow:
        rows = uow.session.execute(
            select(PrintJob.state, PrintJob.attempts)
            .where(PrintJob.ticket_id == ticket_id)
            .order_by(PrintJob.id)
        )
        return [(s, a) for s, a in rows]


def test_a_kiosk_without_printer_issues_without_a_print_state_and_cannot_reprint(
    sqlite_hall: Any,
) -> None:
    t = issue(sqlite_hall)
    assert t["print_state"] is None
    r = sqlite_hall.client("kiosk").post(f"/api/v1/tickets/{t['id']}/print")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_printer"
    staff_ticket = issue(sqlite_hall, "super")
    r = sqlite_hall.client("super").post(f"/api/v1/tickets/{staff_ticket['id']}/print")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "no_printer"


def test_only_the_issuing_kiosk_and_staff_may_reprint(sqlite_hall: Any) -> None:
    hall = sqlite_hall
    set_printer(hall, "tcp://127.0.0.1:9")
    root = Principal("staff", 0, 1, "admin", "setup")
    other = catalog.save(
        hall.ctx,
        root,
        "device",
        {"name": "kiosk2", "kind": "kiosk", "printer_url": "tcp://127.0.0.1:9"},
    )
    t = issue(hall)
    assert t["print_state"] == "queued" and job_states(hall, t["id"]) == [("queued", 0)]
    c = hall.app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {other['token']}"
    assert c.post(f"/api/v1/tickets/{t['id']}/print").status_code == 403
    assert hall.client("display").post(f"/api/v1/tickets/{t['id']}/print").status_code == 403
    assert hall.client().post(f"/api/v1/tickets/{t['id']}/print").status_code == 401
    r = hall.client("clerk1").post(f"/api/v1/tickets/{t['id']}/print")
    assert r.status_code == 200 and r.get_json()["print_state"] == "queued"
    assert hall.client("kiosk").post(f"/api/v1/tickets/{t['id']}/print").status_code == 200
    # each reprint supersedes the job still waiting, so only the last one can come out
    assert [s for s, _ in job_states(hall, t["id"])] == ["superseded", "superseded", "queued"]
    jobs = hall.client("clerk1").get(f"/api/v1/tickets/{t['id']}/print-jobs").get_json()["items"]
    assert [(j["kind"], j["state"]) for j in jobs] == [
        ("issue", "superseded"),
        ("reprint", "superseded"),
        ("reprint", "queued"),
    ]
    assert jobs[0]["error"] == f"superseded by reprint job {jobs[1]['id']}"
    assert hall.client("kiosk").get(f"/api/v1/tickets/{t['id']}/print-jobs").status_code == 403
    assert hall.client("kiosk").post("/api/v1/tickets/999999/print").status_code == 404


def test_the_printer_list_is_for_staff(sqlite_hall: Any) -> None:
    set_printer(sqlite_hall, "agent://usb")
    assert sqlite_hall.client("kiosk").get("/api/v1/printers").status_code == 403
    items = sqlite_hall.client("clerk1").get("/api/v1/printers").get_json()["items"]
    assert [(i["name"], i["agent"], i["paper"]) for i in items] == [("kiosk", True, "unknown")]
    doc = sqlite_hall.client().get("/api/v1/openapi.json").get_json()
    assert (
        "/api/v1/tickets/{ticket_id}/print" in doc["paths"] and "/api/v1/printers" in doc["paths"]
    )


def test_an_agent_kiosk_receives_its_job_and_its_result_settles_it(sqlite_hall: Any) -> None:
    hall = sqlite_hall
    set_printer(hall, "agent://usb")
    sio = hall.app.extensions["queuehall.realtime"].sio
    kiosk = sio.test_client(hall.app, auth={"token": hall.tokens["kiosk"]})
    kiosk.get_received()
    spooler: Spooler = hall.app.extensions["queuehall.spooler"]
    spooler.__init__(
        hall.ctx, config={"PRINTER_IDLE_S": 0.05, "PUBLIC_BASE_URL": "https://q.example"}
    )
    spooler.start()
    try:
        t = issue(hall)
        deadline = (
            time.monotonic() + 10
        )  # a loaded CI machine: the first round imports python-escpos
        jobs: list[dict[str, Any]] = []
        while not jobs and time.monotonic() < deadline:
            jobs = [m["args"][0] for m in kiosk.get_received() if m["name"] == "print.job"]
            time.sleep(0.01)
        [job] = jobs
        paper = decode_escpos(base64.b64decode(job["data_b64"]))[0]
        assert job["ticket_id"] == t["id"] and t["number"] in paper.text()
        assert paper.qr_payloads == [f"https://q.example/t/{t['public_id']}"]
        # another device cannot settle it
        display = sio.test_client(hall.app, auth={"token": hall.tokens["display"]})
        assert (
            display.emit("print.result", {"job_id": job["job_id"], "ok": True}, callback=True)["ok"]
            is False
        )
        ack = kiosk.emit(
            "print.result",
            {
                "job_id": job["job_id"],
                "ok": True,
                "error": None,
                "status": {"online": True, "paper": "low", "error": None},
            },
            callback=True,
        )
        assert ack == {"ok": True, "state": "printed"}
        assert (
            hall.client("kiosk").get(f"/api/v1/tickets/{t['id']}").get_json()["print_state"]
            == "printed"
        )
        got = kiosk.get_received()
        assert [m["args"][0]["print_state"] for m in got if m["name"] == "print.updated"] == [
            "printed"
        ]
        # the kiosk is in its device room and in the site room: one push to each
        assert [m["args"][0]["paper"] for m in got if m["name"] == "printer.status"] == [
            "low",
            "low",
        ]
        # a late duplicate answer changes nothing
        assert (
            kiosk.emit(
                "print.result", {"job_id": job["job_id"], "ok": False, "error": "x"}, callback=True
            )["state"]
            == "printed"
        )
        display.disconnect()
    finally:
        spooler.stop()
        kiosk.disconnect()


def test_an_agent_s_unconfirmed_print_fails_at_once_instead_of_being_sent_again(
    sqlite_hall: Any,
) -> None:
    hall = sqlite_hall
    set_printer(hall, "agent://usb")
    sio = hall.app.extensions["queuehall.realtime"].sio
    kiosk = sio.test_client(hall.app, auth={"token": hall.tokens["kiosk"]})
    spooler: Spooler = hall.app.extensions["queuehall.spooler"]  # the one the agent's answers reach
    offline = {"online": False, "paper": "unknown", "error": "offline"}
    try:
        for unconfirmed, expected in ((False, "queued"), (True, "failed")):
            t = issue(hall)
            with hall.ctx.uow(write=False) as uow:
                job_id = uow.session.scalar(
                    select(PrintJob.id).where(PrintJob.ticket_id == t["id"])
                )
            assert spooler.claim(job_id)  # handed to the agent
            body = {"job_id": job_id, "ok": False, "error": "went offline", "status": offline}
            if (
                unconfirmed
            ):  # the agent had sent the ticket when the fault showed: it may be on paper
                body["unconfirmed"] = True
            assert kiosk.emit("print.result", body, callback=True) == {
                "ok": True,
                "state": expected,
            }
            assert job_states(hall, t["id"]) == [(expected, 1)]
    finally:
        kiosk.disconnect()
