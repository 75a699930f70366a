"""Benchmark a real `queuehall serve` process on SQLite (or QUEUEHALL_DATABASE_URL) and print a table.

Figures (issue 2): ticket issuing with 1 and 8 concurrent clients (throughput, p50, p99), the health
check in the same run as the ceiling and the ratio, call-next p50/p99, call -> Socket.IO client
latency with 50 and 200 connected clients, and the server's RSS after 10,000 tickets.

    .venv/bin/python bench/bench.py            # about two minutes on 2 cores
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CRED_DEVICE, CRED_STAFF, free_port, wait_http  # noqa: E402


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str], dict[str, str]]:
    # the per-kiosk issuing limit guards against a stuck kiosk; the benchmark measures capacity
    env = {
        **os.environ,
        "QUEUEHALL_INSTANCE": str(tmp),
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
    }
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
        if m := CRED_STAFF.match(line):
            passwords[m.group(2)] = m.group(3)
        elif m := CRED_DEVICE.match(line):
            devices[m.group(1) + (m.group(3) or "")] = devices.get(
                m.group(1) + (m.group(3) or "")
            ) or m.group(4)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=open(tmp / "server.log", "wb"),
        stderr=subprocess.STDOUT,
    )  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/api/v1/health")
    return proc, url, passwords, devices


def _client(args: tuple[str, str, dict[str, str], Any, int, float]) -> list[float]:
    url, method, headers, body, count, _ = args
    s = requests.Session()
    lat = []
    for _ in range(count):
        t = time.perf_counter()
        r = s.request(method, url, headers=headers, json=body, timeout=30)
        lat.append(time.perf_counter() - t)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {r.status_code} {r.text[:200]}")
    return lat


def load(
    url: str, method: str, headers: dict[str, str], body: Any, clients: int, per_client: int
) -> dict[str, float]:
    """Run `clients` processes, each sending `per_client` requests on a keep-alive connection."""
    with mp.get_context("fork").Pool(clients) as pool:
        t0 = time.perf_counter()
        parts = pool.map(_client, [(url, method, headers, body, per_client, 0.0)] * clients)
        wall = time.perf_counter() - t0
    lat = [x for p in parts for x in p]
    return {
        "n": len(lat),
        "rps": len(lat) / wall,
        "p50_ms": pct(lat, 50) * 1000,
        "p99_ms": pct(lat, 99) * 1000,
    }


async def _listen(
    url: str, token: str, n: int, numbers: list[str], ready: Any, results: Any
) -> None:
    import socketio

    received: dict[str, list[float]] = {}

    async def one() -> socketio.AsyncClient:
        c = socketio.AsyncClient(reconnection=False)

        @c.on("ticket.called")
        async def _called(data: dict[str, Any]) -> None:
            received.setdefault(data["ticket"]["number"], []).append(time.time())

        await c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        return c

    clients = []
    for i in range(0, n, 25):
        clients += await asyncio.gather(*(one() for _ in range(min(25, n - i))))
    ready.set()
    deadline = time.time() + 120
    while time.time() < deadline and not all(len(received.get(x, [])) >= n for x in numbers):
        await asyncio.sleep(0.05)
    results.put(received)
    for c in clients:
        await c.disconnect()


def _listener(url: str, token: str, n: int, numbers: list[str], ready: Any, results: Any) -> None:
    asyncio.run(_listen(url, token, n, numbers, ready, results))


def rss_mb(master_pid: int) -> float:
    """RSS of the gunicorn worker (the child that serves) plus the master."""
    total = 0
    pids = [master_pid]
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        pids += [int(x) for x in children.read_text().split()]
    for pid in pids:
        m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        total += int(m.group(1)) if m else 0
    return total / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer requests (for a smoke run)")
    args = ap.parse_args()
    scale = 0.2 if args.quick else 1.0
    tmp = Path(tempfile.mkdtemp(prefix="qh-bench-"))
    proc, url, passwords, devices = start_server(tmp)
    rows: list[tuple[str, str, str]] = []
    try:
        kiosk = {"Authorization": f"Bearer {devices['kiosk']}"}
        display_token = devices["display"]
        services = requests.get(url + "/api/v1/services", timeout=10).json()["items"]
        windows = requests.get(url + "/api/v1/windows", headers=kiosk, timeout=10).json()["items"]
        w1 = next(w for w in windows if w["number"] == 1)
        item = next(s for s in services if s["id"] in w1["service_ids"] and s["daily_cap"] is None)
        body = {"service_id": item["id"]}
        issue_url = url + "/api/v1/tickets"
        n1, n8 = int(1500 * scale), int(1000 * scale)

        load(
            url + "/api/v1/health", "GET", kiosk, None, 2, 100
        )  # warm up (as the kiosk: same authentication as issuing)
        ceiling = load(url + "/api/v1/health", "GET", kiosk, None, 8, n8)
        one = load(issue_url, "POST", kiosk, body, 1, n1)
        eight = load(issue_url, "POST", kiosk, body, 8, n8)
        ratio = eight["rps"] / ceiling["rps"]
        rows += [
            (
                "health check, 8 clients (ceiling)",
                f"{ceiling['rps']:.0f} req/s",
                f"p50 {ceiling['p50_ms']:.1f} ms, p99 {ceiling['p99_ms']:.1f} ms",
            ),
            (
                "issue ticket, 1 client",
                f"{one['rps']:.0f} tickets/s",
                f"p50 {one['p50_ms']:.1f} ms, p99 {one['p99_ms']:.1f} ms",
            ),
            (
                "issue ticket, 8 clients",
                f"{eight['rps']:.0f} tickets/s",
                f"p50 {eight['p50_ms']:.1f} ms, p99 {eight['p99_ms']:.1f} ms",
            ),
            ("issuing / ceiling (8 clients)", f"{ratio:.0%}", "target >= 50%, p99 <= 50 ms"),
        ]
        issued = one["n"] + eight["n"]

        token = requests.post(
            url + "/api/v1/auth/login",
            json={"username": "zhangwei", "password": passwords["zhangwei"]},
            timeout=10,
        ).json()["access_token"]
        clerk = {"Authorization": f"Bearer {token}"}
        s = requests.Session()
        s.post(
            f"{url}/api/v1/windows/{w1['id']}/open", headers=clerk, timeout=10
        ).raise_for_status()
        lat = []
        for _ in range(int(300 * scale)):
            t = time.perf_counter()
            r = s.post(f"{url}/api/v1/windows/{w1['id']}/call-next", headers=clerk, timeout=10)
            lat.append(time.perf_counter() - t)
            r.raise_for_status()
            s.post(
                f"{url}/api/v1/tickets/{r.json()['id']}/no-show", headers=clerk, timeout=10
            ).raise_for_status()
        rows.append(
            (
                "call-next",
                f"{len(lat)} calls",
                f"p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms",
            )
        )

        for n_clients in (50, 200):
            calls = 20
            numbers: list[str] = []
            # the next numbers to be called are the oldest waiting ones: learn them from the window's queue
            queue = s.get(
                f"{url}/api/v1/windows/{w1['id']}/queue", headers=clerk, timeout=10
            ).json()["items"]
            numbers = [t["number"] for t in queue[:calls]]
            ctx = mp.get_context("fork")
            # listeners in 4 processes, so one client process's decoding queue does not pose as server latency
            procs, readies, results = [], [], ctx.Queue()
            for share in (n_clients // 4,) * 3 + (n_clients - 3 * (n_clients // 4),):
                ready = ctx.Event()
                p = ctx.Process(
                    target=_listener, args=(url, display_token, share, numbers, ready, results)
                )
                p.start()
                procs.append(p)
                readies.append(ready)
            for ready in readies:
                ready.wait(120)
            time.sleep(1.0)
            sent: dict[str, float] = {}
            for _ in range(calls):
                t = time.time()
                r = s.post(f"{url}/api/v1/windows/{w1['id']}/call-next", headers=clerk, timeout=10)
                r.raise_for_status()
                sent[r.json()["number"]] = t
                s.post(
                    f"{url}/api/v1/tickets/{r.json()['id']}/no-show", headers=clerk, timeout=10
                ).raise_for_status()
                time.sleep(0.1)
            lat = []
            for _ in procs:
                received = results.get(timeout=150)
                lat += [
                    (rt - sent[num])
                    for num, times in received.items()
                    if num in sent
                    for rt in times
                ]
            for p in procs:
                p.join(30)
            missing = n_clients * calls - len(lat)
            rows.append(
                (
                    f"call -> Socket.IO client, {n_clients} clients",
                    f"{len(lat)} deliveries" + (f", {missing} missing" if missing else ""),
                    f"p50 {pct(lat, 50) * 1000:.1f} ms, p99 {pct(lat, 99) * 1000:.1f} ms (target p99 <= 50 ms)",
                )
            )

        rest = max(0, 10_000 - issued) if not args.quick else 0
        if rest:
            load(issue_url, "POST", kiosk, body, 8, rest // 8 + 1)
            issued += (rest // 8 + 1) * 8
        rows.append(
            (
                f"server RSS after {issued} tickets",
                f"{rss_mb(proc.pid):.0f} MB",
                "master + worker; target <= 150 MB",
            )
        )
    finally:
        proc.terminate()
        proc.wait(10)
    w0 = max(len(r[0]) for r in rows)
    w1_ = max(len(r[1]) for r in rows)
    print(f"\n{'figure':<{w0}}  {'value':<{w1_}}  detail")
    print("-" * (w0 + w1_ + 40))
    for a, b, c in rows:
        print(f"{a:<{w0}}  {b:<{w1_}}  {c}")


if __name__ == "__main__":
    main()
