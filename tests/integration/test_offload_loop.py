"""Blocking work does not hold the event loop (issue 16 item 1): under gevent, as the serving worker
runs, a year's summary report renders in a pool thread while a clerk's calls go on reaching a
screen. The probe runs in a process of its own (gevent must patch before anything is imported).

The control is the same report run on the loop itself, in the same process: a greenlet heartbeat
sees the loop held for at least the report's CPU time (on SQLite no call gets through meanwhile;
on PostgreSQL calls slip in while the driver waits for the database, which it does cooperatively). No
timing margin is asserted (the machine may be busy): the assertions are where the report ran,
whether calls flowed meanwhile, and that the loop's longest gap is shorter than when the report
holds it; the heartbeat's figures (with a baseline of calls alone) are printed for the record.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_a_year_s_report_renders_off_the_loop_while_calls_reach_the_screens(
    db_url: str, tmp_path: Path
) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "integration" / "loop_probe.py"), db_url,
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(got))
    pooled, inline = got["pooled"], got["inline"]
    # the control: on the loop, the report holds the loop for at least its CPU burn (a lower bound
    # whatever the load: that much CPU time in one stretch cannot take less wall time)
    assert got["inline_threads"] == [got["loop"]] and inline["gap_ms"] >= got["burn_ms"], got
    # as served: the report runs in another OS thread, and calls reach the screen meanwhile
    assert got["pooled_threads"] and got["loop"] not in got["pooled_threads"]
    assert pooled["calls"] >= 1, pooled
    # a sign-in's argon2 check is slow on purpose: it too runs off the loop
    assert got["login_threads"] and got["loop"] not in got["login_threads"]
    # and the loop is never held for the report's length, as it is when the report runs on it
    assert pooled["gap_ms"] < inline["gap_ms"], got


def test_speech_synthesis_runs_off_the_loop(tmp_path: Path) -> None:
    """espeak-ng renders an announcement (the screens' audio cache) off the loop under gevent: by
    the espeak-ng command, a process of its own, or by the pyttsx3 engine in a real OS thread.
    Before the engine got its thread, the speech worker's "thread" was a greenlet on the loop,
    and espeak's C calls held it."""
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "integration" / "speech_probe.py"),
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(got))
    assert got["command"]["used"], got  # espeak-ng is installed here: files go through it
    for way in ("command", "engine"):
        assert got[way]["wav_bytes"] > 44, got  # it spoke
        assert got[way]["beats_during"] >= 1, got  # the loop ran while it rendered
    assert got["engine"]["threads"] and got["loop"] not in got["engine"]["threads"], got
