"""The event bus: subscribers by type, and committed events handed over in the order places were taken."""

from __future__ import annotations

from typing import Any

from server.engine import events as ev
from server.storage.bus import Bus


def queue(site: int, n: int) -> ev.QueueChanged:
    e = ev.QueueChanged(site_id=site, waiting={"1": n})
    e.seq = n
    return e


def test_a_subscriber_hears_only_the_types_it_named() -> None:
    bus, heard, everything = Bus(), [], []
    bus.subscribe(heard.extend, ev.QueueChanged)
    bus.subscribe(everything.extend)
    notice = ev.Notice(site_id=1, name="catalog.changed", body={}, room="site:1")
    bus.deliver(None, [queue(1, 1), notice])
    assert heard == [queue(1, 1)] and everything == [queue(1, 1), notice]


def test_events_committed_second_wait_for_the_first_place_and_a_dropped_place_holds_no_one() -> (
    None
):
    bus, heard = Bus(), []
    bus.subscribe(lambda evs: heard.extend(e.seq for e in evs))
    first, dropped, third = bus.reserve(), bus.reserve(), bus.reserve()
    bus.deliver(third, [queue(1, 3)])
    assert heard == []  # the first place is not filled yet
    bus.deliver(first, [queue(1, 1)])
    assert heard == [1]  # the dropped place still holds the third back
    bus.drop(dropped)
    assert heard == [1, 3]


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus, heard = Bus(), []

    def broken(_evs: Any) -> None:
        raise RuntimeError("a screen server that is down")

    bus.subscribe(broken)
    bus.subscribe(heard.extend)
    bus.deliver(bus.reserve(), [queue(1, 1)])
    assert heard == [queue(1, 1)]


def test_an_in_transaction_subscriber_gets_the_unit_of_work_before_commit() -> None:
    bus, seen = Bus(), []
    bus.subscribe(
        lambda uow, evs: seen.append((uow, list(evs))), ev.TicketIssued, in_transaction=True
    )
    issued = ev.TicketIssued(site_id=1, ticket=ev.TicketRef(7, "p", "A001", 1), view={})
    bus.before_commit("the uow", [queue(1, 1), issued])
    assert seen == [("the uow", [issued])]


def test_what_an_in_transaction_subscriber_leaves_runs_after_commit_in_place_order() -> None:
    """The notices read who opted in inside the transaction and queue their notices after the
    commit: the read's answer travels with the work the subscriber returns, not through a side
    table."""
    bus, log = Bus(), []
    bus.subscribe(lambda evs: log.append(("pushed", [e.seq for e in evs])))
    bus.subscribe(
        lambda uow, evs: lambda: log.append(("then", uow, [e.seq for e in evs])),
        ev.QueueChanged,
        in_transaction=True,
    )
    bus.subscribe(lambda uow, evs: None, in_transaction=True)  # leaves nothing
    first, second = bus.reserve(), bus.reserve()
    later_first = bus.before_commit("uow 1", [queue(1, 1)])
    later_second = bus.before_commit("uow 2", [queue(1, 2)])
    assert log == [] and len(later_first) == 1 and len(later_second) == 1  # nothing before commit
    bus.deliver(second, [queue(1, 2)], later_second)
    assert log == []  # waits for the first place, its work too
    bus.deliver(first, [queue(1, 1)], later_first)
    assert log == [
        ("pushed", [1]),
        ("then", "uow 1", [1]),
        ("pushed", [2]),
        ("then", "uow 2", [2]),
    ]
