"""A call's work does not grow with the waiting queue (SQLite).

A busy day's queue runs to thousands of tickets; every call-next, start and finish must still read
only what it needs: the queue heads, the day's bookings and the recent opt-ins, never every waiting
ticket. SQLite's planner picks its plans without statistics, so a statement that reads well on a
short queue can walk the whole queue on a long one. This counts the work SQLite itself does
(virtual-machine steps, its progress handler), which is the same on any machine at any load.
"""

from __future__ import annotations

from sqlalchemy import event

from server.engine.states import Action
from server.services.access import auth
from server.services.access.principal import Principal
from server.services.queue import tickets, windows
from tests.conftest import Hall

STEP = 10  # the progress handler runs every STEP virtual-machine instructions


def who(hall: Hall, name: str) -> Principal:
    p = auth.authenticate(hall.ctx, hall.tokens[name])
    assert p is not None
    return p


class Steps:
    """SQLite's virtual-machine steps on the hall's connections while counting."""

    def __init__(self, hall: Hall) -> None:
        self.n = 0
        self.on = False
        for engine in {hall.ctx.db.writer, hall.ctx.db.reader}:
            event.listen(engine, "before_cursor_execute", self._watch)

    def _tick(self) -> int:
        if self.on:
            self.n += STEP
        return 0  # go on

    def _watch(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        conn.connection.driver_connection.set_progress_handler(self._tick, STEP)

    def of(self, fn) -> int:  # noqa: ANN001
        self.n, self.on = 0, True
        try:
            fn()
        finally:
            self.on = False
        return self.n


def test_a_call_reads_as_much_with_two_thousand_waiting_as_with_twenty(sqlite_hall: Hall) -> None:
    hall = sqlite_hall
    kiosk, clerk = who(hall, "kiosk"), who(hall, "clerk1")
    a, b = hall.ids["A"], hall.ids["B"]
    wid = hall.ids["w1"]
    for _ in range(20):
        tickets.issue(hall.ctx, kiosk, a)
    windows.change(hall.ctx, clerk, wid, "open")
    steps = Steps(hall)

    def cycle() -> None:
        t = tickets.call_next(hall.ctx, clerk, wid)
        tickets.act(hall.ctx, clerk, t["id"], Action.START)
        tickets.act(hall.ctx, clerk, t["id"], Action.FINISH)

    cycle()  # first statements of their kind
    short = steps.of(cycle)
    for i in range(2000):  # a busy day: the window's item and another one
        tickets.issue(hall.ctx, kiosk, a if i % 2 else b)
    long = steps.of(cycle)
    # Index steps grow with the log of the queue; a statement that walks the queue adds thousands
    # of rows, each several steps (before the fix: the opt-in probe and the booked-first head)
    assert long < short * 1.5, f"{short} steps with 20 waiting, {long} with 2,020"
