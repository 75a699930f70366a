"""Prebuilt statements run on the driver's cursor of a unit of work's connection.

Issuing a ticket is the hall's busiest write, and on SQLite every write of the process waits its
turn on one lock (see `db.UnitOfWork`): the time a write holds that lock is the hall's ceiling.
Measured here (2 cores, SQLite), SQLAlchemy's execution layer (execution context, result object,
events) cost about 70 µs per statement where SQLite runs the statement itself in about 12 µs, and
an issue ran eight of them inside the lock. So the statements of that path are compiled by
SQLAlchemy once per dialect, from the same Core constructs and column types as everywhere else,
and then run straight on the DB-API cursor of the session's own connection: same transaction, same
SQL, same bind and result conversions (the column types' own processors), without the per-call
machinery.

Nothing here writes SQL by hand, and every statement stays a SQLAlchemy construct that the rest of
the code (and the tests) can run the usual way.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

Processor = Callable[[Any], Any]
CONN_KEY = "qh_fast_conn"


class Prepared:
    """One statement compiled for one dialect: its SQL, how to bind its parameters, how to read its rows."""

    __slots__ = ("sql", "positional", "names", "fixed", "getter", "procs", "results", "row")

    def __init__(self, stmt: Any, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if compiled.post_compile_params or getattr(compiled, "literal_execute_params", None):
            raise ValueError("expanding or literal-execute parameters need SQLAlchemy's own execution")
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # column defaults computed in Python are filled in by SQLAlchemy's execution context
            raise ValueError("a statement that leaves a Python-side column default to fill must name every column")
        self.sql: str = compiled.string
        # positional drivers (sqlite3: qmark) take a tuple in this order; named ones (psycopg) a dict
        self.positional: bool = bool(compiled.positional)
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if self.positional else tuple(binds)
        # the value of each parameter, by name: the caller's, or the one the statement gave it itself
        # (a literal in a WHERE); a required one has none, and a missing value is a KeyError
        self.fixed: dict[str, Any] = {n: binds[n].effective_value for n in self.names if not binds[n].required}
        self.getter: Callable[[dict[str, Any]], Any] = itemgetter(*self.names) if self.names else (lambda _v: ())
        # the positions whose column type converts the value for the driver (dates, JSON, ...)
        self.procs: list[tuple[int, Processor]] = []
        for i, name in enumerate(self.names):
            proc = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.procs.append((i, proc))
        columns = list(getattr(stmt, "exported_columns", ()))
        self.results: list[Processor | None] = [
            col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns]
        self.row = namedtuple("Row", [str(col.key) for col in columns], rename=True)  # type: ignore[misc]

    def params(self, values: dict[str, Any]) -> Any:
        """The driver's parameters for `values`, keyed as the statement's bind parameters."""
        got = self.getter({**self.fixed, **values} if self.fixed else values)
        out = list(got) if len(self.names) != 1 else [got]
        for i, proc in self.procs:
            out[i] = proc(out[i])
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))

    def rows(self, raw: list[Any]) -> list[tuple[Any, ...]]:
        procs = self.results
        if not any(procs):
            return raw
        return [tuple(v if p is None else p(v) for p, v in zip(procs, r, strict=True)) for r in raw]


_prepared: dict[tuple[Callable[..., Any], tuple[Any, ...], str], Prepared] = {}


def prepared(build: Callable[..., Any], args: tuple[Any, ...], dialect: Dialect) -> Prepared:
    """`build(*args)`'s statement compiled for `dialect`, once per process."""
    key = (build, args, dialect.name)
    p = _prepared.get(key)
    if p is None:
        p = _prepared[key] = Prepared(build(*args), dialect)
    return p


@event.listens_for(Session, "after_begin")
def _remember(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    # the session's transaction runs on this connection until it ends: asking the session for it
    # on every statement (its own bookkeeping) cost as much as running the statement
    session.info[CONN_KEY] = (connection.dialect, connection.connection.dbapi_connection)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, tx: SessionTransaction) -> None:
    if tx.parent is None:
        session.info.pop(CONN_KEY, None)


class driver_errors:  # noqa: N801 - used as a function: `with driver_errors(dialect):`
    """Raise the driver's own errors as SQLAlchemy's (OperationalError, IntegrityError, ...), as its
    execution would: the API answers a database that is not answering with 503 from those.

    A class rather than a generator context manager: it wraps every statement of issuing, and a
    generator's entry and exit cost several times the statement's own Python time."""

    __slots__ = ("dialect", "statement")

    def __init__(self, dialect: Dialect, statement: str | None = None) -> None:
        self.dialect = dialect
        self.statement = statement

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: Any) -> None:
        base = self.dialect.loaded_dbapi.Error
        if exc is not None and isinstance(exc, base):
            raise DBAPIError.instance(self.statement, None, exc, base, hide_parameters=True,
                                      dialect=self.dialect) from exc


def dialect_name(session: Any) -> str:
    """The dialect of `session`'s database (a Session or a lean unit of work's transaction)."""
    got = session.info.get(CONN_KEY)
    return str(got[0].name) if got is not None else str(session.get_bind().dialect.name)


def run(session: Session, build: Callable[..., Any], values: dict[str, Any],
        args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run `build(*args)`'s statement with `values` in `session`'s transaction (begun if need be);
    its rows as tuples (none for a plain write)."""
    got = session.info.get(CONN_KEY)
    if got is None:
        session.connection()  # begins the transaction; `_remember` keeps its connection
        got = session.info[CONN_KEY]
    dialect, dbapi = got
    p = prepared(build, args, dialect)
    with driver_errors(dialect, p.sql):
        cur = dbapi.cursor()
        try:
            cur.execute(p.sql, p.params(values))
            return p.rows(cur.fetchall()) if cur.description is not None else []
        finally:
            cur.close()


def first(session: Session, build: Callable[..., Any], values: dict[str, Any], args: tuple[Any, ...] = ()) -> Any:
    """The first row of `run`, read by index or by column name, or None."""
    rows = run(session, build, values, args)
    return prepared(build, args, session.info[CONN_KEY][0]).row(*rows[0]) if rows else None


def scalar(session: Session, build: Callable[..., Any], values: dict[str, Any], args: tuple[Any, ...] = ()) -> Any:
    """The first column of the first row of `run`, or None."""
    rows = run(session, build, values, args)
    return rows[0][0] if rows else None


def read_first(engine: Any, build: Callable[..., Any], values: dict[str, Any], args: tuple[Any, ...] = ()) -> Any:
    """`first` of a read outside any unit of work, on a pooled driver connection of `engine`
    (what a write needs to know before it takes the write lock)."""
    from .db import LeanTransaction

    with driver_errors(engine.dialect):
        raw = engine.raw_connection()
    try:
        return first(LeanTransaction(engine.dialect, raw.driver_connection), build, values, args)  # type: ignore[arg-type]
    finally:
        raw.close()  # back to the pool, which ends the read (a rollback on return)

