"""Replay a simulated morning through the real service layer and measure how good the estimates were."""

from __future__ import annotations

import random
from pathlib import Path
from statistics import mean

from server.engine.errors import QueueEmpty
from server.engine.states import Action
from server.services.access import auth
from server.services.queue import public, tickets, windows
from tests.conftest import build_hall

TICK_S = 30
MORNING_S = 3 * 3600
# per item: arrivals per minute, mean service minutes (the item is configured with 10)
PROFILE = {"A": (0.30, 8.0), "B": (0.40, 6.0)}


def test_estimates_stay_close_to_the_real_waits_over_a_simulated_morning(tmp_path: Path) -> None:
    hall = build_hall(f"sqlite:///{tmp_path / 'replay.db'}", tmp_path)
    ctx, clock, rng = hall.ctx, hall.clock, random.Random(20261130)
    try:
        kiosk = auth.authenticate(ctx, hall.tokens["kiosk"])
        clerks = {}
        for n in (1, 2, 3, 4):
            who = auth.authenticate(ctx, hall.tokens[f"clerk{n}"])
            assert who is not None
            windows.change(ctx, who, hall.ids[f"w{n}"], "open")
            clerks[hall.ids[f"w{n}"]] = who
        assert kiosk is not None
        busy: dict[int, tuple[int, float]] = {}  # window id -> (ticket id, finish at)
        issued: dict[int, tuple[float, int, int]] = {}  # ticket id -> (issued at, estimate, naive)
        waits: list[tuple[float, float, float]] = []  # (estimated, naive, real) minutes
        elapsed = 0.0
        while elapsed < MORNING_S or busy:
            clock.advance(seconds=TICK_S)
            elapsed += TICK_S
            if elapsed < MORNING_S:
                for key, (rate, _svc) in PROFILE.items():
                    for _ in range(_poisson(rng, rate * TICK_S / 60)):
                        t = tickets.issue(ctx, kiosk, hall.ids[key])
                        st = public.ticket_status(ctx, t["public_id"])
                        issued[t["id"]] = (
                            elapsed,
                            st["estimated_wait_min"],
                            t["waiting_ahead"] * 10,
                        )
            for wid, who in clerks.items():
                if wid in busy and busy[wid][1] <= elapsed:
                    tickets.act(ctx, who, busy[wid][0], Action.FINISH, outcome="done")
                    del busy[wid]
                if wid not in busy:
                    try:
                        t = tickets.call_next(ctx, who, wid)
                    except QueueEmpty:
                        continue
                    tickets.act(ctx, who, t["id"], Action.START)
                    svc_min = PROFILE["A" if t["service_id"] == hall.ids["A"] else "B"][1]
                    busy[wid] = (
                        t["id"],
                        elapsed + rng.lognormvariate(0, 0.5) * svc_min * 60 / 1.133,
                    )
                    at, est, naive = issued[t["id"]]
                    waits.append((est, naive, (elapsed - at) / 60))
            if elapsed > MORNING_S + 4 * 3600:
                break
        assert len(waits) > 60, len(waits)
        mae = mean(abs(e - r) for e, _n, r in waits)
        naive_mae = mean(abs(n - r) for _e, n, r in waits)
        real = mean(r for _e, _n, r in waits)
        print(
            f"\nestimate replay: {len(waits)} tickets, mean real wait {real:.1f} min, "
            f"mean absolute error {mae:.1f} min (naive 'ahead x configured time': {naive_mae:.1f} min)"
        )
        assert mae < max(6.0, 0.5 * real), (mae, real)
        assert mae < naive_mae
    finally:
        hall.ctx.db.dispose()


def _poisson(rng: random.Random, lam: float) -> int:
    """Arrivals in one tick (Knuth's method: lam is small)."""
    import math

    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
