"""Estimated wait of a ticket: people ahead, recent service times, windows open for the item.

Pure arithmetic, no I/O. The service layer gathers the live figures; this module turns them
into minutes. The model is a shared-server queue: the windows open for an item each give it
a share of their time (windows serving several items split by demand and preference), and
each call takes about one recent cycle (call, walk up, serve).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# How many observations the configured expected time is worth when blending it with real ones.
PRIOR_WEIGHT = 3.0
# Extra seconds per call beyond the service itself: the visitor hears the call and walks up.
CALL_OVERHEAD_S = 30.0


@dataclass(frozen=True)
class OpenWindow:
    """An open (or paused-soon-back) window: the items it serves with its weight for each."""

    weights: Mapping[int, int]
    busy: bool = True


@dataclass(frozen=True)
class Estimate:
    """Minutes to wait, and whether any window is open for the item right now."""

    minutes: int
    service_s: float
    servers: float
    windows_open: bool


def mean_service_s(recent_s: Sequence[float], expected_min: float) -> float:
    """Recent service times blended with the item's configured expectation (few samples lean on it)."""
    samples = sorted(x for x in recent_s if x > 0)
    if len(samples) >= 5:  # trim the slowest and quickest tenth so one odd case does not swing it
        cut = max(1, len(samples) // 10)
        samples = samples[cut:-cut]
    prior = max(expected_min, 1.0) * 60.0
    return (sum(samples) + PRIOR_WEIGHT * prior) / (len(samples) + PRIOR_WEIGHT)


def window_share(item_id: int, window: OpenWindow, waiting: Mapping[int, int]) -> float:
    """The fraction of a window's time that goes to `item_id` (by waiting tickets times weight)."""
    own = window.weights.get(item_id, 0)
    if own <= 0:
        return 0.0
    demand = {
        sid: waiting.get(sid, 0) * w for sid, w in window.weights.items() if waiting.get(sid, 0) > 0
    }
    demand[item_id] = max(demand.get(item_id, 0), own)  # the ticket being estimated is waiting too
    total = sum(demand.values())
    return demand[item_id] / total if total else 1.0


def estimate_wait(
    ahead: int,
    item_id: int,
    recent_service_s: Sequence[float],
    expected_service_min: float,
    windows: Sequence[OpenWindow],
    waiting: Mapping[int, int],
    serving_windows: int = 0,
) -> Estimate:
    """Minutes until a ticket with `ahead` people before it is called.

    `windows` are the open windows serving the item; `serving_windows` is how many windows
    serve the item at all (used, as one window, when none is open yet so the kiosk still
    shows an honest figure before the counters open).
    """
    service = mean_service_s(recent_service_s, expected_service_min) + CALL_OVERHEAD_S
    servers = sum(window_share(item_id, w, waiting) for w in windows)
    is_open = servers > 0
    if not is_open:
        servers = 1.0 if serving_windows else 0.0
    if servers <= 0:
        return Estimate(0, service, 0.0, False)
    free = sum(1 for w in windows if not w.busy and w.weights.get(item_id, 0) > 0)
    if ahead < free:
        return Estimate(0, service, servers, is_open)
    # the people ahead are served at `servers` per cycle; the current cycles are half done on average
    wait_s = (max(ahead - free, 0) + 0.5) * service / servers
    return Estimate(int(math.ceil(wait_s / 60.0)) if wait_s > 0 else 0, service, servers, is_open)
