"""Kiosk agent: prints this kiosk's tickets on a printer plugged into the kiosk PC.

The server sends `print.job` {"job_id", "ticket_id", "data_b64"} to the kiosk's device room
when the kiosk's printer URL starts with `agent://`. The agent prints the bytes with the
local printer URL (usb://, serial://, tcp://, file://) and answers `print.result`
{"job_id", "ok", "error", "status"}; every PRINTER_POLL seconds it reports `printer.state`.
A job id it has already printed is acknowledged again without printing (a server retry
after a lost answer must not give the visitor two tickets). Those ids are kept on disk under
a state folder (`--state-dir`), so this holds across a restart of the agent or the kiosk PC.
A fault seen only after the ticket was sent (paper ran out, printer went offline) is answered
with "unconfirmed": true, so the server fails the job instead of sending it again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import Any

import socketio

from hardware.printer import PaperOut, PrinterError, PrintUnconfirmed, TicketPrinter, open_printer

log = logging.getLogger(__name__)
REMEMBER_JOBS = 500


def default_state_dir() -> Path:
    """Where the agent keeps its state: $QUEUEHALL_AGENT_STATE_DIR, else the XDG state folder."""
    env = os.environ.get("QUEUEHALL_AGENT_STATE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "queuehall-agent"


class PrintedJobs:
    """The ids of jobs already on paper (the latest REMEMBER_JOBS), saved to a file when given one.

    One file per server and kiosk token: job ids of two servers never mix.
    """

    def __init__(self, path: Path | None) -> None:
        """Load the ids saved by an earlier run, if any."""
        self.path = path
        self._ids: OrderedDict[int, None] = OrderedDict()
        if path is not None and path.exists():
            try:
                for job_id in json.loads(path.read_text())["printed_job_ids"]:
                    self._ids[int(job_id)] = None
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("could not read %s; starting with no printed jobs remembered", path)

    @classmethod
    def for_server(cls, state_dir: str | Path, server: str, token: str) -> PrintedJobs:
        """The store of one server and kiosk under state_dir."""
        key = hashlib.sha256(f"{server}\n{token}".encode()).hexdigest()[:16]
        return cls(Path(state_dir) / f"printed-{key}.json")

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._ids

    def add(self, job_id: int) -> None:
        """Remember a printed job, on disk before the server is told."""
        self._ids[job_id] = None
        while len(self._ids) > REMEMBER_JOBS:
            self._ids.popitem(last=False)
        if self.path is None:
            return
        try:
            self._save(self.path)
        except OSError:  # the ticket is on paper: say so; only a restart could still repeat it
            log.exception("could not save the printed job ids to %s", self.path)

    def _save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"printed_job_ids": list(self._ids)})
        # Written whole and renamed: a power cut leaves the old file or the new one, never half.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".printed-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class KioskAgent:
    """A Socket.IO client that takes the kiosk's print jobs and reports each outcome."""

    def __init__(
        self,
        server: str,
        token: str,
        printer: TicketPrinter | str,
        poll_s: float = 15.0,
        timeout: float = 3.0,
        state_dir: str | Path | None = None,
    ) -> None:
        """Configure; nothing connects until start(). Without state_dir, printed ids live in memory only."""
        self.server = server.rstrip("/")
        self.token = token
        self.printer = (
            open_printer(printer, timeout=timeout) if isinstance(printer, str) else printer
        )
        self.poll_s = poll_s
        self.printed = (
            PrintedJobs.for_server(state_dir, self.server, token)
            if state_dir is not None
            else PrintedJobs(None)
        )
        self.results: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # one job at a time, in arrival order
        self._stop = threading.Event()
        self.sio = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=1,
            reconnection_delay_max=10,
        )
        self.sio.on("connect", self._on_connect)
        self.sio.on("print.job", self._on_job)

    def start(self) -> KioskAgent:
        """Connect (retrying in the background after a drop) and start reporting status."""
        self.sio.connect(
            self.server, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )
        threading.Thread(target=self._poll_loop, name="kiosk-agent-status", daemon=True).start()
        return self

    def stop(self) -> None:
        """Disconnect."""
        self._stop.set()
        self.sio.disconnect()

    def wait(self) -> None:
        """Block until disconnected for good (Ctrl-C)."""
        self.sio.wait()

    def _on_connect(self) -> None:
        log.info("kiosk agent connected to %s", self.server)
        threading.Thread(target=self.report_status, daemon=True).start()

    def _status(self) -> dict[str, Any]:
        return asdict(self.printer.status())

    def report_status(self) -> None:
        """Send the printer's status to the server."""
        if self.sio.connected:
            self.sio.emit("printer.state", self._status())

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.report_status()
            except Exception:
                log.exception("could not report the printer status")

    def handle(self, job: dict[str, Any]) -> dict[str, Any]:
        """Print one job (unless already printed) and return the `print.result` body."""
        job_id = int(job["job_id"])
        with self._lock:
            if job_id in self.printed:
                return {"job_id": job_id, "ok": True, "error": None, "status": self._status()}
            try:
                self.printer.send(base64.b64decode(job["data_b64"]))
            except PrintUnconfirmed as exc:  # sent, then a fault: maybe on paper, so never resent
                paper = "out" if isinstance(exc, PaperOut) else "unknown"
                return {
                    "job_id": job_id,
                    "ok": False,
                    "error": f"not confirmed: {exc}",
                    "unconfirmed": True,
                    "status": {"online": paper == "out", "paper": paper, "error": str(exc)[:200]},
                }
            except PaperOut as exc:
                return {
                    "job_id": job_id,
                    "ok": False,
                    "error": f"paper out: {exc}",
                    "status": {"online": True, "paper": "out", "error": "paper out"},
                }
            except PrinterError as exc:
                return {
                    "job_id": job_id,
                    "ok": False,
                    "error": str(exc) or type(exc).__name__,
                    "status": {"online": False, "paper": "unknown", "error": str(exc)[:200]},
                }
            self.printed.add(job_id)
            return {"job_id": job_id, "ok": True, "error": None, "status": self._status()}

    def _on_job(self, job: dict[str, Any]) -> None:
        # Printing blocks for up to the printer timeout: keep the socket's reader free.
        threading.Thread(target=self._run_job, args=(job,), daemon=True).start()

    def _run_job(self, job: dict[str, Any]) -> None:
        try:
            result = self.handle(job)
        except Exception as exc:  # a malformed job: say so rather than leave it hanging
            log.exception("bad print job")
            result = {
                "job_id": job.get("job_id"),
                "ok": False,
                "error": f"agent error: {exc}",
                "status": None,
            }
        self.results.append(result)
        log.info(
            "print job %s: %s", result["job_id"], "printed" if result["ok"] else result["error"]
        )
        self.sio.emit("print.result", result)


def run_agent(
    server: str,
    token: str,
    printer_url: str,
    poll_s: float = 15.0,
    state_dir: str | Path | None = None,
) -> None:
    """Run the agent in the foreground until Ctrl-C; printed job ids are kept under state_dir."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    folder = Path(state_dir) if state_dir else default_state_dir()
    agent = KioskAgent(server, token, printer_url, poll_s=poll_s, state_dir=folder).start()
    log.info("printed job ids are kept in %s", agent.printed.path)
    try:
        agent.wait()
    except KeyboardInterrupt:
        pass
    finally:
        agent.stop()
