"""The floor under a clerk's call, for bench/call_floor.py: bare Flask under the same gunicorn worker,
replaying the SQL statements one real call-next and one real no-show ran (captured by
call_floor.py), with no authentication, no queue logic, no events and no log of its own.

`POST /call` replays the call-next's statements in one transaction, `POST /end` the no-show's.
`mode` says through what:

- "hello": no database at all, a JSON answer (the HTTP floor);
- "driver": Python's sqlite3 module directly (the driver floor);
- "core": SQLAlchemy Core, each statement a `text()` construct through `Session.execute` with the
  same engine settings as server/storage/db.py (the floor of the stack the product is built on).

No statement is skipped: an UPDATE that matched the ticket when it was captured matches no row when
replayed, which only makes the floor lower. FLOOR_DB is a copy of the hall's database and
FLOOR_SQL the captured statements (JSON: {"call": [[sql, params], ...], "end": [...]}).

    gunicorn -k server.workers.GeventWorker -w 1 'bench.floor_app:make("core")'
"""

from __future__ import annotations

import json
import os
import queue
import re
import sqlite3
from typing import Any

from flask import Flask, request
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session


def _named(sql: str) -> str:
    """`?` placeholders as `:p0, :p1, ...` for text() (no captured statement holds a literal `?`)."""
    n = iter(range(10_000))
    return re.sub(r"\?", lambda _m: f":p{next(n)}", sql)


def make(mode: str = "core") -> Flask:
    app = Flask(__name__)
    db = os.environ["FLOOR_DB"]
    captured: dict[str, list[tuple[str, list[Any]]]] = json.loads(
        open(os.environ["FLOOR_SQL"], encoding="utf-8").read()
    )

    def reply(rows: list[Any]) -> dict[str, Any]:
        request.get_json(silent=True)  # a clerk's request carries a JSON body
        return {"rows": len(rows), "first": [str(v) for v in rows[0]] if rows else None}

    if mode == "hello":
        app.post("/call", endpoint="call")(lambda: reply([]))
        app.post("/end", endpoint="end")(lambda: reply([]))
        return app

    if mode == "driver":
        pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        for _ in range(8):
            c = sqlite3.connect(db, isolation_level=None, check_same_thread=False, timeout=3)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            pool.put(c)

        def run_driver(name: str) -> dict[str, Any]:
            c = pool.get()
            try:
                c.execute("BEGIN IMMEDIATE")
                rows: list[Any] = []
                for sql, params in captured[name]:
                    rows = c.execute(sql, params).fetchall() or rows
                c.execute("COMMIT")
                return reply(rows)
            finally:
                pool.put(c)

        app.post("/call", endpoint="call")(lambda: run_driver("call"))
        app.post("/end", endpoint="end")(lambda: run_driver("end"))
        return app

    engine = create_engine(
        f"sqlite:///{db}",
        connect_args={"check_same_thread": False, "timeout": 3},
        pool_size=2,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    statements = {
        name: [
            (text(_named(sql)), {f"p{i}": v for i, v in enumerate(params)}, sql.lstrip()[:6])
            for sql, params in stmts
        ]
        for name, stmts in captured.items()
    }

    def run_core(name: str) -> dict[str, Any]:
        with Session(engine) as s:
            rows: list[Any] = []
            for stmt, params, verb in statements[name]:
                result = s.execute(stmt, params)
                if verb.upper() == "SELECT" or result.returns_rows:
                    rows = list(result.all()) or rows
            s.commit()
            return reply(rows)

    app.post("/call", endpoint="call")(lambda: run_core("call"))
    app.post("/end", endpoint="end")(lambda: run_core("end"))
    return app
