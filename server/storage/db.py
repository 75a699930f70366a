"""Engines (a writer and a reader), their timeouts and SQLite's checkpointer; built from config inside create_app.

The unit of work that runs on them is `storage.uow`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from ..offload import run_blocking

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


@dataclass(frozen=True)
class Timeouts:
    """How long a command waits on a database that does not answer before it gives up (the API then
    answers 503 database_unavailable): a hung table must not hold every worker for half a minute."""

    lock_s: float = (
        3.0  # a row or table lock (PostgreSQL), SQLite's busy wait, the process's write lock
    )
    statement_s: float = 60.0  # any one statement (PostgreSQL): a backstop, above a year's report
    pool_s: float = 3.0  # waiting for a pooled connection


def _sqlite_engine(url: str, immediate: bool, timeouts: Timeouts) -> Engine:
    # Writers take the process's write lock before a connection, so they need few; readers as
    # many as run at once (a screen storm after a restart), each with a small page cache: the
    # operating system caches the file anyway, and 64 connections of 2 MB each made RSS grow.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": timeouts.lock_s},
        pool_size=2 if immediate else 8,
        max_overflow=4 if immediate else 16,
        pool_timeout=timeouts.pool_s,
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
        cur.execute(f"PRAGMA busy_timeout={int(timeouts.lock_s * 1000)}")
        cur.execute("PRAGMA cache_size=-512")  # KiB
        if immediate:
            # Left to itself, the commit that fills the log copies it into the database and syncs
            # both files, inside the write lock: measured here, 3.7 ms every 60-odd tickets, with
            # every other writer of the hall waiting. The Checkpointer does it beside the writers.
            cur.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        cur.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)  # SQLAlchemy's documented recipe for pysqlite

    return engine


def _postgres_engine(url: str, echo: bool, timeouts: Timeouts) -> Engine:
    # A locked table makes a statement wait for the lock, holding its pooled connection: with no
    # lock timeout, ten waiting requests emptied the pool and every other request (the health
    # check, the item list) waited 30 s for a connection and failed too.
    options = f"-c lock_timeout={int(timeouts.lock_s * 1000)} -c statement_timeout={int(timeouts.statement_s * 1000)}"
    return create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=30,
        pool_pre_ping=True,
        pool_timeout=timeouts.pool_s,
        connect_args={"options": options},
    )


class Database:
    """The engines of one database: a writer and a reader (the same engine off SQLite)."""

    def __init__(self, url: str, echo: bool = False, timeouts: Timeouts | None = None) -> None:
        self.url = normalise_url(url)
        self.timeouts = timeouts or Timeouts()
        # run in every write unit of work just before it commits (the audit row of the call)
        self.commit_hooks: list[Callable[[Any, int | None], None]] = []
        # run as a write unit of work starts, before it waits for the write lock (work that needs
        # no transaction, kept out of the time other writers wait)
        self.enter_hooks: list[Callable[[], None]] = []
        self.dialect = self.url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(self.url, immediate=True, timeouts=self.timeouts)
            self.reader = _sqlite_engine(self.url, immediate=False, timeouts=self.timeouts)
            # SQLite has one writer at a time; its busy handler sleeps in steps of up to
            # 100 ms, so threads of one process queue here instead (other processes still
            # wait in SQLite's busy handler).
            self.write_lock: threading.Lock | None = threading.Lock()
            self.checkpointer: Checkpointer | None = Checkpointer(self.reader)
        else:
            self.writer = _postgres_engine(self.url, echo, self.timeouts)
            self.reader = self.writer
            self.write_lock = None
            self.checkpointer = None

    def acquire_write_lock(self) -> None:
        """Take this process's SQLite write lock, or give up as a busy database would."""
        assert self.write_lock is not None
        if not self.write_lock.acquire(timeout=self.timeouts.lock_s):
            raise OperationalError(
                "waiting for the write lock",
                None,
                TimeoutError(f"no write turn within {self.timeouts.lock_s:g} s"),
            )

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def autovacuum_off(self) -> bool:
        """Whether this is a PostgreSQL server running with autovacuum off. Its tables are then
        never analysed: on a day's fresh tickets the planner, blind, filtered the whole day through
        the wrong index (50 ms a call-next with 8,000 tickets, measured), and dead rows pile up."""
        if not self.is_postgres:
            return False
        with self.reader.connect() as conn:
            return conn.exec_driver_sql("SHOW autovacuum").scalar() == "off"

    def dispose(self) -> None:
        """Close every pooled connection (and stop the checkpointer)."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


class Checkpointer:
    """Checkpoints SQLite's write-ahead log on its own thread, outside the write lock (and, under
    gevent, off the serving loop).

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
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        # Under the gevent worker this "thread" is a greenlet on the serving loop, and a checkpoint
        # is blocking C work (copying pages, two syncs): run on the loop, every request and screen
        # waited for the disk. So the checkpoint itself runs in a pool thread (offload), and only
        # the waiting for the next round stays here; outside gevent it is a plain call.
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            run_blocking(self.checkpoint)

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
