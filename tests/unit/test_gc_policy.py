"""The collector's keeper (server/gc_policy.py): when it freezes, when it refreshes."""

from __future__ import annotations

import gc

from server.gc_policy import MIN_GROWTH, REFRESH_S, Keeper, Plan, decide


def test_it_freezes_when_the_clients_grow_by_a_quarter_and_at_least_a_hundred() -> None:
    assert decide(Plan(), MIN_GROWTH - 1, 0.0) is None  # a few clients: nothing worth freezing
    assert decide(Plan(), MIN_GROWTH, 0.0) == "freeze"
    plan = Plan(frozen_clients=2000, refreshed_at=0.0)
    assert decide(plan, 2400, 10.0) is None  # a fifth more: not yet
    assert decide(plan, 2500, 10.0) == "freeze"
    assert decide(Plan(frozen_clients=200), 299, 1.0) is None  # a half more, but only 99


def test_it_refreshes_when_the_clients_halve_or_after_half_an_hour() -> None:
    plan = Plan(frozen_clients=2000, refreshed_at=0.0)
    assert decide(plan, 1000, 10.0) is None
    assert decide(plan, 999, 10.0) == "refresh"
    assert decide(plan, 2000, REFRESH_S) == "refresh"
    assert decide(Plan(), 0, REFRESH_S * 10) is None  # nothing frozen: nothing to refresh


def test_the_keeper_keeps_connections_out_of_full_collections_and_lets_them_go() -> None:
    clients = [0]
    keeper = Keeper(lambda: clients[0])
    held = [[i] for i in range(5000)]  # the connections' objects
    gc.unfreeze()
    try:
        assert keeper.step() is None and gc.get_freeze_count() == 0
        clients[0] = 2000
        assert keeper.step() == "freeze"
        frozen = gc.get_freeze_count()
        assert frozen >= len(held)  # out of the collector's passes
        gc.collect()
        # a full collection leaves them frozen: the count falls only by frozen objects that other
        # threads of the process free by reference counting meanwhile (seen: 2 of 1.2 million),
        # where a collection that thawed them would leave none
        assert frozen - 1000 <= gc.get_freeze_count() <= frozen
        clients[0] = 500  # the hall empties
        assert keeper.step() == "refresh"
        assert keeper.plan.frozen_clients == 500
    finally:
        gc.unfreeze()
    assert held[-1] == [4999]
