"""storage/fast.py on real SQLite and PostgreSQL: a statement run on the driver's cursor writes and
reads exactly what SQLAlchemy's own execution of the same statement does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, insert, select

from server.services import auth, tickets
from server.storage import fast, statements
from server.storage.models import ServiceDayCount, Site, Ticket, TicketEvent
from tests.conftest import Hall


def _event(site_id: int, ticket_id: int, service_id: int) -> dict:
    return {"site_id": site_id, "ticket_id": ticket_id, "type": "note", "from_state": None, "to_state": "waiting",
            "at": datetime(2026, 3, 2, 1, 30, 15, 250000, tzinfo=UTC), "day": date(2026, 3, 2), "hour": 9,
            "service_id": service_id, "window_id": None, "staff_id": None, "device_id": None, "duration_s": 1.5,
            "elapsed_s": 0.0, "wait_s": None, "data": {"名": "受理", "n": [1, 2]}, "seq": 7}


def test_a_row_written_on_the_cursor_reads_back_as_the_orm_wrote_it(hall: Hall) -> None:
    kiosk = auth.authenticate(hall.ctx, hall.tokens["kiosk"])
    t = tickets.issue(hall.ctx, kiosk, hall.ids["A"])
    with hall.ctx.uow() as uow:
        s = uow.session
        site_id = s.scalars(select(Site.id)).one()
        fast_row = _event(site_id, t["id"], hall.ids["A"])
        orm_row = {**fast_row, "seq": 8}
        fast.run(s, statements.insert_row, fast_row, (TicketEvent, tuple(fast_row)))
        s.execute(insert(TicketEvent), orm_row)
        uow.commit()
    with hall.ctx.uow(write=False) as uow:
        a, b = uow.session.scalars(select(TicketEvent).where(TicketEvent.type == "note")
                                   .order_by(TicketEvent.seq)).all()
        for col in ("at", "day", "hour", "data", "duration_s", "to_state", "service_id"):
            assert getattr(a, col) == getattr(b, col), col
        assert a.at == datetime(2026, 3, 2, 1, 30, 15, 250000, tzinfo=UTC)  # aware UTC, microseconds kept
        assert a.data == {"名": "受理", "n": [1, 2]}


def test_a_select_converts_its_columns_as_sqlalchemy_does(hall: Hall) -> None:
    with hall.ctx.uow(write=False) as uow:
        s = uow.session
        ours = fast.first(s, statements.issue_context, {"service_id": hall.ids["A"], "device_id": None})
        theirs = s.execute(statements.issue_context(), {"service_id": hall.ids["A"], "device_id": None}).one()
        missing = fast.first(s, statements.issue_context, {"service_id": 999_999, "device_id": None})
    assert ours is not None and missing is None
    assert tuple(ours) == tuple(theirs)
    assert ours.site_hours == theirs.site_hours and isinstance(ours.holidays, type(theirs.holidays))
    assert ours.printer is None


def test_a_statement_keeps_its_own_literal_values() -> None:
    """`Service.active` style literals (a bound True, a state name) travel with the statement."""
    stmt = select(Ticket.id).where(Ticket.state == "waiting", Ticket.site_id == bindparam("site_id"))
    from sqlalchemy.dialects import sqlite

    p = fast.Prepared(stmt, sqlite.dialect())
    assert p.params({"site_id": 3}) == ("waiting", 3)
    with pytest.raises(KeyError):
        p.params({})  # a required parameter is never silently NULL


def test_an_insert_that_leaves_a_python_default_to_fill_is_refused() -> None:
    from sqlalchemy.dialects import sqlite

    # Ticket.priority has a Python-side default that only SQLAlchemy's own execution fills in
    stmt = insert(Ticket).values(public_id=bindparam("public_id"))
    with pytest.raises(ValueError, match="default"):
        fast.Prepared(stmt, sqlite.dialect())


def test_a_write_on_the_cursor_rolls_back_with_the_unit_of_work(hall: Hall) -> None:
    with hall.ctx.uow() as uow:
        s = uow.session
        n = fast.scalar(s, statements.bump, {"service_id": hall.ids["A"], "day": date(2026, 3, 2)},
                        (ServiceDayCount, s.get_bind().dialect.name))
        assert n == 1
        # no commit: leaving the block rolls back
    with hall.ctx.uow() as uow:
        s = uow.session
        again = fast.scalar(s, statements.bump, {"service_id": hall.ids["A"], "day": date(2026, 3, 2)},
                            (ServiceDayCount, s.get_bind().dialect.name))
        assert again == 1  # the first bump was rolled back with its transaction
        uow.commit()
    with hall.ctx.uow(write=False) as uow:
        kept = uow.session.scalar(select(ServiceDayCount.issued).where(
            ServiceDayCount.service_id == hall.ids["A"], ServiceDayCount.day == date(2026, 3, 2)))
    assert kept == 1  # and the committed one was kept


def test_a_priority_ticket_is_told_how_many_will_be_called_before_it(hall: Hall) -> None:
    """Issuing runs without an ORM session; the count for a non-normal class is its own query."""
    clerk = auth.authenticate(hall.ctx, hall.tokens["clerk1"])
    assert clerk is not None
    issue = [tickets.issue(hall.ctx, clerk, hall.ids["A"], p)
             for p in ("normal", "normal", "green", "priority", "green", "priority", "normal")]
    # green first in arrival order, then priority, then normal: each is told who is already waiting before it
    assert [t["waiting_ahead"] for t in issue] == [0, 1, 0, 1, 1, 3, 6]
    assert [t["number"] for t in issue] == ["A001", "A002", "A003", "A004", "A005", "A006", "A007"]
