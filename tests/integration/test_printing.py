"""The print spooler against the TCP printer simulator, on real SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hardware.printer_sim import PrinterSimulator
from server.services.printing.spooler import Spooler
from server.storage.models import Device
from server.storage.models_print import PrintJob

BASE = "https://hall.example.gov.cn"
FAST = {
    "PRINTER_TIMEOUT_S": 0.3,
    "PRINTER_RETRIES": 2,
    "PRINTER_BACKOFF_S": 0.05,
    "PRINTER_IDLE_S": 0.05,
    "PRINTER_POLL_S": 3600.0,
    "PUBLIC_BASE_URL": BASE,
}


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until `check()` is truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            assert got, f"condition not met in {timeout}s"
            return got
        time.sleep(0.01)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_printer(hall: Any, url: str | None, device: str = "kiosk") -> None:
    with hall.ctx.uow() as uow:
        uow.session.execute(
            update(Device).where(Device.id == hall.ids[device]).values(printer_url=url)
        )
        uow.commit()


def confirm_code(hall: Any, priority: str) -> str:
    """A staff member's one-time code: a kiosk issues priority and green tickets only against one."""
    return str(
        hall.client("clerk1")
        .post("/api/v1/confirm-codes", json={"priority": priority})
        .get_json()["code"]
    )


def issue(
    hall: Any, service: str = "A", priority: str = "normal", code: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"service_id": hall.ids[service], "priority": priority}
    path = "/api/v1/tickets"
    if priority != "normal":
        body["code"], path = code or confirm_code(hall, priority), "/api/v1/kiosk/confirmed-tickets"
    r = hall.client("kiosk").post(path, json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def print_state(hall: Any, ticket_id: int) -> str | None:
    return hall.client("kiosk").get(f"/api/v1/tickets/{ticket_id}").get_json()["print_state"]  # type: ignore[no-any-return]


def jobs(hall: Any, ticket_id: int | None = None) -> list[PrintJob]:
    with hall.ctx.uow(write=False) as uow:
        q = select(PrintJob).order_by(PrintJob.id)
        if ticket_id is not None:
            q = q.where(PrintJob.ticket_id == ticket_id)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()  # keep the loaded values readable after the session ends
        return rows


def kiosk_socket(hall: Any) -> Any:
    sio = hall.app.extensions["queuehall.realtime"].sio
    client = sio.test_client(hall.app, auth={"token": hall.tokens["kiosk"]})
    assert client.is_connected()
    client.get_received()  # the snapshot
    return client


def updates(client: Any) -> list[dict[str, Any]]:
    return [m["args"][0] for m in client.get_received() if m["name"] == "print.updated"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """One small hall per database kind for the whole module (building one costs seconds)."""
    from tests.conftest import build_hall, make_pg_database

    tmp = tmp_path_factory.mktemp("print")
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'qh.db'}"
    else:
        url, drop = make_pg_database(request.getfixturevalue("pg_server"))
    h = build_hall(url, tmp)
    yield h
    h.ctx.db.dispose()
    if drop is not None:
        drop()


@pytest.fixture
def hall(shared_hall: Any) -> Any:
    """The module's hall with the kiosk's printer status forgotten."""
    with shared_hall.ctx.uow() as uow:
        uow.session.execute(
            update(Device).where(Device.id == shared_hall.ids["kiosk"]).values(status={})
        )
        uow.commit()
    return shared_hall


@pytest.fixture
def sim() -> Iterator[PrinterSimulator]:
    s = PrinterSimulator(port=0).start()
    yield s
    s.stop()


@pytest.fixture
def spooler(hall: Any, sim: PrinterSimulator) -> Iterator[Spooler]:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    sp = Spooler(hall.ctx, config=FAST).start()
    yield sp
    sp.stop()


def test_an_issued_ticket_is_printed_by_the_spooler_alone(
    hall: Any, sim: PrinterSimulator, spooler: Spooler
) -> None:
    code = confirm_code(hall, "green")
    t = issue(hall, "B", "green", code)
    assert t["print_state"] == "queued"
    [paper] = sim.wait_for_tickets(1, timeout=30)
    text = paper.text()
    assert t["number"] in text and "社会保障卡补换" in text and "测试中心" in text
    assert "绿色通道" in text and "请在2、3、4号窗口附近等候" in text
    assert paper.qr_payloads == [f"{BASE}/t/{t['public_id']}"]
    assert paper.cut
    eventually(lambda: print_state(hall, t["id"]) == "printed")
    [job] = jobs(hall, t["id"])
    assert (job.state, job.attempts) == ("printed", 1)
    assert (
        0 < len(paper.raw) - (job.size_bytes or 0) <= 9
    )  # the same bytes after the DLE EOT queries
    assert job.size_bytes < 4096


def test_paper_out_fails_at_once_then_a_reprint_prints_once(
    hall: Any, sim: PrinterSimulator, spooler: Spooler
) -> None:
    kiosk = kiosk_socket(hall)
    sim.paper = "out"
    t = issue(hall)
    eventually(lambda: print_state(hall, t["id"]) == "failed")
    [job] = jobs(hall, t["id"])
    assert job.attempts == 1 and "paper" in (job.last_error or "")
    assert sim.tickets == []
    got = eventually(lambda: [u for u in updates(kiosk) if u["print_state"] == "failed"])
    assert (
        got[0]["number"] == t["number"]
        and got[0]["public_id"] == t["public_id"]
        and got[0]["error"]
    )
    still = hall.client("kiosk").get(f"/api/v1/tickets/{t['id']}").get_json()
    assert still["state"] == "waiting"
    sim.paper = "ok"
    r = hall.client("kiosk").post(f"/api/v1/tickets/{t['id']}/print")
    assert r.status_code == 200 and r.get_json()["print_state"] == "queued"
    eventually(lambda: print_state(hall, t["id"]) == "printed")
    time.sleep(0.2)
    assert len(sim.tickets) == 1 and t["number"] in sim.tickets[0].text()
    kiosk.disconnect()


def test_paper_near_end_still_prints(hall: Any, sim: PrinterSimulator, spooler: Spooler) -> None:
    sim.paper = "low"
    t = issue(hall)
    eventually(lambda: print_state(hall, t["id"]) == "printed")
    assert len(sim.tickets) == 1


@pytest.mark.parametrize("fault", ["offline", "hung", "unreachable"])
def test_passing_faults_retry_then_fail_visibly_and_a_reprint_works(
    hall: Any, sim: PrinterSimulator, spooler: Spooler, fault: str
) -> None:
    kiosk = kiosk_socket(hall)
    if fault == "offline":
        sim.offline = True
    elif fault == "hung":
        sim.respond = False
    else:
        set_printer(hall, f"tcp://127.0.0.1:{unused_port()}")
    t = issue(hall)
    eventually(lambda: print_state(hall, t["id"]) == "failed", timeout=60)
    [job] = jobs(hall, t["id"])
    assert job.attempts == 1 + FAST["PRINTER_RETRIES"]
    seen = updates(kiosk)
    assert [u["print_state"] for u in seen][-1] == "failed"
    assert any(u["print_state"] == "queued" and u["error"] for u in seen)  # retrying, told early
    assert sim.tickets == []
    sim.offline, sim.respond = False, True
    # the fault's short timeout was for a printer that never answers; a working one answers within
    # this even on a busy machine, so its answer cannot be taken for a fault and the ticket resent
    spooler.timeout = 5.0
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    assert hall.client("kiosk").post(f"/api/v1/tickets/{t['id']}/print").status_code == 200
    eventually(lambda: print_state(hall, t["id"]) == "printed", timeout=60)
    assert len(sim.wait_for_tickets(1)) == 1
    kiosk.disconnect()


def test_jobs_queued_at_a_restart_print_exactly_once(hall: Any, sim: PrinterSimulator) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    first = Spooler(hall.ctx, config=FAST).start()
    first.stop()  # the server went down: tickets issued now wait in the database
    issued = [issue(hall, s) for s in ("A", "B", "C", "A")]
    mine = lambda: [j for t in issued for j in jobs(hall, t["id"])]  # noqa: E731
    assert [j.state for j in mine()] == ["queued"] * 4
    # two processes come up on the same database at once: each job is claimed by one
    a, b = Spooler(hall.ctx, config=FAST).start(), Spooler(hall.ctx, config=FAST).start()
    try:
        eventually(lambda: all(print_state(hall, t["id"]) == "printed" for t in issued))
        time.sleep(0.3)
    finally:
        a.stop()
        b.stop()
    numbers = sorted(
        next(ln.text.strip() for ln in p.lines if ln.width_mult >= 4) for p in sim.tickets
    )
    assert numbers == sorted(t["number"] for t in issued)
    assert [j.attempts for j in mine()] == [1] * 4


def test_a_job_interrupted_while_printing_fails_visibly_and_is_not_resent(
    hall: Any, sim: PrinterSimulator
) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    kiosk = kiosk_socket(hall)
    t = issue(hall)
    sp = Spooler(hall.ctx, config=FAST)
    assert sp.claim(jobs(hall, t["id"])[0].id)  # claimed, then the process died before it settled
    assert sp.sweep() == 0  # still within its lease: maybe another process is printing it
    with hall.ctx.uow() as uow:
        uow.session.execute(
            update(PrintJob)
            .where(PrintJob.ticket_id == t["id"])
            .values(updated_at=sp.clock.now() - timedelta(minutes=5))
        )
        uow.commit()
    assert sp.sweep() == 1
    assert print_state(hall, t["id"]) == "failed"
    [job] = jobs(hall, t["id"])
    assert job.state == "failed" and "interrupted" in (job.last_error or "")
    assert [u["print_state"] for u in updates(kiosk)][-1] == "failed"
    sp.start()
    time.sleep(0.2)
    sp.stop()
    assert sim.tickets == []
    kiosk.disconnect()


def test_printer_status_is_polled_and_pushed_when_it_changes(
    hall: Any, sim: PrinterSimulator
) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    sio = hall.app.extensions["queuehall.realtime"].sio
    screen = sio.test_client(hall.app, auth={"token": hall.tokens["display"]})
    screen.get_received()
    sp = Spooler(hall.ctx, config={**FAST, "PRINTER_POLL_S": 0.1}).start()
    try:

        def pushed() -> list[dict[str, Any]]:
            return [m["args"][0] for m in screen.get_received() if m["name"] == "printer.status"]

        first = eventually(pushed)[-1]
        assert {k: first[k] for k in ("device_id", "online", "paper", "error")} == {
            "device_id": hall.ids["kiosk"],
            "online": True,
            "paper": "ok",
            "error": None,
        }
        assert first["seen_at"] == first["checked_at"]  # it answered, so it was seen at this check
        sim.paper = "low"
        low = eventually(pushed)
        assert low[-1]["paper"] == "low"
        time.sleep(0.3)
        assert pushed() == []  # unchanged status is stored, not pushed again
        sim.respond = False  # hangs: still "seen" when it last answered, not at this check
        hung = eventually(pushed, timeout=10)[-1]
        assert (hung["online"], hung["paper"], hung["error"]) == (False, "unknown", "timeout")
        assert hung["seen_at"] < hung["checked_at"]
        sim.respond = True
        eventually(lambda: [p for p in pushed() if p["online"]], timeout=10)
    finally:
        sp.stop()
    items = hall.client("super").get("/api/v1/printers").get_json()["items"]
    assert [(i["device_id"], i["paper"], i["online"]) for i in items] == [
        (hall.ids["kiosk"], "low", True)
    ]
    assert items[0]["seen_at"] and (items[0]["paper_mm"], items[0]["ticket_lang"]) == (80, "zh+en")
    screen.disconnect()
