"""How fast could any clerk's call be on this stack? The floors under issue 16's calls target.

Issue 16 asks for 400 calls a second from one process (8 clerks at 8 windows, SQLite). This
measures, in one run on one machine, with wrk as the load:

1. the hall: `queuehall serve`, 8 clerks doing call-next + no-show (serving_bench's second row);
2. the floors, bare Flask under the same gunicorn worker (bench/floor_app.py), replaying the SQL
   statements that one real call-next and one real no-show ran, captured here from the product:
   - through SQLAlchemy Core (`text()` via `Session.execute`): the stack the product is built on,
     without authentication, queue logic, events, audit or a line of the product's own code;
   - through Python's sqlite3 module directly;
   - no database at all: the two HTTP requests alone.

If the Core floor is itself below 400 cycles a second, no design on Flask and SQLAlchemy reaches
the target on this machine; the distance between the hall and that floor is what the product's own
code costs.

    .venv/bin/python bench/call_floor.py [--seconds 10] [--python PY]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import serving_bench as sb  # noqa: E402  (its sibling: bench/ is this script's path)

from server.serve import WORKERS  # noqa: E402
from tests.conftest import build_hall, free_port, wait_http  # noqa: E402

CYCLE_LUA = """
local n_threads = 0
function setup(thread) thread:set("id", n_threads); n_threads = n_threads + 1 end
function init(args) n = 0 end
function request()
  n = n + 1
  local path = (n % 2 == 1) and "/call" or "/end"
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, "{}")
end
"""


def capture(tmp: Path) -> tuple[Path, Path, dict[str, int]]:
    """One real call-next and no-show on a demo hall (the Flask test client, in this process): the
    statements each ran, and a copy of the database they ran on."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    hall = build_hall(f"sqlite:///{tmp / 'hall.db'}", tmp)
    hall.app.config["RATE_LIMIT_TICKETS_PER_MIN"] = 0
    kiosk, clerk = hall.client("kiosk"), hall.client("clerk1")
    sid, wid = hall.ids["A"], hall.ids["w1"]
    for _ in range(200):
        assert kiosk.post("/api/v1/tickets", json={"service_id": sid}).status_code == 201
    assert clerk.post(f"/api/v1/windows/{wid}/open").status_code == 200

    def cycle() -> None:
        r = clerk.post(f"/api/v1/windows/{wid}/call-next")
        assert r.status_code == 200, r.get_json()
        assert clerk.post(f"/api/v1/tickets/{r.get_json()['id']}/no-show").status_code == 200

    for _ in range(20):  # past the first calls' caches
        cycle()
    log: list[tuple[str, list[Any]]] = []

    def seen(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not sql.lstrip().upper().startswith("BEGIN"):  # each floor begins its own transaction
            log.append((sql, list(params)))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        r = clerk.post(f"/api/v1/windows/{wid}/call-next")
        call = list(log)
        log.clear()
        clerk.post(f"/api/v1/tickets/{r.get_json()['id']}/no-show")
        end = list(log)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    sql_file = tmp / "captured.json"
    sql_file.write_text(json.dumps({"call": call, "end": end}))
    floor_db = tmp / "floor.db"
    src, dst = sqlite3.connect(tmp / "hall.db"), sqlite3.connect(floor_db)
    src.backup(dst)
    src.close()
    dst.close()
    return floor_db, sql_file, {"call": len(call), "end": len(end)}


def floor(mode: str, db: Path, sql: Path, seconds: float) -> dict[str, float]:
    port = free_port()
    args = ["-k", WORKERS["gevent"], "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    env = {**os.environ, "FLOOR_DB": str(db), "FLOOR_SQL": str(sql)}
    proc = subprocess.Popen(
        [sb.SERVER_PY, "-m", "gunicorn", *args, f"bench.floor_app:make({mode!r})"],
        cwd=ROOT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/call")  # a GET answers 405: the server is up
        cpu = sb.cpu_s(proc.pid)
        r = sb.wrk(url, CYCLE_LUA, 8, seconds)
        r["cycles_per_s"] = r["requests"] / 2 / seconds
        r["cpu_ms"] = (sb.cpu_s(proc.pid) - cpu) * 1000 / max(1, r["requests"] / 2)
        return r
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--python", default=sys.executable, help="the Python that runs the servers")
    a = ap.parse_args()
    sb.SERVER_PY = a.python
    print(f"servers run by {a.python}; load average before: {sb.loadavg()}", flush=True)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="qh-call-floor-") as tmp_s:
        tmp = Path(tmp_s)
        db, sql, counts = capture(tmp)
        print(f"captured: call-next {counts['call']} statements, no-show {counts['end']}")
        hall_dir = tmp / "hall"
        hall_dir.mkdir()
        hall = sb.Hall(hall_dir, "gevent")
        try:
            hall.wrk_issue(min(a.seconds, 8))  # enough waiting tickets for the calls
            got = hall.wrk_calls(a.seconds, ("no-show",), settle=True)
            dry = f", queue ran dry {got['empty']:.0f} times" if got.get("empty") else ""
            rows.append(
                (
                    "the hall: call-next + no-show",
                    f"{got['calls_per_s']:.0f}/s, p99 {got['p99_ms']:.1f} ms",
                    f"{got['cpu_ms']:.2f} ms{dry}",
                )
            )
        finally:
            hall.stop()
        for mode, label in (
            (
                "core",
                f"floor: the same {counts['call']} + {counts['end']} statements, SQLAlchemy Core",
            ),
            ("driver", "floor: the same statements, sqlite3 directly"),
            ("hello", "floor: the two HTTP requests, no database"),
        ):
            got = floor(mode, db, sql, a.seconds)
            rows.append(
                (
                    label,
                    f"{got['cycles_per_s']:.0f}/s, p99 {got['p99_ms']:.1f} ms",
                    f"{got['cpu_ms']:.2f} ms",
                )
            )
    print(f"\nload average after: {sb.loadavg()}; target: 400 calls/s, p99 <= 50 ms\n")
    width = max(len(r[0]) for r in rows)
    print(
        f"{'8 clerks, one process':<{width}}  {'cycles/s, p99 per request':<28}  server CPU per cycle"
    )
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]:<28}  {r[2]}")


if __name__ == "__main__":
    main()
