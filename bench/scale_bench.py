"""Two `queuehall serve` processes on PostgreSQL and Redis: issuing throughput and p99,
cross-process call -> screen latency, and a time-compressed busy day (tickets through their whole
life cycle at 30 windows) with the servers' CPU time read from /proc.

    .venv/bin/python bench/scale_bench.py [--tickets 20000] [--issue 2000] [--calls 50]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import PG_ADMIN_URL, make_pg_database, start_live_server, start_sibling  # noqa: E402
from tests.e2e.hallkit import Screen, bearer, login  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the gunicorn worker) from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            f = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(f[1]) == pid:
            total += (int(f[11]) + int(f[12])) / CLK
    return total


class Timer:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def call(
        self, name: str, http: requests.Session, method: str, url: str, **kw: Any
    ) -> requests.Response:
        t = time.perf_counter()
        r = http.request(method, url, timeout=30, **kw)
        with self.lock:
            self.samples.setdefault(name, []).append(time.perf_counter() - t)
        return r


def bench_issue(
    servers: list[Any], kiosks: list[str], service_ids: list[int], n: int
) -> dict[str, float]:
    timer = Timer()
    local = threading.local()

    def one(i: int) -> int:
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        srv = servers[i % 2]
        return timer.call(
            "issue",
            http,
            "POST",
            f"{srv.url}/api/v1/tickets",
            json={"service_id": service_ids[i % len(service_ids)]},
            headers=bearer(kiosks[i % len(kiosks)]),
        ).status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    assert codes.count(201) >= n * 0.95, {c: codes.count(c) for c in set(codes)}
    xs = timer.samples["issue"]
    return {"n": n, "per_s": n / wall, "p50_ms": pct(xs, 50) * 1000, "p99_ms": pct(xs, 99) * 1000}


def bench_cross_process(
    a: Any, b: Any, clerk: tuple[str, dict[str, Any]], service_id: int, n: int
) -> dict[str, float]:
    token, win = clerk
    screen = Screen(a.url, a.token_of("display"))
    try:
        screen.wait(lambda: screen.named("snapshot"))
        http = requests.Session()
        http.headers.update(bearer(token))
        lat = []
        for _ in range(n):
            http.post(f"{b.url}/api/v1/tickets", json={"service_id": service_id})
            sent = time.perf_counter()
            r = http.post(f"{b.url}/api/v1/windows/{win['id']}/call-next")
            assert r.status_code == 200, r.text
            number = r.json()["number"]

            def heard_it(number: str = number) -> Any:
                return next(
                    (
                        (d, t)
                        for nm, d, t in screen.events
                        if nm == "ticket.called" and d["ticket"]["number"] == number
                    ),
                    None,
                )

            _, heard = screen.wait(heard_it)
            lat.append(heard - sent)
            http.post(f"{b.url}/api/v1/tickets/{r.json()['id']}/finish", json={})
            http.post(f"{b.url}/api/v1/tickets/{r.json()['id']}/no-show", json={})
        return {
            "n": n,
            "p50_ms": pct(lat, 50) * 1000,
            "p99_ms": pct(lat, 99) * 1000,
            "max_ms": max(lat) * 1000,
        }
    finally:
        screen.close()


def thirty_windows(
    a: Any, admin: str, services: list[dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """Open 30 windows, each under its own clerk: the demo's windows plus comprehensive ones."""
    http = requests.Session()
    http.headers.update(bearer(admin))
    windows = http.get(f"{a.url}/api/v1/windows").json()["items"]
    number = max(w["number"] for w in windows)
    all_items = [{"service_id": s["id"], "weight": 5} for s in services]
    while len(windows) < 30:
        number += 1
        r = http.post(
            f"{a.url}/api/v1/windows",
            json={
                "number": number,
                "name": f"综合窗口{number}",
                "kind": "comprehensive",
                "services": all_items,
            },
        )
        assert r.status_code in (200, 201), r.text
        windows.append(r.json())
    clerks = []
    for i, w in enumerate(windows[:30]):
        username, password = f"bench{i}", "bench-" + secrets.token_hex(6)
        r = http.post(
            f"{a.url}/api/v1/staff",
            json={
                "username": username,
                "name": f"测试{i}",
                "role": "clerk",
                "password": password,
                "window_ids": [w["id"]],
            },
        )
        assert r.status_code in (200, 201), r.text
        token = login(a.url, username, password)
        opened = requests.post(
            f"{a.url}/api/v1/windows/{w['id']}/open", json={}, headers=bearer(token), timeout=10
        )
        if (
            opened.status_code == 403
        ):  # the demo opened it under someone else: take it over as supervisor
            continue
        assert opened.ok, opened.text
        clerks.append((token, w))
    return clerks


def bench_day(
    a: Any,
    b: Any,
    clerks: list[tuple[str, dict[str, Any]]],
    kiosks: list[str],
    tickets: int,
    service_ids: list[int],
    backlog: int = 0,
) -> dict[str, Any]:
    timer = Timer()
    service_ids = list(service_ids)
    left = {"issue": tickets, "served": 0}
    errors: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def kiosk(k: int) -> None:
        http = requests.Session()
        while True:
            with lock:
                if left["issue"] <= 0:
                    return
                left["issue"] -= 1
                i = left["issue"]
            srv = (a, b)[i % 2]
            while True:
                sid = service_ids[i % len(service_ids)]
                r = timer.call(
                    "issue",
                    http,
                    "POST",
                    f"{srv.url}/api/v1/tickets",
                    json={"service_id": sid},
                    headers=bearer(kiosks[k % 2]),
                )
                if r.status_code == 409 and r.json()["error"]["code"] == "daily_cap_reached":
                    with lock:  # the demo caps some items per day: the visitors pick another one
                        if sid in service_ids and len(service_ids) > 1:
                            service_ids.remove(sid)
                    continue
                break
            assert r.status_code == 201, r.text

    def clerk(c: int) -> None:
        token, win = clerks[c]
        srv = (a, b)[c % 2]
        http = requests.Session()
        http.headers.update(bearer(token))
        base = f"{srv.url}/api/v1"
        held: int | None = None  # a ticket this clerk called but has not finished yet
        while not done.is_set():
            try:
                if held is None:
                    r = timer.call(
                        "call-next", http, "POST", f"{base}/windows/{win['id']}/call-next"
                    )
                    if r.status_code == 404:  # nobody waiting: a clerk tries again a moment later
                        time.sleep(0.5)
                        continue
                    if r.status_code != 200:
                        raise RuntimeError(f"call-next {r.status_code} {r.text[:160]}")
                    held = r.json()["id"]
                    timer.call("start", http, "POST", f"{base}/tickets/{held}/start", json={})
                else:  # after a slow or failed answer: where did the held ticket get to?
                    state = http.get(f"{base}/tickets/{held}", timeout=30).json()["state"]
                    if state == "called":
                        timer.call(
                            "start", http, "POST", f"{base}/tickets/{held}/start", json={}
                        )  # a retry
                    elif state != "serving":
                        # a finish whose answer timed out did finish it (or it left some other way):
                        # count it once and call the next, instead of finishing it again for ever
                        with lock:
                            if state == "done":
                                left["served"] += 1
                                if left["served"] >= tickets + backlog:
                                    done.set()
                            else:
                                errors.append(
                                    f"window {win['number']}: held ticket {held} is {state}"
                                )
                        held = None
                        continue
                f = timer.call("finish", http, "POST", f"{base}/tickets/{held}/finish", json={})
                if f.status_code != 200:
                    raise RuntimeError(f"finish {f.status_code} {f.text[:160]}")
            except (requests.RequestException, RuntimeError) as exc:
                # a slow or failed answer is counted, not fatal: the clerk finishes what it holds
                # (a call-next that timed out still called someone: the window shows it busy)
                with lock:
                    errors.append(f"window {win['number']}: {exc}"[:200])
                time.sleep(0.5)
                if held is None:
                    r = http.get(f"{base}/windows/{win['id']}", timeout=30)
                    held = (r.json().get("current") or {}).get("id") if r.ok else None
                continue
            held = None
            with lock:
                left["served"] += 1
                if left["served"] >= tickets + backlog:
                    done.set()

    cpu0 = {p.port: cpu_seconds(p.proc.pid) for p in (a, b)}
    t0 = time.perf_counter()
    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(6)]
    threads += [threading.Thread(target=clerk, args=(c,)) for c in range(len(clerks))]
    for t in threads:
        t.start()
    last = progress_at = time.monotonic()
    seen = 0
    while not done.wait(1):
        if left["served"] != seen:
            seen, progress_at = left["served"], time.monotonic()
        elif (
            time.monotonic() - progress_at > 120
        ):  # nothing served for two minutes: say so and stop
            errors.append(f"stalled at {seen} served")
            done.set()
            break
        if time.monotonic() - last > 15:
            print(f"  ... served {left['served']} / {tickets + backlog}", flush=True)
            last = time.monotonic()
    wall = time.perf_counter() - t0
    for t in threads:
        t.join(30)
    cpu = {port: cpu_seconds(p.proc.pid) - cpu0[port] for port, p in ((a.port, a), (b.port, b))}
    out: dict[str, Any] = {
        "tickets": tickets + backlog,
        "windows": len(clerks),
        "wall_s": wall,
        "tickets_per_s": left["served"] / wall,
        "cpu": cpu,
        "errors": errors,
        "served": left["served"],
    }
    for name, xs in timer.samples.items():
        out[name] = (len(xs), pct(xs, 50) * 1000, pct(xs, 99) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tickets", type=int, default=20000)
    ap.add_argument("--issue", type=int, default=2000)
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    url, drop = make_pg_database(PG_ADMIN_URL)
    env = {
        "QUEUEHALL_DATABASE_URL": url,
        "QUEUEHALL_REDIS_URL": "redis://127.0.0.1:6379/0",
        "QUEUEHALL_SOCKETIO_CHANNEL": "qh-bench-" + secrets.token_hex(4),
        "QUEUEHALL_RATE_LIMIT_TICKETS_PER_MIN": "0",
        "QUEUEHALL_LOG_LEVEL": "warning",
    }
    a = start_live_server(Path(tempfile.mkdtemp(prefix="qh-scale-")), env)
    b = start_sibling(a)
    try:
        services = requests.get(f"{a.url}/api/v1/services", timeout=10).json()["items"]
        kiosks = [t for n, t in a.devices.items() if a.device_kinds[n][0] == "kiosk"]
        admin = login(a.url, "admin", a.passwords["admin"])
        clerks = thirty_windows(a, admin, services)
        uncapped = {s["id"] for s in services if not s.get("daily_cap")}
        served = sorted({s for _, w in clerks for s in w["service_ids"]} & uncapped)
        rows = []
        iss = bench_issue([a, b], kiosks, served, args.issue)
        rows.append(
            (
                "issue, 16 clients over 2 processes",
                f"{iss['per_s']:.0f}/s",
                f"p50 {iss['p50_ms']:.1f} ms",
                f"p99 {iss['p99_ms']:.1f} ms",
            )
        )
        # drain the issuing burst so the cross-process run calls its own tickets
        token, win = clerks[0]
        cross = bench_cross_process(a, b, (token, win), win["service_ids"][0], args.calls)
        rows.append(
            (
                "call via B -> screen on A",
                f"n={cross['n']}",
                f"p50 {cross['p50_ms']:.1f} ms",
                f"p99 {cross['p99_ms']:.1f} ms (max {cross['max_ms']:.0f})",
            )
        )
        # the day starts with the issuing burst still waiting, so the clerks serve it too
        day = bench_day(a, b, clerks, kiosks, args.tickets, served, backlog=args.issue)
        rows.append(
            (
                f"busy day: {day['tickets']} tickets, {day['windows']} windows",
                f"{day['wall_s']:.0f} s",
                f"{day['tickets_per_s']:.1f} tickets/s",
                f"served {day['served']}",
            )
        )
        rows.append(
            (
                "  failed or timed-out requests (30 s)",
                f"{len(day['errors'])}",
                "",
                "; ".join(day["errors"][:3]),
            )
        )
        for name in ("issue", "call-next", "start", "finish"):
            if name in day:
                n, p50, p99 = day[name]
                rows.append((f"  {name}", f"n={n}", f"p50 {p50:.1f} ms", f"p99 {p99:.1f} ms"))
        for port, secs in day["cpu"].items():
            rows.append(
                (
                    f"  server :{port} CPU",
                    f"{secs:.0f} s",
                    f"{100 * secs / day['wall_s']:.0f}% of a core",
                    "",
                )
            )
        width = max(len(r[0]) for r in rows)
        print(f"\n{'measure'.ljust(width)}  {'value':>10}  {'':<16}  ")
        for r in rows:
            print(f"{r[0].ljust(width)}  {r[1]:>10}  {r[2]:<16}  {r[3]}")
    finally:
        a.stop()
        b.stop()
        drop()


if __name__ == "__main__":
    main()
