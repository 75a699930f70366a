"""How fast could any clerk's call be on this stack? The floors under issue 16's calls target.

Issue 16 asks for 400 calls a second from one process (8 clerks at 8 windows). This measures, in
one run on one machine, with wrk as the load, on SQLite (or the empty PostgreSQL database
QUEUEHALL_DATABASE_URL names):

1. the hall: `queuehall serve` on the demo hall, 8 clerks doing call-next + no-show (serving_bench's
   second calls row);
2. the floors, bare Flask under the same gunicorn worker (bench/floor_app.py), replaying the SQL
   statements that each clerk's real call-next and no-show ran, captured here from the product on
   the same hall:
   - through SQLAlchemy Core (`text()` via `Session.execute`, on the product's own engine): the
     stack the product is built on, without sign-in, queue logic, events, audit or a line of the
     product's own code on the request;
   - through the driver directly (sqlite3, psycopg);
   - no database at all: the two HTTP requests alone.

If the Core floor is itself below 400 cycles a second, no design on Flask and SQLAlchemy that needs
these statements reaches the target on this machine; the distance between the hall and that floor
is what the product's own code costs.

    .venv/bin/python bench/call_floor.py [--seconds 10] [--python PY]
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import serving_bench as sb  # noqa: E402  (its sibling: bench/ is this script's path)

from server.serve import WORKERS  # noqa: E402
from tests.conftest import free_port, wait_http  # noqa: E402

CYCLE_LUA = """
local n_threads = 0
function setup(thread) thread:set("id", n_threads); n_threads = n_threads + 1 end
function init(args) n = 0 end
function request()
  n = n + 1
  local path = ((n % 2 == 1) and "/call/" or "/end/") .. id
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, "{}")
end
"""


def capture(hall: sb.Hall, tmp: Path) -> tuple[Path, dict[str, int]]:
    """One real call-next and no-show by each of the hall's clerks, run by the product in this
    process (the Flask test client on the hall's database): the statements each ran, per clerk, so
    that each floor connection replays its own clerk's window and ticket (no lock the hall would not
    take). The first cycles only warm the caches."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from server.app import create_app

    app = create_app({"RATE_LIMIT_TICKETS_PER_MIN": 0, "PRINTER_SPOOLER": False})
    client = app.test_client()
    log: list[tuple[str, Any]] = []

    def seen(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if not sql.lstrip().upper().startswith("BEGIN"):  # each floor begins its own transaction
            log.append((sql, params))

    def cycle(token: str, window: int) -> tuple[list[Any], list[Any]]:
        auth = sb.Hall.auth(token)
        log.clear()
        r = client.post(f"/api/v1/windows/{window}/call-next", headers=auth, json={})
        assert r.status_code == 200, r.get_json()
        call = list(log)
        log.clear()
        r = client.post(f"/api/v1/tickets/{r.get_json()['id']}/no-show", headers=auth, json={})
        assert r.status_code == 200, r.get_json()
        return call, list(log)

    hall.settle_windows()
    for token, window, _ in hall.clerks:
        for _ in range(5):
            cycle(token, window)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        cycles = [cycle(token, window) for token, window, _ in hall.clerks]
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    app.extensions["queuehall"].db.dispose()
    captured = {
        f"{kind}/{i}": c[k] for i, c in enumerate(cycles) for k, kind in enumerate(("call", "end"))
    }
    sql_file = tmp / "captured.pickle"
    sql_file.write_bytes(pickle.dumps(captured))
    return sql_file, {"call": len(cycles[0][0]), "end": len(cycles[0][1]), "clerks": len(cycles)}


def floor(mode: str, url: str, sql: Path, seconds: float, clerks: int) -> dict[str, float]:
    port = free_port()
    args = ["-k", WORKERS["gevent"], "-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    env = {**os.environ, "FLOOR_URL": url, "FLOOR_SQL": str(sql)}
    proc = subprocess.Popen(
        [sb.SERVER_PY, "-m", "gunicorn", *args, f"bench.floor_app:make({mode!r})"],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/call/0")  # a GET answers 405: the server is up
        if sb.ANALYZE_BEFORE_STAGES:
            sb.analyze()
        cpu = sb.cpu_s(proc.pid)
        r = sb.wrk(base, CYCLE_LUA, clerks, seconds)
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
    sb.ANALYZE_BEFORE_STAGES = sb.stale_statistics()
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    pg = sb.libpq_url()
    print(
        f"{'PostgreSQL' if pg else 'SQLite'}; servers run by {a.python};"
        f" load average before: {sb.loadavg()}"
        + ("; ANALYZE before each stage (autovacuum is off)" if sb.ANALYZE_BEFORE_STAGES else ""),
        flush=True,
    )
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="qh-call-floor-") as tmp_s:
        tmp = Path(tmp_s)
        os.environ["QUEUEHALL_INSTANCE"] = str(tmp)  # the hall's, for the capture in this process
        hall = sb.Hall(tmp, "gevent")
        try:
            hall.wrk_issue(min(a.seconds, 8))  # enough waiting tickets for the calls
            sql, counts = capture(hall, tmp)
            print(
                f"captured from {counts['clerks']} clerks: call-next {counts['call']} statements,"
                f" no-show {counts['end']}",
                flush=True,
            )
            if sb.ANALYZE_BEFORE_STAGES:
                sb.analyze()
            got = hall.wrk_calls(a.seconds, ("no-show",), settle=True)
            dry = f", queue ran dry {got['empty']:.0f} times" if got.get("empty") else ""
            dry += f", {got['socket_errors']:.0f} failed" if got["socket_errors"] else ""
            rows.append(
                (
                    "the hall: call-next + no-show",
                    f"{got['calls_per_s']:.0f}/s, p99 {got['p99_ms']:.1f} ms",
                    f"{got['cpu_ms']:.2f} ms{dry}",
                )
            )
        finally:
            hall.stop()
        url = pg or f"sqlite:///{tmp / 'queuehall.db'}"
        for mode, label in (
            (
                "core",
                f"floor: the same {counts['call']} + {counts['end']} statements, SQLAlchemy Core",
            ),
            ("driver", f"floor: the same statements, {'psycopg' if pg else 'sqlite3'} directly"),
            ("hello", "floor: the two HTTP requests, no database"),
        ):
            got = floor(mode, url, sql, a.seconds, len(hall.clerks))
            failed = got["non2xx"] + got["socket_errors"]
            rows.append(
                (
                    label,
                    f"{got['cycles_per_s']:.0f}/s, p99 {got['p99_ms']:.1f} ms",
                    f"{got['cpu_ms']:.2f} ms"
                    + (f", NO FIGURE: {failed:.0f} failed" if failed else ""),
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
