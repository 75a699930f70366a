"""A call-next finds its window's queue heads on PostgreSQL without walking the day, statistics or
none.

PostgreSQL plans by its statistics, and a hall's tables are analysed only by autovacuum (a tenth of
a table changed, a minute after at most; never when it is off, as on the test machines). Blind,
the planner filtered every ticket of the day through the unique (site, prefix, day, number) index
for every queue of the window: 50 ms a call-next with 8,000 tickets of the day. The heads
statement (storage/statements.py queue_heads_pg) now orders each queue's step the way
ix_tickets_targeted holds it, and the planner takes that index in order with or without statistics.
This reads the plan PostgreSQL runs and counts the pages it touched: the same on any machine at any
load.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, text

from server.engine.numbering import business_day
from server.engine.states import Action
from server.services.access import auth
from server.services.access.principal import Principal
from server.services.queue import read_models, tickets, windows
from server.storage import statements
from server.storage.models import Site, Ticket
from tests.conftest import Hall


def who(hall: Hall, name: str) -> Principal:
    p = auth.authenticate(hall.ctx, hall.tokens[name])
    assert p is not None
    return p


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def test_the_queue_heads_read_a_few_pages_with_fifteen_hundred_waiting(pg_hall: Hall) -> None:
    hall = pg_hall
    kiosk, clerk = who(hall, "kiosk"), who(hall, "clerk4")
    a, b = hall.ids["A"], hall.ids["B"]
    wid = hall.ids["w4"]  # serves A, B and C (C has a daily cap of three: it stays empty)
    for i in range(1500):
        tickets.issue(hall.ctx, kiosk, (a, b)[i % 2])
    windows.change(hall.ctx, clerk, wid, "open")
    for _ in range(30):  # called and finished: their old index entries stay until a vacuum
        t = tickets.call_next(hall.ctx, clerk, wid)
        tickets.act(hall.ctx, clerk, t["id"], Action.START)
        tickets.act(hall.ctx, clerk, t["id"], Action.FINISH)
    with hall.ctx.uow(write=False) as uow:
        site = uow.session.get_one(Site, kiosk.site_id)
        day = business_day(hall.clock.now(), site.timezone, site.reset_hour)
        services = sorted(read_models.window_services(uow.session, wid))
        heads = statements.queue_heads_pg()
        explain = text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + heads.text).bindparams(
            bindparam("day", type_=Ticket.day.type)
        )
        params = statements.queue_heads_pg_params(site.id, day, wid, services, set(), 1)
        [[doc]] = uow.execute(explain, params).all()
    plan = (doc if isinstance(doc, list) else json.loads(doc))[0]["Plan"]
    used = {n["Index Name"] for n in nodes(plan) if "Index Name" in n}
    pages = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    # nine queues (three items, three classes) and the window's transferred tickets: one ordered
    # index step each. Walking the day instead touched every ticket's page for every queue.
    assert "tickets_site_id_prefix_day_seq_no_key" not in used, used
    assert pages < 200, f"{pages} pages touched for the heads of {len(services)} items: {used}"
