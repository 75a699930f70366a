"""Run by test_offload_loop.py in a process of its own, monkey-patched by gevent as the serving
worker is: a year's summary report renders while a clerk calls tickets and a screen hears them, and
a greenlet heartbeat measures how long the loop was held. Prints one JSON line.

    python tests/integration/loop_probe.py DATABASE_URL TMPDIR
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.services.oversight import reports  # noqa: E402
from tests.conftest import T0, build_hall  # noqa: E402

BURN_S = (
    0.6  # CPU seconds a year's report spends in Python on top of its queries (a big hall's year)
)
native_ident = monkey.get_original("_thread", "get_ident")
loop_ident = native_ident()
report_threads: list[int] = []
original_run_parts = reports.run_parts


def year_of_work(ctx, parts):  # type: ignore[no-untyped-def]
    """The report's own queries, then CPU time as a big year's rows would cost (thread CPU time, so a
    busy machine makes it longer, never shorter)."""
    report_threads.append(native_ident())
    out = original_run_parts(ctx, parts)
    end = time.thread_time() + BURN_S
    while time.thread_time() < end:
        sum(i * i for i in range(1000))
    return out


reports.run_parts = year_of_work

from server.services.access import auth  # noqa: E402

login_threads: list[int] = []


class NotingHasher:
    """The hall's password hasher, noting which OS thread checks a password."""

    def __init__(self, real):  # type: ignore[no-untyped-def]
        self.real = real

    def verify(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        login_threads.append(native_ident())
        return self.real.verify(*args, **kwargs)

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)


def probe(hall, render) -> dict:  # type: ignore[no-untyped-def]
    """While `render()` runs in a greenlet: the heartbeat's longest gap (ms) and the calls heard."""
    rt = hall.app.extensions["queuehall.realtime"]
    screen = rt.sio.test_client(hall.app, auth={"token": hall.tokens["display"]})
    screen.get_received()
    clerk, kiosk = hall.client("clerk1"), hall.client("kiosk")
    clerk.post(f"/api/v1/windows/{hall.ids['w1']}/open")
    state = {"running": True, "rendering": False, "gap": 0.0, "calls": 0}

    def heartbeat() -> None:
        last = time.perf_counter()
        while state["running"]:
            gevent.sleep(0.001)
            now = time.perf_counter()
            state["gap"] = max(state["gap"], now - last)
            last = now

    def calls() -> None:
        while state["running"]:
            assert (
                kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 201
            )
            called = clerk.post(f"/api/v1/windows/{hall.ids['w1']}/call-next").get_json()
            heard = sum(1 for m in screen.get_received() if m["name"] == "ticket.called")
            if state["rendering"]:  # heard while the report was still rendering
                state["calls"] += heard
            clerk.post(f"/api/v1/tickets/{called['id']}/no-show")
            gevent.sleep(0.002)  # (sleep(0) would keep timers, the heartbeat among them, waiting)

    beat, caller = gevent.spawn(heartbeat), gevent.spawn(calls)
    gevent.sleep(0.05)
    took = 0.0

    def rendering() -> None:
        nonlocal took
        state["gap"], state["calls"], state["rendering"] = 0.0, 0, True
        t = time.perf_counter()
        try:
            render()
        finally:
            state["rendering"] = False
            took = time.perf_counter() - t

    job = gevent.spawn(rendering)
    job.join()
    state["running"] = False
    gevent.joinall([beat, caller])
    job.get()  # the report itself succeeded
    return {"gap_ms": state["gap"] * 1000, "calls": state["calls"], "report_ms": took * 1000}


def main() -> None:
    url, tmp = sys.argv[1], Path(sys.argv[2])
    hall = build_hall(url, tmp)
    hall.app.config["RATE_LIMIT_TICKETS_PER_MIN"] = (
        0  # the clerk here calls faster than a kiosk may issue
    )
    admin = hall.client("super")
    day = (T0 + timedelta(hours=8)).date()
    query = f"/api/v1/reports/summary?from={day - timedelta(days=364)}&to={day}&by=service"

    def through_the_api() -> None:
        r = admin.get(query)
        assert r.status_code == 200, r.get_json()

    def on_the_loop() -> None:  # the same report, not handed to the pool: the control
        reports.summary.__wrapped__(
            hall.ctx, hall.ctx_principal, day - timedelta(days=364), day, "service"
        )

    from server.services.access.principal import Principal

    auth._hasher = NotingHasher(auth._hasher)  # after build_hall chose the (cheap) hasher
    r = hall.client().post(
        "/api/v1/auth/login", json={"username": "clerk2", "password": "pw-clerk2-123456"}
    )
    assert r.status_code == 200, r.get_json()
    hall.ctx_principal = Principal("staff", hall.ids["super"], 1, "supervisor", "super")
    baseline = probe(hall, lambda: gevent.sleep(1.0))  # calls alone: the loop's own gaps
    pooled = probe(hall, through_the_api)
    pooled_threads = set(report_threads)
    report_threads.clear()
    inline = probe(hall, on_the_loop)
    print(
        json.dumps(
            {
                "baseline": baseline,
                "pooled": pooled,
                "inline": inline,
                "loop": loop_ident,
                "burn_ms": BURN_S * 1000,
                "login_threads": login_threads,
                "pooled_threads": sorted(pooled_threads),
                "inline_threads": sorted(set(report_threads)),
            }
        )
    )
    hall.ctx.db.dispose()


if __name__ == "__main__":
    main()
