"""Issuing alone against a live `queuehall serve` process (the issuing section of
bench/serving_bench.py without the sockets and the other sections): 8 kiosks through `wrk` for
`--seconds`, round-robin over the items of eight open windows of the demo hall; tickets/s, p50/p99
and the server's CPU per ticket. Run it from main's tree and a branch's back to back.

    .venv/bin/python bench/issue_live.py [--seconds 10] [--worker gevent]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serving_bench import Hall  # noqa: E402  (this script's folder)

from server.serve import WORKERS  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", default="gevent", choices=list(WORKERS))
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    hall = Hall(Path(tempfile.mkdtemp()), a.worker)
    try:
        r = hall.wrk_issue(a.seconds)
        print(
            f"issuing, 8 kiosks, {len(hall.services)} items: {r['per_s']:.0f} tickets/s, "
            f"p50 {r.get('p50_ms', float('nan')):.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"failures {int(r['non2xx'] + r['socket_errors'])}, "
            f"server CPU {r['cpu_ms']:.2f} ms per ticket"
        )
    finally:
        hall.stop()


if __name__ == "__main__":
    main()
