"""Keep a hall's long-lived objects out of the cyclic collector's full passes.

CPython's collector walks every object it tracks on a full (generation 2) pass, and the serving
loop waits for it. A process holding 2,000 sockets tracks about 370,000 objects for them (engine.io
sockets, their greenlets and queues, their environs); measured in issue 16, each full pass then
took 60-160 ms and came every second or so while the sockets connected and kiosks issued: a
kiosk's ticket waited for it.

What lives as long as the process (modules, the schema, the app) is frozen once it is built
(`gc.freeze`, serve.py). Connections come later and live for hours, so this keeper freezes again
whenever the connected clients have grown by a quarter (and at least `MIN_GROWTH`) since the last
time: their objects leave the full passes, which then walk only what requests made since.

Each freeze follows a full collection, so what it freezes was alive. A frozen object is still freed
by reference counting the moment nothing refers to it; only objects in reference cycles that die
while frozen wait. So the keeper refreshes, letting the collector see everything once (one full
pass, as long as the passes it saves) and freezing again, when the clients have fallen to half of
what it last froze, and at the latest every `REFRESH_S`. What waits is at most the cycles of what
was alive at the freezes, for at most `REFRESH_S`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

CHECK_S = 2.0
MIN_GROWTH = 100  # clients
REFRESH_S = 1800.0


@dataclass
class Plan:
    """What the keeper knows: the clients at the last freeze and when it last refreshed."""

    frozen_clients: int = 0
    refreshed_at: float = 0.0


def decide(plan: Plan, clients: int, now: float) -> str | None:
    """`freeze` (the clients grew), `refresh` (they halved, or it is time), or None."""
    if plan.frozen_clients and (
        clients < plan.frozen_clients // 2 or now - plan.refreshed_at >= REFRESH_S
    ):
        return "refresh"
    grown = clients - plan.frozen_clients
    if grown >= MIN_GROWTH and clients * 4 >= plan.frozen_clients * 5:
        return "freeze"
    return None


def apply(plan: Plan, action: str | None, clients: int, now: float) -> None:
    """Do what `decide` said, and note it in `plan`."""
    if action == "freeze":
        # garbage is collected, not frozen: a full pass over what came since the last freeze
        # (the growth, a quarter or more: tens of milliseconds for 400 sockets' objects)
        gc.collect()
        gc.freeze()
        if not plan.frozen_clients:
            plan.refreshed_at = now
        plan.frozen_clients = clients
    elif action == "refresh":
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        plan.frozen_clients, plan.refreshed_at = clients, now
        log.info("collector refreshed: %d clients connected", clients)


class Keeper:
    """The background worker: every CHECK_S, count the clients and follow `decide`."""

    def __init__(self, clients: Callable[[], int], interval: float = CHECK_S) -> None:
        self.clients = clients
        self.interval = interval
        self.plan = Plan()
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="gc-keeper", daemon=True)
            self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def step(self) -> str | None:
        n, now = self.clients(), time.monotonic()
        action = decide(self.plan, n, now)
        apply(self.plan, action, n, now)
        return action

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except Exception:  # the keeper must never take the server down
                log.exception("gc keeper")
