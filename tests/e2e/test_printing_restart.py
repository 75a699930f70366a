"""A real `queuehall serve` restarted with print jobs waiting: it prints today's without any HTTP
request reaching it, and fails yesterday's visibly instead of printing a stale number."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from hardware.printer_sim import PrinterSimulator
from server.engine.clock import FixedClock, SystemClock
from server.storage.db import Database
from server.storage.models import PrintJob  # models_print must load after models
from tests.conftest import _spawn, start_live_server


def issue_while_down(srv: Any, clock: Any) -> dict[str, Any]:
    """A ticket issued by another process on the same database that runs no spooler."""
    from server.app import create_app

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{srv.instance / 'queuehall.db'}",
            "INSTANCE_PATH": str(srv.instance),
            "PRINTER_SPOOLER": False,
            "CLOCK": clock,
        }
    )
    kiosk = app.test_client()
    kiosk.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {srv.token_of('kiosk')}"
    service = kiosk.get("/api/v1/services").get_json()["items"][0]
    r = kiosk.post("/api/v1/tickets", json={"service_id": service["id"]})
    assert r.status_code == 201, r.get_json()
    app.extensions["queuehall"].db.dispose()
    return r.get_json()  # type: ignore[no-any-return]


def job_of(db: Database, ticket_id: int) -> tuple[str, str | None]:
    with db.writer.connect() as c:
        row = c.execute(
            select(PrintJob.state, PrintJob.last_error).where(PrintJob.ticket_id == ticket_id)
        ).one()
    return row[0], row[1]


def test_a_restarted_server_prints_queued_tickets_before_any_request_and_fails_stale_ones(
    tmp_path: Path,
) -> None:
    with PrinterSimulator(port=0) as sim:
        srv = start_live_server(
            tmp_path / "srv", init_args=("--printer", f"tcp://127.0.0.1:{sim.port}")
        )
        try:
            srv.stop()  # the server is down; kiosks on another process keep issuing
            yesterday = issue_while_down(srv, FixedClock(SystemClock().now() - timedelta(days=1)))
            today = issue_while_down(srv, SystemClock())
            db = Database(f"sqlite:///{srv.instance / 'queuehall.db'}")
            try:
                assert job_of(db, today["id"])[0] == job_of(db, yesterday["id"])[0] == "queued"
                assert sim.tickets == []
                srv.proc = _spawn(
                    srv.port, srv.env
                )  # no HTTP request is made until the ticket is out
                started = time.monotonic()
                papers = sim.wait_for_tickets(1, timeout=30)
                assert papers, "the restarted server printed nothing without an HTTP request"
                assert len(papers) == 1 and time.monotonic() - started < 30
                paper = papers[0]
                assert today["number"] in paper.text()
                # the QR code carries the server's own address though no request told it
                assert paper.qr_payloads == [f"{srv.url}/t/{today['public_id']}"]
                deadline = time.monotonic() + 10
                while job_of(db, yesterday["id"])[0] != "failed" and time.monotonic() < deadline:
                    time.sleep(0.1)
                state, error = job_of(db, yesterday["id"])
                assert state == "failed" and "earlier business day" in (error or "")
                time.sleep(0.5)
                assert len(sim.tickets) == 1  # yesterday's number never reached the paper
            finally:
                db.dispose()
            kiosk = {"Authorization": f"Bearer {srv.token_of('kiosk')}"}
            got = {
                t["id"]: requests.get(
                    f"{srv.url}/api/v1/tickets/{t['id']}", headers=kiosk, timeout=10
                ).json()
                for t in (today, yesterday)
            }
            assert got[today["id"]]["print_state"] == "printed"
            assert got[yesterday["id"]]["print_state"] == "failed"
        finally:
            srv.stop()
