"""The people-ahead of an untargeted ticket from counts (ordering.place_in_sequence) is its index in
the replayed call order (ordering.call_sequence), on random queues."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from server.engine.ordering import (
    PRIORITY_RANK,
    Candidate,
    call_sequence,
    place_in_sequence,
)
from server.engine.states import Priority


def _counted(c: Candidate, pool: list[Candidate], weights: dict[int, int]) -> tuple[int, int]:
    """`before` and `others` of `c`, counted as call_order.new_ticket_ahead counts them."""
    normal = c.priority == Priority.NORMAL
    key = (PRIORITY_RANK[c.priority], -weights[c.service_id])
    before = others = 0
    for o in pool:
        if o is c:
            continue
        if (o.priority == Priority.NORMAL) != normal:
            others += 1
            continue
        theirs = (PRIORITY_RANK[o.priority], -weights[o.service_id])
        earlier = (o.issued_at, o.ticket_id) < (c.issued_at, c.ticket_id)
        before += theirs < key or (theirs == key and earlier)
    return before, others


def test_counts_place_every_ticket_where_the_replay_does() -> None:
    rng = random.Random(16)
    t0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    checked = 0
    for _ in range(400):
        weights = {sid: rng.choice([1, 1, 2, 5, 8]) for sid in range(1, rng.randint(2, 5))}
        pool = [
            Candidate(
                i,
                rng.choice(list(weights)),
                rng.choices(list(Priority), weights=[1, 2, 6])[0],
                t0 + timedelta(seconds=rng.randint(0, 40)),  # ties in time included
            )
            for i in range(1, rng.randint(1, 45))
        ]
        streak, ratio = rng.randint(0, 4), rng.choice([0, 1, 2, 3, 5])
        limit = rng.choice([5, 30])
        order = call_sequence(pool, 7, weights, streak, ratio, limit)
        for c in pool:
            before, others = _counted(c, pool, weights)
            want = order.index(c.ticket_id) if c.ticket_id in order else None
            got = place_in_sequence(
                c.priority == Priority.NORMAL, before, others, streak, ratio, limit
            )
            assert got == want, (c, streak, ratio, limit)
            checked += 1
    assert checked > 5000
