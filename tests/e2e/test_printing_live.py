"""A real `queuehall serve` process printing on the TCP simulator, directly and through a kiosk agent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import update

from hardware.printer_sim import PrinterSimulator
from kiosk.agent import KioskAgent
from server.storage.db import Database
from server.storage.models import Device
from tests.conftest import LiveServer, start_live_server


@pytest.fixture(scope="module")
def sim() -> Iterator[PrinterSimulator]:
    s = PrinterSimulator(port=0).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sim: PrinterSimulator) -> Iterator[LiveServer]:
    srv = start_live_server(
        tmp_path_factory.mktemp("print-live"),
        init_args=("--printer", f"tcp://127.0.0.1:{sim.port}"),
    )
    yield srv
    srv.stop()


def issue(srv: LiveServer, token: str) -> dict[str, Any]:
    h = {"Authorization": f"Bearer {token}"}
    service = requests.get(srv.url + "/api/v1/services", timeout=5).json()["items"][0]
    r = requests.post(
        srv.url + "/api/v1/tickets", json={"service_id": service["id"]}, headers=h, timeout=5
    )
    assert r.status_code == 201, r.text
    return {**r.json(), "service_name": service["name"]}


def wait_printed(srv: LiveServer, token: str, ticket_id: int) -> None:
    deadline = time.monotonic() + 5
    state = None
    while time.monotonic() < deadline:
        r = requests.get(
            f"{srv.url}/api/v1/tickets/{ticket_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        state = r.json()["print_state"]
        if state == "printed":
            return
        time.sleep(0.05)
    raise AssertionError(f"print_state stayed {state}")


def test_a_ticket_issued_over_http_comes_out_of_the_printer(
    server: LiveServer, sim: PrinterSimulator
) -> None:
    token = server.devices["一楼取号机1"]
    sim.clear()
    t = issue(server, token)
    assert t["print_state"] == "queued"
    [paper] = sim.wait_for_tickets(1, timeout=30)
    assert t["number"] in paper.text() and t["service_name"][:6] in paper.text().replace("\n", "")
    assert paper.qr_payloads == [f"{server.url}/t/{t['public_id']}"]
    assert paper.cut
    wait_printed(server, token, t["id"])


def test_a_kiosk_agent_prints_the_kiosk_s_tickets_on_its_local_printer(
    server: LiveServer, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{server.instance / 'queuehall.db'}")
    with db.writer.begin() as conn:
        conn.execute(
            update(Device).where(Device.name == "一楼取号机2").values(printer_url="agent://usb")
        )
    db.dispose()
    token = server.devices["一楼取号机2"]
    with PrinterSimulator(port=0) as local:
        agent = KioskAgent(server.url, token, f"tcp://127.0.0.1:{local.port}", poll_s=60).start()
        try:
            t = issue(server, token)
            [paper] = local.wait_for_tickets(1, timeout=5)
            assert t["number"] in paper.text()
            wait_printed(server, token, t["id"])
            assert agent.results[-1]["ok"] is True
        finally:
            agent.stop()
