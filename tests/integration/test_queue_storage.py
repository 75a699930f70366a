"""The service layer on real SQLite and PostgreSQL: numbering, calling, events, atomicity."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.engine.errors import DailyCapReached, OutsideHours, QueueEmpty, WindowBusy
from server.engine.states import Action
from server.services.access import auth
from server.services.access.principal import Forbidden, Principal
from server.services.catalog import catalog
from server.services.queue import tickets, windows
from server.storage.models import Site, Ticket, TicketEvent, Window, WindowEvent
from tests.conftest import Hall


def who(hall: Hall, name: str):  # noqa: ANN201
    p = auth.authenticate(hall.ctx, hall.tokens[name])
    assert p is not None
    return p


def open_window(hall: Hall, clerk: str, num: int) -> int:
    wid = hall.ids[f"w{num}"]
    windows.change(hall.ctx, who(hall, clerk), wid, "open")
    return wid


def events_of(hall: Hall, ticket_id: int) -> list[str]:
    with hall.ctx.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(TicketEvent.type)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            )
        )


def test_numbers_are_per_prefix_and_restart_each_business_day(hall: Hall) -> None:
    kiosk = who(hall, "kiosk")
    a1 = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    a2 = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    b1 = tickets.issue(hall.ctx, kiosk, hall.ids["B"])
    assert [a1["number"], a2["number"], b1["number"]] == ["A001", "A002", "B001"]
    assert a2["waiting_ahead"] == 1 and b1["waiting_ahead"] == 0
    hall.clock.advance(days=1)
    assert tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] == "A001"


def test_the_reset_hour_moves_the_start_of_the_numbering_day(hall: Hall) -> None:
    with hall.ctx.uow() as uow:
        uow.session.scalars(select(Site)).one().reset_hour = 3
        uow.commit()
    kiosk = who(hall, "kiosk")
    hall.clock.current = hall.clock.current.replace(
        hour=17
    )  # 01:00 local next day, before the 03:00 reset
    assert tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] == "A001"
    assert tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] == "A002"
    hall.clock.advance(hours=2)  # 03:00 local: a new numbering day
    assert tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] == "A001"


def test_the_daily_cap_refuses_the_extra_ticket_and_wastes_no_number(hall: Hall) -> None:
    kiosk = who(hall, "kiosk")
    nums = [tickets.issue(hall.ctx, kiosk, hall.ids["C"])["number"] for _ in range(3)]
    with pytest.raises(DailyCapReached):
        tickets.issue(hall.ctx, kiosk, hall.ids["C"])
    assert nums == ["C001", "C002", "C003"]
    hall.clock.advance(days=1)
    assert tickets.issue(hall.ctx, kiosk, hall.ids["C"])["number"] == "C001"


def test_outside_business_hours_no_ticket_is_issued(hall: Hall) -> None:
    with hall.ctx.uow() as uow:
        site = uow.session.scalars(select(Site)).one()
        site.hours = {"mon": [["09:00", "12:00"]]}
        site.enforce_hours = True
        uow.commit()
    kiosk = who(hall, "kiosk")
    assert tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] == "A001"  # Monday 09:00
    hall.clock.advance(hours=4)  # 13:00
    with pytest.raises(OutsideHours):
        tickets.issue(hall.ctx, kiosk, hall.ids["A"])


def test_a_full_visit_writes_one_event_per_step_with_who_and_where(hall: Hall) -> None:
    kiosk, clerk = who(hall, "kiosk"), who(hall, "clerk1")
    wid = open_window(hall, "clerk1", 1)
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    hall.clock.advance(minutes=7)
    called = tickets.call_next(hall.ctx, clerk, wid)
    assert called["id"] == t["id"] and called["state"] == "called" and called["window_id"] == wid
    tickets.act(hall.ctx, clerk, t["id"], Action.RECALL)
    tickets.act(hall.ctx, clerk, t["id"], Action.START)
    hall.clock.advance(minutes=4)
    done = tickets.act(hall.ctx, clerk, t["id"], Action.FINISH)
    assert done["state"] == "done" and done["outcome"] == "done" and done["recall_count"] == 1
    assert events_of(hall, t["id"]) == ["issued", "called", "recalled", "started", "finished"]
    with hall.ctx.uow(write=False) as uow:
        rows = [
            (r.device_id, r.staff_id, r.window_id, r.duration_s)
            for r in uow.session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == t["id"]).order_by(TicketEvent.id)
            )
        ]
    assert rows[0][0] == hall.ids["kiosk"] and rows[0][1] is None
    assert all(r[1] == hall.ids["clerk1"] and r[2] == wid for r in rows[1:])
    assert rows[1][3] == 7 * 60 and rows[4][3] == 4 * 60


def test_call_next_refuses_while_the_window_holds_a_ticket(hall: Hall) -> None:
    kiosk, clerk = who(hall, "kiosk"), who(hall, "clerk1")
    wid = open_window(hall, "clerk1", 1)
    first = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    second = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    tickets.call_next(hall.ctx, clerk, wid)
    with pytest.raises(WindowBusy):
        tickets.call_next(hall.ctx, clerk, wid)
    assert tickets.get(hall.ctx, clerk, second["id"])["state"] == "waiting"
    tickets.act(hall.ctx, clerk, first["id"], Action.NO_SHOW)
    assert tickets.call_next(hall.ctx, clerk, wid)["id"] == second["id"]


def test_transfer_keeps_the_number_and_the_first_ask_window(hall: Hall) -> None:
    kiosk, c1, c2 = who(hall, "kiosk"), who(hall, "clerk1"), who(hall, "clerk2")
    w1, w2 = open_window(hall, "clerk1", 1), open_window(hall, "clerk2", 2)
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    tickets.call_next(hall.ctx, c1, w1)
    tickets.act(hall.ctx, c1, t["id"], Action.START)
    moved = tickets.transfer(hall.ctx, c1, t["id"], window_id=w2, note="需社保窗口核验")
    assert moved["number"] == t["number"] and moved["state"] == "waiting"
    assert moved["first_window_id"] == w1 and moved["transfer_count"] == 1
    # window 2 does not serve item A, but takes the ticket sent to it, before its own queue
    tickets.issue(hall.ctx, kiosk, hall.ids["B"])
    again = tickets.call_next(hall.ctx, c2, w2)
    assert again["id"] == t["id"] and again["first_window_id"] == w1
    assert "transferred" in events_of(hall, t["id"])


def test_park_and_resume_keeps_the_visitors_place(hall: Hall) -> None:
    kiosk, c1 = who(hall, "kiosk"), who(hall, "clerk1")
    w1 = open_window(hall, "clerk1", 1)
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    later = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    tickets.call_next(hall.ctx, c1, w1)
    tickets.act(hall.ctx, c1, t["id"], Action.START)
    parked = tickets.act(
        hall.ctx, c1, t["id"], Action.FINISH, outcome="parked", reason="缺少营业执照原件"
    )
    assert parked["state"] == "parked" and parked["outcome"] == "parked"
    resumed = tickets.act(hall.ctx, c1, t["id"], Action.RESUME)
    assert resumed["state"] == "waiting" and resumed["waiting_ahead"] == 0
    assert tickets.call_next(hall.ctx, c1, w1)["id"] == t["id"]
    assert tickets.get(hall.ctx, c1, later["id"])["state"] == "waiting"


def test_an_empty_queue_says_so(hall: Hall) -> None:
    w1 = open_window(hall, "clerk1", 1)
    with pytest.raises(QueueEmpty):
        tickets.call_next(hall.ctx, who(hall, "clerk1"), w1)


def test_a_refused_command_leaves_nothing_half_written(hall: Hall) -> None:
    kiosk = who(hall, "kiosk")
    for _ in range(3):
        tickets.issue(hall.ctx, kiosk, hall.ids["C"])
    with pytest.raises(DailyCapReached):
        tickets.issue(hall.ctx, kiosk, hall.ids["C"])
    with hall.ctx.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Ticket)) == 3
        assert uow.session.scalar(select(func.count()).where(TicketEvent.type == "issued")) == 3


# ---- concurrency ------------------------------------------------------------------------------


def test_eight_threads_issuing_fifty_tickets_each_get_400_distinct_gapless_numbers(
    hall: Hall,
) -> None:
    kiosk = who(hall, "kiosk")
    start = threading.Barrier(8)

    def worker(_: int) -> list[str]:
        start.wait()
        return [tickets.issue(hall.ctx, kiosk, hall.ids["A"])["number"] for _ in range(50)]

    with ThreadPoolExecutor(8) as pool:
        numbers = [n for batch in pool.map(worker, range(8)) for n in batch]
    assert len(numbers) == 400 and len(set(numbers)) == 400
    assert sorted(int(n[1:]) for n in numbers) == list(range(1, 401))


def test_four_clerks_draining_300_tickets_call_each_exactly_once(hall: Hall) -> None:
    kiosk = who(hall, "kiosk")
    for i in range(300):
        tickets.issue(hall.ctx, kiosk, hall.ids["A"] if i % 2 else hall.ids["B"])
    clerks = [(f"clerk{n}", open_window(hall, f"clerk{n}", n)) for n in (1, 2, 3, 4)]
    start = threading.Barrier(4)

    def drain(item: tuple[str, int]) -> list[int]:
        name, wid = item
        me, got = who(hall, name), []
        start.wait()
        while True:
            try:
                t = tickets.call_next(hall.ctx, me, wid)
            except QueueEmpty:
                return got
            got.append(t["id"])
            tickets.act(hall.ctx, me, t["id"], Action.START)
            tickets.act(hall.ctx, me, t["id"], Action.FINISH)

    with ThreadPoolExecutor(4) as pool:
        per_clerk = list(pool.map(drain, clerks))
    called = [tid for got in per_clerk for tid in got]
    assert len(called) == 300 and len(set(called)) == 300
    assert all(len(got) > 0 for got in per_clerk)
    with hall.ctx.uow(write=False) as uow:
        calls = Counter(
            uow.session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.type == "called"))
        )
        assert len(calls) == 300 and set(calls.values()) == {1}
        assert uow.session.scalar(select(func.count()).where(Ticket.state == "done")) == 300


def test_a_clerks_double_call_next_never_skips_a_ticket(hall: Hall) -> None:
    kiosk, c1 = who(hall, "kiosk"), who(hall, "clerk1")
    w1 = open_window(hall, "clerk1", 1)
    ids = [tickets.issue(hall.ctx, kiosk, hall.ids["A"])["id"] for _ in range(20)]
    served: list[int] = []
    for _ in range(20):
        gate = threading.Barrier(2)

        def click(gate: threading.Barrier = gate) -> object:
            gate.wait()
            try:
                return tickets.call_next(hall.ctx, c1, w1)
            except WindowBusy as exc:
                return exc

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: click(), range(2)))
        won = [r for r in results if isinstance(r, dict)]
        assert len(won) == 1, results  # the second click is refused, not given another ticket
        assert isinstance(next(r for r in results if not isinstance(r, dict)), WindowBusy)
        served.append(won[0]["id"])
        tickets.act(hall.ctx, c1, won[0]["id"], Action.START)
        tickets.act(hall.ctx, c1, won[0]["id"], Action.FINISH)
    assert served == ids  # every ticket, in order, none skipped


def test_waits_use_the_injected_clock(hall: Hall) -> None:
    kiosk, c1 = who(hall, "kiosk"), who(hall, "clerk1")
    w1 = open_window(hall, "clerk1", 1)
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    hall.clock.advance(seconds=95)
    called = tickets.call_next(hall.ctx, c1, w1)
    assert called["called_at"] is not None
    issued = called["issued_at"]
    from datetime import datetime

    assert datetime.fromisoformat(called["called_at"]) - datetime.fromisoformat(
        issued
    ) == timedelta(seconds=95)
    assert t["id"] == called["id"]


def test_the_database_refuses_to_edit_or_delete_a_logged_event(hall: Hall) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    kiosk = who(hall, "kiosk")
    wid = open_window(hall, "clerk1", 1)
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    tickets.call_next(hall.ctx, who(hall, "clerk1"), wid)  # a called event gets its seq at commit
    with hall.ctx.uow(write=False) as uow:
        seqs = list(
            uow.session.scalars(select(TicketEvent.seq).where(TicketEvent.ticket_id == t["id"]))
        )
    assert seqs[-1] is not None  # the call's seq was filled in at commit, the one update allowed
    for sql in (
        "UPDATE ticket_events SET type = 'finished'",
        "UPDATE ticket_events SET seq = seq + 100",
        "UPDATE ticket_events SET duration_s = 1",
        "DELETE FROM ticket_events",
    ):
        with pytest.raises(DatabaseError), hall.ctx.db.writer.begin() as conn:
            conn.execute(text(sql))
    assert events_of(hall, t["id"]) == ["issued", "called"]


def test_a_take_over_racing_the_clerks_finish_credits_the_visit_to_whoever_finished_it(
    hall: Hall,
) -> None:
    kiosk, clerk, sup = who(hall, "kiosk"), who(hall, "clerk1"), who(hall, "super")
    w1 = hall.ids["w1"]
    outcomes: Counter[str] = Counter()
    for _ in range(15):
        windows.change(hall.ctx, clerk, w1, "open")
        t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
        tickets.call_next(hall.ctx, clerk, w1)
        tickets.act(hall.ctx, clerk, t["id"], Action.START)
        gate = threading.Barrier(2)

        def finish(gate: threading.Barrier = gate, tid: int = t["id"]) -> str:
            gate.wait()
            try:
                tickets.act(hall.ctx, clerk, tid, Action.FINISH)
                return "clerk finished"
            except Forbidden:
                return "taken over first"

        def take_over(gate: threading.Barrier = gate) -> str:
            gate.wait()
            windows.change(hall.ctx, sup, w1, "open")
            return "took over"

        with ThreadPoolExecutor(2) as pool:
            first, _ = pool.submit(finish), pool.submit(take_over)
            outcomes[first.result()] += 1
        if tickets.get(hall.ctx, sup, t["id"])["state"] == "serving":
            tickets.act(
                hall.ctx, sup, t["id"], Action.FINISH
            )  # the visit went on under the supervisor
        with hall.ctx.uow(write=False) as uow:
            row = uow.session.get_one(Ticket, t["id"])
            finisher = uow.session.scalar(
                select(TicketEvent.staff_id).where(
                    TicketEvent.ticket_id == t["id"], TicketEvent.type == "finished"
                )
            )
            assert row.state == "done" and row.staff_id == finisher, (
                dict(outcomes),
                row.staff_id,
                finisher,
            )
            assert uow.session.get_one(Window, w1).staff_id == sup.id
        windows.change(hall.ctx, sup, w1, "close")
    assert sum(outcomes.values()) == 15


def test_a_clerk_calling_while_an_admin_removes_them_never_calls_at_the_released_window(
    hall: Hall,
) -> None:
    kiosk, admin = who(hall, "kiosk"), who(hall, "admin")
    w1 = hall.ids["w1"]
    for _ in range(10):
        catalog.save(hall.ctx, admin, "staff", {"window_ids": [w1]}, hall.ids["clerk1"])
        clerk = who(hall, "clerk1")  # then held by "another process" that has not seen the change
        windows.change(hall.ctx, clerk, w1, "open")
        for _ in range(2):
            tickets.issue(hall.ctx, kiosk, hall.ids["A"])
        gate = threading.Barrier(2)

        def call(gate: threading.Barrier = gate, clerk: Principal = clerk) -> object:
            gate.wait()
            try:
                return tickets.call_next(hall.ctx, clerk, w1)
            except Forbidden as exc:
                return exc

        def remove(gate: threading.Barrier = gate) -> None:
            gate.wait()
            catalog.save(hall.ctx, admin, "staff", {"window_ids": []}, hall.ids["clerk1"])

        with ThreadPoolExecutor(2) as pool:
            called, removed = pool.submit(call), pool.submit(remove)
            removed.result()
            result = called.result()
        with hall.ctx.uow(write=False) as uow:
            s = uow.session
            w = s.get_one(Window, w1)
            state, holder = w.state, w.staff_id
            held = s.scalar(
                select(Ticket.id).where(Ticket.window_id == w1, Ticket.state == "called")
            )
            last = s.execute(
                select(WindowEvent.action, WindowEvent.data)
                .where(WindowEvent.window_id == w1)
                .order_by(WindowEvent.id.desc())
                .limit(1)
            ).one()
        assert state == "closed" and holder is None
        assert last.action == "released"
        # a call either came before the release (which then names the ticket left at the window) or was refused
        assert last.data is not None and last.data["ticket_id"] == held
        assert (held is None) == isinstance(result, Forbidden)
        if held is not None:
            tickets.act(hall.ctx, who(hall, "super"), held, Action.CANCEL)


def _live_counts(hall: Hall) -> dict[tuple[str, int], int]:
    from sqlalchemy import text

    with hall.ctx.db.writer.connect() as c:
        live = {
            (str(d), s): n
            for d, s, n in c.execute(
                text(
                    "SELECT day, service_id, count(*) FROM tickets WHERE state = 'waiting' GROUP BY day, service_id"
                )
            )
        }
        kept = {
            (str(d), s): n
            for d, s, n in c.execute(
                text("SELECT day, service_id, waiting FROM queue_counts WHERE waiting <> 0")
            )
        }
    return {"live": live, "kept": kept}  # type: ignore[return-value]


def test_the_waiting_counts_the_database_keeps_always_equal_a_fresh_count(hall: Hall) -> None:
    import random

    rnd = random.Random(7)
    kiosk, sup = who(hall, "kiosk"), who(hall, "super")
    clerks = {n: who(hall, f"clerk{n}") for n in (1, 2, 3)}
    wins = {n: open_window(hall, f"clerk{n}", n) for n in (1, 2, 3)}
    held: dict[int, dict] = {}
    parked: list[int] = []
    for step in range(160):
        n = rnd.choice((1, 2, 3))
        roll = rnd.random()
        try:
            if roll < 0.45:
                prio = rnd.choice(
                    ["normal"] * 4 + ["priority"]
                )  # a kiosk issues only normal ones by itself
                tickets.issue(
                    hall.ctx, kiosk if prio == "normal" else sup, hall.ids[rnd.choice("AB")], prio
                )
            elif n not in held:
                held[n] = tickets.call_next(hall.ctx, clerks[n], wins[n])
            else:
                t = held.pop(n)
                action = rnd.choice(["no_show", "transfer", "park", "finish", "cancel"])
                if action == "transfer":
                    tickets.transfer(
                        hall.ctx, clerks[n], t["id"], service_id=hall.ids[rnd.choice("AB")]
                    )
                elif action == "no_show":
                    tickets.act(hall.ctx, clerks[n], t["id"], Action.NO_SHOW)
                elif action == "cancel":
                    tickets.act(hall.ctx, clerks[n], t["id"], Action.CANCEL)
                else:
                    tickets.act(hall.ctx, clerks[n], t["id"], Action.START)
                    if action == "park":
                        tickets.act(hall.ctx, clerks[n], t["id"], Action.PARK)
                        parked.append(t["id"])
                    else:
                        tickets.act(hall.ctx, clerks[n], t["id"], Action.FINISH)
            if parked and rnd.random() < 0.1:
                tickets.act(hall.ctx, sup, parked.pop(), Action.RESUME)
        except QueueEmpty:
            pass
        if step == 100:
            for m, t in list(held.items()):
                tickets.act(hall.ctx, clerks[m], t["id"], Action.NO_SHOW)
            held.clear()
            parked.clear()  # yesterday's parked tickets cannot rejoin today's queue
            hall.clock.advance(days=1)  # a new business day starts with its own counts
        counts = _live_counts(hall)
        assert counts["kept"] == counts["live"], step
    assert sum(_live_counts(hall)["live"].values()) > 0
