"""Engines and the unit of work; built from config inside create_app, never at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Commits between two checkpoints of SQLite's write-ahead log (an issue writes about 16 pages of
# 4 KB): about SQLite's own default of 1000 pages. The writers' own automatic checkpoint stays on,
# later, and bounds the log (16 MB): while tickets never stop coming, the log is only rewound from
# its start by a checkpoint that no write overlaps, and that one runs inside the write lock; it
# finds the pages already copied by the checkpointer, so it costs little more than its syncs.
CHECKPOINT_EVERY = 64
SAFETY_CHECKPOINT_PAGES = 4000


def normalise_url(url: str) -> str:
    """Accept a plain postgresql:// URL and use the psycopg 3 driver for it."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    # Writers take the process's write lock before a connection, so they need few; readers as
    # many as run at once (a screen storm after a restart), each with a small page cache: the
    # operating system caches the file anyway, and 64 connections of 2 MB each made RSS grow.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=2 if immediate else 8,
        max_overflow=4 if immediate else 16,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We emit BEGIN ourselves: pysqlite's own implicit BEGIN is deferred, and a
        # deferred reader that later writes can fail at once with SQLITE_BUSY in WAL.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-512")  # KiB
        if immediate:
            # Left to itself, the commit that fills the log copies it into the database and syncs
            # both files, inside the write lock: measured here, 3.7 ms every 60-odd tickets, with
            # every other writer of the hall waiting. The Checkpointer does it beside the writers.
            cur.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # on the driver's connection: it runs at every unit of work, and SQLAlchemy's execution
        # layer took longer than the statement (see fast.py)
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engines of one database: a writer and a reader (the same engine off SQLite)."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = normalise_url(url)
        # run in every write unit of work just before it commits (the audit row of the call)
        self.commit_hooks: list[CommitHook] = []
        # run as a write unit of work starts, before it waits for the write lock (work that needs
        # no transaction, kept out of the time other writers wait)
        self.enter_hooks: list[Callable[[], None]] = []
        self.dialect = self.url.split(":", 1)[0].split("+", 1)[0]
        self._locked_conn: Any = None
        if self.dialect == "sqlite":
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(self.url, immediate=True)
            self.reader = _sqlite_engine(self.url, immediate=False)
            # SQLite has one writer at a time; its busy handler sleeps in steps of up to
            # 100 ms, so threads of one process queue here instead (other processes still
            # wait in SQLite's busy handler).
            self.write_lock: threading.Lock | None = threading.Lock()
            self.checkpointer: Checkpointer | None = Checkpointer(self.reader)
        else:
            self.writer = create_engine(
                self.url, echo=echo, pool_size=10, max_overflow=30, pool_pre_ping=True
            )
            self.reader = self.writer
            self.write_lock = None
            self.checkpointer = None

    def locked_connection(self) -> Any:
        """SQLite: the writer connection that lean units of work share, for the holder of the write
        lock only. It stays checked out of the pool between them: a checkout and a check-in (with
        its reset) cost about as much as two of issuing's statements, inside the lock."""
        if self._locked_conn is None:
            self._locked_conn = self.writer.raw_connection()
        return self._locked_conn

    def drop_locked_connection(self) -> None:
        """Give the shared writer connection back (after a failure, or at dispose)."""
        raw, self._locked_conn = self._locked_conn, None
        if raw is not None:
            try:
                raw.close()
            except Exception as exc:  # a connection already gone has nothing to return
                log.debug("closing the shared writer connection: %s", exc)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def dispose(self) -> None:
        """Close every pooled connection (and stop the checkpointer)."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.drop_locked_connection()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


class Checkpointer:
    """Checkpoints SQLite's write-ahead log on its own thread, outside the write lock.

    A PASSIVE checkpoint copies committed pages into the database file while writers go on
    appending to the log, and its two syncs wait on the disk with no lock held. The writers call
    `committed()` inside the write lock (a counter, nothing more); every CHECKPOINT_EVERY commits
    the thread wakes. It starts with the first commit, so a process that never writes has none.
    """

    def __init__(self, engine: Engine, every: int = CHECKPOINT_EVERY) -> None:
        self.engine = engine
        self.every = every
        self.count = 0  # commits since the last checkpoint; changed under the write lock only
        self.done = 0  # checkpoints run (for tests and the curious)
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def committed(self) -> None:
        """Count a commit; call with the write lock held."""
        self.count += 1
        if self.count >= self.every:
            self.count = 0
            if self._thread is None:
                self._start()
            self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            self.checkpoint()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint now. A failure is logged: the commits it follows stand, the log
        only grows until the next one (or the writers' own safety checkpoint) succeeds."""
        try:
            raw = self.engine.raw_connection()
            try:
                dbapi: Any = raw.driver_connection
                dbapi.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                raw.close()
            self.done += 1
        except Exception as exc:  # the database is gone or locked: the next round tries again
            log.warning("write-ahead log checkpoint failed: %s", exc)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)


Publisher = Callable[[list[tuple[str, dict[str, Any], str]]], None]
CommitHook = Callable[[Session, "int | None"], None]


class LeanTransaction:
    """A write transaction on a driver connection, with no ORM session: what a lean unit of
    work hands its command as `session`. Only `storage.fast` statements run on it (they find the
    connection in `info`, as they do on a real session); the ORM does not."""

    def __init__(self, dialect: Any, dbapi: Any) -> None:
        from .fast import CONN_KEY

        self.dialect = dialect
        self.info: dict[str, Any] = {CONN_KEY: (dialect, dbapi)}


class UnitOfWork:
    """One transaction per command: commit explicitly, anything else rolls back.

    Realtime messages recorded with `emit` leave only after a successful commit.

    A `lean` unit of work (issuing, the busiest write) runs on a driver connection without an ORM
    session (on SQLite the one the write lock's holders share, `Database.locked_connection`; else a
    pooled one): its `session` is a `LeanTransaction`, for `storage.fast` statements only.
    Measured here, a session's begin, flush and commit bookkeeping cost as much Python time as the
    issue's seven statements, all of it inside SQLite's one write lock.
    """

    def __init__(self, db: Database, publisher: Publisher | None = None, write: bool = True,
                 lean: bool = False) -> None:
        self.db = db
        self.publisher = publisher
        self.write = write
        self.lean = lean and write
        self.outbox: list[tuple[str, dict[str, Any], str]] = []
        self._committed = False
        self.created_id: int | None = None
        self._raw: Any = None
        self._kept = False  # _raw is the database's shared writer connection (SQLite, under the lock)

    def __enter__(self) -> UnitOfWork:
        engine = self.db.writer if self.write else self.db.reader
        self._lock = self.db.write_lock if self.write else None
        if self.write:
            for hook in self.db.enter_hooks:
                hook()
        if not self.lean:
            self.session = Session(bind=engine, expire_on_commit=False, autoflush=True)  # no connection yet
        if self._lock is not None:
            self._lock.acquire()
        if self.lean:
            from .fast import driver_errors

            try:
                with driver_errors(engine.dialect):
                    if self._lock is not None:
                        self._kept = True
                        self._raw = self.db.locked_connection()
                        self._raw.driver_connection.execute("BEGIN IMMEDIATE")  # autocommit driver (_sqlite_engine)
                    else:
                        self._raw = engine.raw_connection()
                self.session = LeanTransaction(engine.dialect, self._raw.driver_connection)  # type: ignore[assignment]
            except BaseException:
                self._end_lean()
                self._release()
                raise
        return self

    def emit(self, name: str, payload: dict[str, Any], room: str) -> None:
        """Queue a realtime message to `room`, sent only once the transaction commits."""
        self.outbox.append((name, payload, room))

    def created(self, obj_id: int) -> None:
        """Name the object this command created (the audit row's target)."""
        self.created_id = obj_id

    def commit(self) -> None:
        """Commit, then hand the queued realtime messages to the publisher."""
        if self.write:
            for hook in self.db.commit_hooks:
                hook(self.session, self.created_id)
        if self.lean:
            from .fast import driver_errors
            from .seqs import allocate

            allocate(self.session)  # what the session's before_commit event does for the others
            with driver_errors(self.session.dialect):  # type: ignore[attr-defined]
                self._raw.driver_connection.commit()
        else:
            self.session.commit()
        self._committed = True
        if self.write and self.db.checkpointer is not None:
            self.db.checkpointer.committed()
        self._release()
        if self.outbox and self.publisher is not None:
            from .seqs import resolve  # event numbers are known now

            out, self.outbox = [(n, resolve(p), r) for n, p, r in self.outbox], []
            self.publisher(out)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.lean:
                self._end_lean()
            else:
                if not self._committed:
                    self.session.rollback()
                self.session.close()
        finally:
            self._release()

    def _end_lean(self) -> None:
        """Roll back what did not commit and give the connection back (the lock's own connection
        stays with the lock: once committed, another writer may already be using it)."""
        raw, self._raw = self._raw, None
        if raw is None:
            return
        kept = self._kept
        if self._committed and kept:
            return
        try:
            if not self._committed:
                raw.driver_connection.rollback()
        except Exception:  # the connection is gone (the database went away): never reuse it
            raw.invalidate()
            if kept:
                self.db.drop_locked_connection()
        finally:
            if not kept:
                raw.close()

    def _release(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.release()
