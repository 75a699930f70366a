"""SQLite's writer: checkpoints of the write-ahead log beside the writers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from server.services.access import auth
from server.services.queue import tickets
from server.storage.db import SAFETY_CHECKPOINT_PAGES
from tests.conftest import ROOT, Hall


def _wait(pred, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_a_slow_checkpoint_never_holds_up_issuing(
    sqlite_hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = sqlite_hall.ctx
    cp = ctx.db.checkpointer
    assert cp is not None
    started, release = threading.Event(), threading.Event()
    real = cp.checkpoint

    def slow_disk() -> None:  # a checkpoint whose syncs take their time
        started.set()
        release.wait(30)
        real()

    monkeypatch.setattr(cp, "checkpoint", slow_disk)
    kiosk = auth.authenticate(ctx, sqlite_hall.tokens["kiosk"])
    numbers: list[str] = []

    def kiosk_busy_morning() -> None:
        for _ in range(cp.every * 3):
            numbers.append(tickets.issue(ctx, kiosk, sqlite_hall.ids["A"])["number"])

    worker = threading.Thread(target=kiosk_busy_morning)
    worker.start()
    try:
        worker.join(30)
        assert started.is_set(), "a checkpoint began once the log had filled"
        assert not worker.is_alive(), "issuing waited for the checkpoint"
        assert numbers == [f"A{i:03d}" for i in range(1, cp.every * 3 + 1)]
    finally:
        release.set()
        worker.join(30)
    assert _wait(lambda: cp.done >= 1), "the checkpoint finished once the disk answered"


def test_the_log_stays_bounded_and_its_pages_reach_the_database_file(sqlite_hall: Hall) -> None:
    ctx = sqlite_hall.ctx
    path = Path(ctx.db.url.split("///", 1)[1])
    kiosk = auth.authenticate(ctx, sqlite_hall.tokens["kiosk"])
    size_before = path.stat().st_size

    def issue(n: int) -> None:
        for _ in range(n):
            tickets.issue(ctx, kiosk, sqlite_hall.ids["B"])

    threads = [
        threading.Thread(target=issue, args=(150,)) for _ in range(4)
    ]  # never a pause between tickets
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert ctx.db.checkpointer is not None and ctx.db.checkpointer.done >= 1
    assert path.stat().st_size > size_before, "checkpointed pages are in the database file itself"
    # Once the writers pause the log is rewound: a checkpoint with no writer copies every page, and
    # the next write starts the log from its beginning, so it holds that write's pages only. (How
    # far the log grows *during* such a burst depends on how much CPU the checkpointer gets beside
    # four writers that never pause: 31.5-31.9 MB in the suite on two busy workers, within the
    # safety size on a quiet machine. That is a race of speeds, not asserted here.)
    ctx.db.checkpointer.checkpoint()
    tickets.issue(ctx, kiosk, sqlite_hall.ids["B"])
    raw = ctx.db.reader.raw_connection()
    try:
        frames = raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        raw.close()
    assert 0 < frames <= 100, f"the log holds {frames} pages after one ticket"


def test_the_writer_checkpoints_by_itself_only_as_a_safety_net(sqlite_hall: Hall) -> None:
    raw = sqlite_hall.ctx.db.writer.raw_connection()
    try:
        assert (
            raw.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            == SAFETY_CHECKPOINT_PAGES
        )
    finally:
        raw.close()
    # the reader engine (and any other process, such as the command line) keeps SQLite's default
    reader = sqlite_hall.ctx.db.reader.raw_connection()
    try:
        assert reader.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    finally:
        reader.close()


def test_under_gevent_a_checkpoint_runs_off_the_serving_loop(tmp_path: Path) -> None:
    """Served on gevent the checkpointer's thread is a greenlet: its checkpoint (page copies and
    syncs, blocking C calls) would hold every request and screen. It runs in a pool thread, and the
    loop goes on beating while it waits on the disk (order, not timing: beats seen during it)."""
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "integration" / "checkpoint_probe.py"),
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["threads"] and got["loop"] not in got["threads"], got
    assert got["during"] >= 1, got
