"""In-process cost of the hall's busiest writes: issuing, and call-next + no-show.

Runs the app in this process (Flask test client, the same routes, audit and events as a server) on
a fresh database and prints the CPU and wall time per command. A simple loop, one client: it
measures what one command costs the server, not what many clients get (bench/bench.py does that).

    .venv/bin/python scripts/write_cost.py [--pg] [-n 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import PG_ADMIN_URL, build_hall, make_pg_database  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--pg", action="store_true", help="a throwaway PostgreSQL database instead of SQLite"
    )
    ap.add_argument("-n", type=int, default=2000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url, drop = make_pg_database(PG_ADMIN_URL) if args.pg else (f"sqlite:///{tmp / 'qh.db'}", None)
    hall = build_hall(url, tmp)
    hall.app.config["RATE_LIMIT_TICKETS_PER_MIN"] = 0  # one kiosk issues the whole loop
    kiosk, clerk = hall.client("kiosk"), hall.client("clerk1")
    sid, wid = hall.ids["A"], hall.ids["w1"]
    for _ in range(50):  # warm caches (compiled statements, pools)
        assert kiosk.post("/api/v1/tickets", json={"service_id": sid}).status_code == 201
    assert clerk.post(f"/api/v1/windows/{wid}/open").status_code == 200
    for _ in range(50):
        t = clerk.post(f"/api/v1/windows/{wid}/call-next").get_json()
        assert clerk.post(f"/api/v1/tickets/{t['id']}/no-show").status_code == 200

    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        r = kiosk.post("/api/v1/tickets", json={"service_id": sid})
        assert r.status_code == 201, r.get_json()
    c1, w1 = time.process_time(), time.perf_counter()
    print(
        f"issue: {(c1 - c0) / args.n * 1000:.3f} ms CPU, {(w1 - w0) / args.n * 1000:.3f} ms wall per ticket"
    )

    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        r = clerk.post(f"/api/v1/windows/{wid}/call-next")
        assert r.status_code == 200, r.get_json()
        assert clerk.post(f"/api/v1/tickets/{r.get_json()['id']}/no-show").status_code == 200
    c1, w1 = time.process_time(), time.perf_counter()
    print(
        f"call-next + no-show: {(c1 - c0) / args.n * 1000:.3f} ms CPU, {(w1 - w0) / args.n * 1000:.3f} ms wall per pair"
    )
    hall.ctx.db.dispose()
    if drop is not None:
        drop()


if __name__ == "__main__":
    main()
