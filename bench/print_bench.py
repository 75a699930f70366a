"""Issue-to-paper benchmark: time from POST /api/v1/tickets to the last byte on a TCP printer (and to
the kiosk hearing `print_state: printed`, confirmed by the printer after that byte), and ticket size (bilingual layout).

Run: .venv/bin/python bench/print_bench.py [-n 30]
Uses a throwaway SQLite hall (the demo hall), the real spooler and the TCP printer simulator.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hardware.escpos_ticket import render_ticket  # noqa: E402
from hardware.printer_sim import PrinterSimulator  # noqa: E402
from server.app import create_app  # noqa: E402
from server.demo import load_demo  # noqa: E402
from server.services.printing import ticket_paper  # noqa: E402
from server.services.printing.spooler_app import start_background  # noqa: E402
from server.storage.migrate import upgrade  # noqa: E402
from server.storage.models import Ticket  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=30, help="tickets to issue")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PrinterSimulator(port=0) as sim:
        done: list[float] = []
        lock = threading.Condition()

        def on_event(msg: str) -> None:
            if msg.startswith("ticket #"):
                with lock:
                    done.append(time.perf_counter())
                    lock.notify_all()

        sim.on_event = on_event
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp}/qh.db",
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "PRINTER_SPOOLER": True,
                "PRINTER_POLL_S": 3600.0,
            }
        )
        ctx = app.extensions["queuehall"]
        upgrade(ctx.db)
        creds = load_demo(ctx.db, f"tcp://127.0.0.1:{sim.port}")
        token = next(t for _n, kind, _w, t in creds.tokens if kind == "kiosk")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        service_id = client.get("/api/v1/services").get_json()["items"][0]["id"]
        start_background(app, "http://127.0.0.1:8000")  # as `queuehall serve` does at start
        kiosk = app.extensions["queuehall.realtime"].sio.test_client(app, auth={"token": token})
        issue_ms, paper_ms, confirmed_ms, sizes58, sizes80 = [], [], [], [], []
        for i in range(args.n):
            t0 = time.perf_counter()
            r = client.post("/api/v1/tickets", json={"service_id": service_id})
            t1 = time.perf_counter()
            with lock:
                lock.wait_for(lambda i=i: len(done) > i, timeout=5)
            if len(done) <= i:
                raise SystemExit(f"ticket {i} was not printed within 5 s")
            issue_ms.append((t1 - t0) * 1000)
            paper_ms.append((done[i] - t0) * 1000)
            # One visitor at a time: the next ticket is issued once this one is confirmed
            # (the printer asked again after the last byte), as at a kiosk.
            deadline = time.perf_counter() + 5
            while not any(
                m["name"] == "print.updated"
                and m["args"][0]["print_state"] == "printed"
                and m["args"][0]["ticket_id"] == r.get_json()["id"]
                for m in kiosk.get_received()
            ):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"ticket {i} was not confirmed as printed within 5 s")
                time.sleep(0.002)
            confirmed_ms.append((time.perf_counter() - t0) * 1000)
            with ctx.uow(write=False) as uow:
                t = uow.session.get_one(Ticket, r.get_json()["id"])
                layout = ticket_paper.ticket_layout(
                    uow.session, t, app.config, "http://127.0.0.1:8000"
                )
                sizes80.append(len(render_ticket(layout)))
                layout.paper_mm = 58
                sizes58.append(len(render_ticket(layout)))
        kiosk.disconnect()
        app.extensions["queuehall.spooler"].stop()

    def row(name: str, xs: list[float], unit: str) -> str:
        qs = statistics.quantiles(xs, n=10) if len(xs) > 1 else xs * 9
        return f"| {name:<34} | {statistics.median(xs):8.1f} | {qs[8]:8.1f} | {max(xs):8.1f} | {unit:<5} |"

    print(
        f"{args.n} tickets, demo hall on SQLite, TCP printer simulator on 127.0.0.1 (goal: < 100 ms)\n"
    )
    print(f"| {'measure':<34} | {'median':>8} | {'p90':>8} | {'max':>8} | unit  |")
    print(f"|{'-' * 36}|{'-' * 10}|{'-' * 10}|{'-' * 10}|-------|")
    print(row("POST /tickets answered", issue_ms, "ms"))
    print(row("issue -> last byte on the printer", paper_ms, "ms"))
    print(row("issue -> print_state printed", confirmed_ms, "ms"))
    print(row("ticket size, 80 mm", [float(x) for x in sizes80], "bytes"))
    print(row("ticket size, 58 mm", [float(x) for x in sizes58], "bytes"))


if __name__ == "__main__":
    main()
