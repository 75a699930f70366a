"""In-process CPU cost of a clerk's calls: call-next + start + finish, through the HTTP stack.

Runs the app in this process (Flask test client: the same routes, principal lookup, audit, bus,
realtime emit and subscribers as a server, no sockets) on a fresh hall and prints the CPU time per
call-next + start + finish. One client in a loop: what a call costs the server, not what many
clients get (bench/serving_bench.py does that).

    .venv/bin/python bench/call_cost.py [--pg] [-n 1000] [--against /work/main] [--profile out.prof]

`--against TREE` measures the source tree TREE (another checkout, e.g. main) in a child process,
alternating with this one, so both figures come from the same run and the same machine load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(pg: bool, n: int, profile: str | None) -> float:
    sys.path.insert(0, os.environ.get("QH_TREE", str(ROOT)))  # the tree measured (--against)
    from tests.conftest import PG_ADMIN_URL, build_hall, make_pg_database

    tmp = Path(tempfile.mkdtemp())
    url, drop = make_pg_database(PG_ADMIN_URL) if pg else (f"sqlite:///{tmp / 'qh.db'}", None)
    hall = build_hall(url, tmp)
    hall.app.config["RATE_LIMIT_TICKETS_PER_MIN"] = 0  # one kiosk issues the whole loop
    kiosk, clerk = hall.client("kiosk"), hall.client("clerk1")
    sid, wid = hall.ids["A"], hall.ids["w1"]
    for _ in range(n + 60):
        assert kiosk.post("/api/v1/tickets", json={"service_id": sid}).status_code == 201
    assert clerk.post(f"/api/v1/windows/{wid}/open").status_code == 200

    def cycle() -> None:
        r = clerk.post(f"/api/v1/windows/{wid}/call-next")
        assert r.status_code == 200, r.get_json()
        tid = r.get_json()["id"]
        assert clerk.post(f"/api/v1/tickets/{tid}/start").status_code == 200
        assert clerk.post(f"/api/v1/tickets/{tid}/finish").status_code == 200

    for _ in range(50):  # warm caches (compiled statements, pools)
        cycle()
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    c0 = time.process_time()
    for _ in range(n):
        cycle()
    cpu = (time.process_time() - c0) / n * 1000
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    hall.ctx.db.dispose()
    if drop is not None:
        drop()
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", action="store_true", help="a throwaway PostgreSQL database")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--against", help="another source tree (e.g. /work/main) measured alongside")
    ap.add_argument("--profile", help="write a cProfile of the measured loop here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child or not a.against:
        cpu = measure(a.pg, a.n, a.profile)
        print(f"{cpu:.3f}" if a.child else f"call-next + start + finish: {cpu:.2f} ms CPU")
        return

    def run(tree: str) -> float:
        env = {**os.environ, "PYTHONPATH": tree}
        cmd = [
            sys.executable,
            str(Path(tree) / "bench" / "call_cost.py"),
            "--child",
            "-n",
            str(a.n),
        ]
        if not (Path(tree) / "bench" / "call_cost.py").exists():
            cmd = [sys.executable, __file__, "--child", "-n", str(a.n)]
            env["QH_TREE"] = tree
        if a.pg:
            cmd.append("--pg")
        out = subprocess.run(cmd, env=env, cwd=tree, check=True, capture_output=True, text=True)
        return float(out.stdout.split()[-1])

    mine, theirs = [], []
    for _ in range(a.rounds):
        theirs.append(run(a.against))
        mine.append(run(str(ROOT)))
    load = os.getloadavg()
    db = "PostgreSQL" if a.pg else "SQLite"
    print(f"call-next + start + finish, {db}, n={a.n}, load {load[0]:.1f}/{load[1]:.1f}")
    print(f"  this tree ({ROOT}): " + ", ".join(f"{x:.2f}" for x in mine) + " ms CPU")
    print(f"  {a.against}: " + ", ".join(f"{x:.2f}" for x in theirs) + " ms CPU")


if __name__ == "__main__":
    main()
