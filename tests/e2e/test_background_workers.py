"""Background workers start and stop with `queuehall serve` (issue 16 item 6), and a hung printer's
blocking I/O runs off the serving loop (item 1): real server processes, no HTTP request needed.

1. A server restarted with a print job queued and a window paused far too long prints the ticket
   on the TCP printer simulator and raises the alert, before any HTTP request reaches it (the
   readiness check is a bare TCP connect); on SIGTERM it stops its workers within gunicorn's
   graceful time (the worker is not killed).
2. The kiosks' printer is a device file that never takes the data (a FIFO with no reader: opening
   it blocks in the kernel, as a `usblp` device whose printer hangs does). While a thread of the
   server is blocked there, a clerk's call still reaches a Socket.IO screen; only then is the
   printer "unjammed" (a reader opens the FIFO) and the ticket's bytes come out. Without the
   offload pool the gevent loop itself blocks in that open(), and no call is served.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from hardware.printer_sim import PrinterSimulator
from server.engine.clock import SystemClock
from server.storage.db import Database
from server.storage.models import Window  # models_print must load after models
from server.storage.models_audit import Alert
from tests.conftest import _spawn, start_live_server
from tests.e2e.hallkit import Screen
from tests.e2e.test_display_browser import Clerk
from tests.e2e.test_printing_restart import issue_while_down, job_of


def wait_tcp(port: int, timeout: float = 30.0) -> None:
    """Wait until the port accepts a connection; sends nothing (no HTTP request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


def test_workers_start_with_serve_before_any_request_and_stop_with_it(tmp_path: Path) -> None:
    with PrinterSimulator(port=0) as sim:
        srv = start_live_server(
            tmp_path / "srv", init_args=("--printer", f"tcp://127.0.0.1:{sim.port}")
        )
        srv.stop()  # the next process is started below; nothing will send it an HTTP request
        ticket = issue_while_down(srv, SystemClock())
        db = Database(f"sqlite:///{srv.instance / 'queuehall.db'}")
        try:
            long_ago = SystemClock().now() - timedelta(hours=2)
            with db.writer.begin() as c:
                wid = c.execute(select(Window.id).order_by(Window.id).limit(1)).scalar_one()
                c.execute(
                    update(Window)
                    .where(Window.id == wid)
                    .values(state="paused", pause_reason="测试", state_since=long_ago, active=True)
                )
                assert c.execute(select(Alert.id)).first() is None
            assert job_of(db, ticket["id"])[0] == "queued"
            srv.env = {**srv.env, "QUEUEHALL_OVERSIGHT_CHECK_S": "0.2"}
            srv.proc = _spawn(srv.port, srv.env)
            wait_tcp(srv.port)
            papers = sim.wait_for_tickets(1, timeout=30)
            assert papers and ticket["number"] in papers[0].text()
            deadline = time.monotonic() + 30
            alerts: list[str] = []
            while not alerts and time.monotonic() < deadline:
                with db.writer.connect() as c:
                    alerts = list(
                        c.execute(select(Alert.kind).where(Alert.window_id == wid)).scalars()
                    )
                time.sleep(0.1)
            assert alerts == ["window_paused"], "the alert checker did not run without a request"

            srv.proc.send_signal(signal.SIGTERM)
            assert srv.proc.wait(30) == 0
            log_text = (srv.instance / "server.log").read_text(errors="replace")
            # stopped by itself, workers and all, within gunicorn's graceful time: not killed
            assert "SIGKILL" not in log_text and "Traceback" not in log_text, log_text[-3000:]
        finally:
            db.dispose()
            srv.stop()


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if kids:
            return int(kids[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


def _threads_blocked_opening(pid: int) -> list[int]:
    """Threads of `pid` blocked in the kernel opening a FIFO that has no reader."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "wchan").read_text().strip() == "wait_for_partner":
                out.append(int(task.name))
        except OSError:
            continue
    return out


def test_a_hung_device_file_printer_does_not_hold_a_call_to_the_screens(tmp_path: Path) -> None:
    devices = tmp_path / "dev"
    devices.mkdir()
    fifo = devices / "lp0"
    os.mkfifo(fifo)
    env = {"QUEUEHALL_PRINTER_DEVICE_DIRS": str(devices), "QUEUEHALL_WORKER": "gevent"}
    srv = start_live_server(tmp_path / "srv", env, init_args=("--printer", f"file://{fifo}"))
    screen = None
    try:
        worker = _worker_pid(srv.proc.pid)
        clerk = Clerk(srv)
        clerk.open()
        # the spooler asks the printer for its status as it starts, and a kiosk ticket's job
        # follows: either way a thread now waits in open() for a reader that never comes
        deadline = time.monotonic() + 30
        while not _threads_blocked_opening(worker):
            assert time.monotonic() < deadline, "the printer was never opened"
            time.sleep(0.05)
        blocked = _threads_blocked_opening(worker)
        assert worker not in blocked  # not the worker's main thread: the gevent loop runs there
        screen = Screen(srv.url, srv.token_of("display"))
        called, _ = clerk.call()  # issues a ticket too: one more job for the jammed printer
        screen.wait(
            lambda: (
                called["number"] in {d["ticket"]["number"] for d in screen.named("ticket.called")}
            ),
            what=f"call {called['number']}",
        )
        # the slow operation has not finished: the printer is still jammed
        assert _threads_blocked_opening(worker)
        db = Database(f"sqlite:///{srv.instance / 'queuehall.db'}")
        try:
            assert job_of(db, called["id"])[0] in ("queued", "printing")
        finally:
            db.dispose()
        # now the printer takes data: the jobs come out, after the call was heard
        got = b""
        deadline = time.monotonic() + 30
        while called["number"].encode() not in got and time.monotonic() < deadline:
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while True:
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        time.sleep(0.02)
                        if time.monotonic() > deadline:
                            break
                        continue
                    if not chunk:
                        break
                    got += chunk
            finally:
                os.close(fd)
            time.sleep(0.05)
        assert called["number"].encode() in got, "the ticket never reached the printer"
    finally:
        if screen is not None:
            screen.close()
        srv.stop()
