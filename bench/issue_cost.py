"""In-process CPU cost of issuing a ticket (issue 16): the Flask test client, the same route, audit,
events and subscribers as a server, no sockets.

The hall is the demo (`queuehall init --demo`) with eight clerks' windows open, and one kiosk issues
`-n` tickets round-robin over the items those windows serve, as bench/serving_bench.py's issuing
section does: many short queues, so each new ticket's people-ahead comes from the call order of
the windows serving it. `--one-item` issues into one item instead (one long queue).

    .venv/bin/python bench/issue_cost.py [--pg] [-n 1000] [--one-item] [--profile out.prof]

Run it on main and on a branch back to back (the machine's load moves the figures by ±25%).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CRED_DEVICE, CRED_STAFF, PG_ADMIN_URL, make_pg_database  # noqa: E402


def demo(tmp: Path, url: str) -> tuple[dict[str, str], dict[str, str]]:
    """A demo hall in `tmp` (database `url`); the clerks' passwords and device tokens it printed."""
    env = {**os.environ, "QUEUEHALL_INSTANCE": str(tmp), "QUEUEHALL_DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "init", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    passwords, devices = {}, {}
    for line in out.splitlines():
        if (m := CRED_STAFF.match(line)) and m.group(1) == "clerk":
            passwords[m.group(2)] = m.group(3)
        elif m := CRED_DEVICE.match(line):
            devices.setdefault(m.group(1), m.group(4))
    return passwords, devices


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL database")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--one-item", action="store_true", help="one long queue instead of many")
    ap.add_argument("--profile", help="write a cProfile of the measured loop here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url, drop = make_pg_database(PG_ADMIN_URL) if args.pg else (f"sqlite:///{tmp / 'qh.db'}", None)
    passwords, devices = demo(tmp, url)
    os.environ["QUEUEHALL_INSTANCE"] = str(tmp)
    os.environ["QUEUEHALL_DATABASE_URL"] = url
    from server.app import create_app

    app = create_app({"INSTANCE_PATH": str(tmp), "RATE_LIMIT_TICKETS_PER_MIN": 0})
    client = app.test_client(use_cookies=False)

    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    kiosk = auth(devices["kiosk"])
    served: set[int] = set()
    opened: set[int] = set()
    for user, password in sorted(passwords.items()):
        if len(opened) == 8:
            break
        r = client.post("/api/v1/auth/login", json={"username": user, "password": password})
        assert r.status_code == 200, (user, r.get_json())
        token = r.get_json()["access_token"]
        me = client.get("/api/v1/auth/me", headers=auth(token)).get_json()
        free = [w for w in me.get("window_ids", []) if w not in opened]
        if me.get("role") != "clerk" or not free:
            continue
        w = client.post(f"/api/v1/windows/{free[0]}/open", json={}, headers=auth(token))
        assert w.status_code == 200, w.get_json()
        opened.add(free[0])
        served.update(w.get_json()["service_ids"])
    items: Any = client.get("/api/v1/services").get_json()["items"]
    closed = {s["id"] for s in items if s.get("daily_cap") or not s.get("open_now", True)}
    services = sorted(served - closed)
    if args.one_item:
        services = services[:1]
    assert services, "no item open now"

    def issue(i: int) -> int:
        r = client.post(
            "/api/v1/tickets", json={"service_id": services[i % len(services)]}, headers=kiosk
        )
        assert r.status_code == 201, r.get_json()
        return int(r.get_json()["waiting_ahead"])

    for i in range(20):  # warm caches (compiled statements, pools)
        issue(i)
    prof = cProfile.Profile() if args.profile else None
    total = 0
    c0, w0 = time.process_time(), time.perf_counter()
    if prof is not None:
        prof.enable()
    for i in range(args.n):
        total += issue(i)
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    c1, w1 = time.process_time(), time.perf_counter()
    print(
        f"issue ({'PostgreSQL' if args.pg else 'SQLite'}, {len(services)} items, {len(opened)} "
        f"windows open, {args.n} tickets): {(c1 - c0) / args.n * 1000:.3f} ms CPU, "
        f"{(w1 - w0) / args.n * 1000:.3f} ms wall per ticket; sum of waiting_ahead {total}"
    )
    app.extensions["queuehall"].db.dispose()
    if drop is not None:
        drop()


if __name__ == "__main__":
    main()
