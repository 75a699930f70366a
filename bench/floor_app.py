"""The floor under a clerk's call, for bench/call_floor.py: bare Flask under the same gunicorn worker,
replaying the SQL statements one real call-next and one real no-show ran (captured by
call_floor.py), with no authentication, no queue logic, no events and no log of its own.

`POST /call/<i>` replays clerk i's call-next statements in one transaction, `POST /end/<i>` its
no-show's.
`mode` says through what:

- "hello": no database at all, a JSON answer (the HTTP floor);
- "driver": Python's sqlite3 module directly (the driver floor);
- "core": SQLAlchemy Core, each statement a `text()` construct through `Session.execute` on the
  product's own writer engine (server/storage/db.py): the floor of the stack the product is built
  on.

No statement is skipped: an UPDATE that matched the ticket when it was captured matches no row when
replayed, which only makes the floor lower. Neither SQLite floor checkpoints its write-ahead log
(`wal_autocheckpoint=0`), which the product does, on a thread of its own: that too only lowers the
floor. FLOOR_URL is the hall's database the statements were captured on, and FLOOR_SQL the captured statements (a pickle: {"call/<i>": [(sql, params),
...], "end/<i>": [...]}, params as the driver took them: a tuple for sqlite3, a dict for psycopg).

    gunicorn -k server.workers.GeventWorker -w 1 'bench.floor_app:make("core")'
"""

from __future__ import annotations

import os
import pickle
import queue
import re
import sqlite3
from typing import Any

from flask import Flask, request
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from server.storage.db import Database


def _named(sql: str) -> str:
    """The driver's placeholders (`?` for sqlite3, `%(name)s` for psycopg) as text()'s `:name`; `?`
    becomes `:p0, :p1, ...` (no captured statement holds a literal `?` or `%`)."""
    if "%(" in sql:
        # text() reads `:name::INTEGER` as no parameter at all: a space keeps PostgreSQL's cast
        return re.sub(
            r"%\(([A-Za-z_0-9]+)\)s(::)?", lambda m: f":{m[1]}{' ::' if m[2] else ''}", sql
        )
    n = iter(range(10_000))
    return re.sub(r"\?", lambda _m: f":p{next(n)}", sql)


def _bound(params: Any) -> dict[str, Any]:
    if isinstance(params, dict):
        return params
    return {f"p{i}": v for i, v in enumerate(params)}


def make(mode: str = "core") -> Flask:
    app = Flask(__name__)
    url = os.environ["FLOOR_URL"]
    postgres = url.startswith("postgresql")
    with open(os.environ["FLOOR_SQL"], "rb") as f:
        captured: dict[str, list[tuple[str, Any]]] = pickle.load(f)

    names = sorted({key.split("/")[1] for key in captured})

    def route(run: Any) -> None:
        """POST /call/<i> and /end/<i>: clerk i's statements (i taken modulo the clerks captured)."""
        for kind in ("call", "end"):
            app.add_url_rule(
                f"/{kind}/<int:i>",
                endpoint=kind,
                view_func=lambda i, kind=kind: run(f"{kind}/{names[i % len(names)]}"),
                methods=["POST"],
            )

    def reply(rows: list[Any]) -> dict[str, Any]:
        request.get_json(silent=True)  # a clerk's request carries a JSON body
        return {"rows": len(rows), "first": [str(v) for v in rows[0]] if rows else None}

    if mode == "hello":
        route(lambda _name: reply([]))
        return app

    if mode == "driver":
        pool: queue.LifoQueue[Any] = queue.LifoQueue()
        for _ in range(8):
            pool.put(_driver_connection(url, postgres))

        def run_driver(name: str) -> dict[str, Any]:
            c = pool.get()
            try:
                c.execute("BEGIN" if postgres else "BEGIN IMMEDIATE")
                rows: list[Any] = []
                for sql, params in captured[name]:
                    cur = c.execute(sql, params)
                    rows = (cur.fetchall() if cur.description else []) or rows
                c.execute("COMMIT")
                return reply(rows)
            finally:
                pool.put(c)

        route(run_driver)
        return app

    # the product's own writer engine (server/storage/db.py): its pool, pragmas and BEGIN IMMEDIATE
    engine = Database(url).writer
    if not postgres:

        @event.listens_for(engine, "connect")
        def _no_checkpoints(dbapi_conn: Any, _record: Any) -> None:  # after the product's pragmas
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

    statements = {
        name: [(text(_named(sql)), _bound(params)) for sql, params in stmts]
        for name, stmts in captured.items()
    }

    def run_core(name: str) -> dict[str, Any]:
        with Session(engine) as s:
            rows: list[Any] = []
            for stmt, params in statements[name]:
                result = s.execute(stmt, params)
                if result.returns_rows:
                    rows = list(result.all()) or rows
            s.commit()
            return reply(rows)

    route(run_core)
    return app


def _driver_connection(url: str, postgres: bool) -> Any:
    if postgres:
        import psycopg

        return psycopg.connect(url, autocommit=True)
    c = sqlite3.connect(
        url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False, timeout=3
    )
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "wal_autocheckpoint=0",
    ):
        c.execute(f"PRAGMA {pragma}")
    return c
