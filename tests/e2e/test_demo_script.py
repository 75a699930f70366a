"""`scripts/demo.sh` as a user runs it: it serves on PORT with a printer on PRINTER_PORT, and
stopping it stops both (nothing left listening, nothing left running)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_http


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pids: list[int]) -> list[int]:
    return [
        p
        for p in pids
        if Path(f"/proc/{p}").exists()
        and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    ]


def _family(root: int) -> list[int]:
    """`root` and every process below it."""
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_the_demo_stops_the_server_and_the_printer_simulator(
    tmp_path: Path, how: str
) -> None:
    port, printer_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "PRINTER_PORT": str(printer_port),
        "QUEUEHALL_INSTANCE": str(tmp_path),
        # what is tested is stopping; the demo's thirty-odd passwords hashed at the production
        # cost took 7 s of CPU per run (test_cli.py and test_wheel_install.py set up at that cost)
        "QUEUEHALL_PASSWORD_HASH": "cheapest",
    }
    log = open(tmp_path / "demo.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        ["bash", "scripts/demo.sh"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # its own process group, as in a terminal
    family: list[int] = [proc.pid]
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/health", timeout=240)
        assert _listening(printer_port), "the printer simulator listens on PRINTER_PORT"
        out = (tmp_path / "demo.out").read_text()
        assert (
            f"http://127.0.0.1:{port}/admin/monitor" in out
            and f"tcp://127.0.0.1:{printer_port}" in out
        )
        family = _family(proc.pid)
        assert len(family) >= 3  # the script, the printer simulator, the server (and its worker)
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        else:
            proc.send_signal(signal.SIGTERM)  # what a service manager does
        proc.wait(60)
        deadline = time.monotonic() + 30
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(family), (tmp_path / "demo.out").read_text()[-2000:]
        assert not _listening(port) and not _listening(printer_port)
    finally:  # whatever the outcome, leave nothing of this run behind
        for pid in _alive(sorted(set(family) | set(_family(proc.pid)))):
            os.kill(pid, signal.SIGKILL)
        proc.wait(10)
        log.close()
