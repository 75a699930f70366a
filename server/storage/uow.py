"""The unit of work: one transaction on an ORM session per command, the site's event numbers, and
the hand-over of its events once it has committed.

Every command writes through this one path. Statements the ORM would only slow down (counters,
claims, appends) are Core statements built once and run with `execute` on the session's own
connection: same transaction, no second way to write.

Event numbers (`seq`): every event a hall's screens follow carries the site's next number. Taking it
is an UPDATE of the site's row, whose lock is then held until the commit; taken early, it made every
writer of a hall wait for the one before it to finish all its work. So a command asks for a number
(`seq`, or by recording a sequenced event) and the numbers are taken in one statement just before
the commit, after everything else is flushed; the log rows of those events (`add_log`) are inserted
then, with their numbers, in one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.orm import Session

from ..engine.events import Event, Notice
from .bus import Bus, Place, Then
from .models import Site, TicketEvent

if TYPE_CHECKING:
    from .db import Database

UOW_KEY = "qh_uow"
CommitHook = Callable[[Any, "int | None"], None]


class SeqSlot:
    """A site event number, filled in at commit."""

    __slots__ = ("site_id", "value")

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.value: int | None = None

    def __int__(self) -> int:
        if self.value is None:
            raise RuntimeError("seq is only known once the transaction commits")
        return self.value

    def __repr__(self) -> str:
        return f"SeqSlot(site={self.site_id}, value={self.value})"


def resolve(value: Any) -> Any:
    """A message body with its SeqSlot (an event's `seq`, always a top-level key) replaced by its number."""
    if isinstance(value, dict):
        return {k: int(v) if isinstance(v, SeqSlot) else v for k, v in value.items()}
    return value


@cache
def _take_seq() -> Any:
    """Take `:n` event numbers of site `:site_id` in one UPDATE; the last one taken."""
    return (
        update(Site)
        .where(Site.id == bindparam("site_id"))
        .values(seq=Site.seq + bindparam("n"))
        .returning(Site.seq)
    )


@cache
def _insert_log() -> Any:
    return insert(TicketEvent)


class UnitOfWork:
    """One transaction per command: commit explicitly, anything else rolls back.

    Events recorded with `record` (and messages with `emit`) reach the bus's subscribers only after
    a successful commit, in the order a site's writers committed.
    """

    def __init__(self, db: Database, bus: Bus | None = None, write: bool = True) -> None:
        self.db = db
        self.bus = bus
        self.write = write
        self.events: list[Event] = []
        self.created_id: int | None = None
        self._slots: list[tuple[SeqSlot, Event | None]] = []
        self._numbered: list[Callable[[], None]] = []
        self._logs: list[tuple[dict[str, Any], SeqSlot | Event | None]] = []
        self._conn: Connection | None = None
        self._session: Session | None = None
        self._lock: Any = None
        self.clock: Any = None  # the app's clock (Context.uow), for read models that need the time

    def __enter__(self) -> UnitOfWork:
        engine = self.db.writer if self.write else self.db.reader
        if self.write:
            for hook in self.db.enter_hooks:
                hook()
            if self.db.write_lock is not None:
                self.db.acquire_write_lock()
                self._lock = self.db.write_lock
        try:
            # The unit of work owns the transaction and the session works inside it: the session's own
            # begin and commit bookkeeping cost about as much as two of a command's statements.
            self._conn = engine.connect()
            self._conn.begin()
        except BaseException:
            self._end()
            raise
        return self

    @property
    def session(self) -> Session:
        """The ORM session on the transaction, made on first use: a command that only runs prebuilt
        statements (`execute`) never pays for one."""
        if self._session is None:
            self._session = Session(
                bind=self._conn,
                join_transaction_mode="rollback_only",
                expire_on_commit=False,
                autoflush=True,
            )
            self._session.info[UOW_KEY] = self
        return self._session

    # -- what a command uses ------------------------------------------------------------------------
    def execute(self, stmt: Any, params: Any = None) -> Any:
        """Run a Core statement on the transaction's connection; its result."""
        assert self._conn is not None, "outside the unit of work"
        return self._conn.execute(stmt, params)

    def seq(self, site_id: int) -> SeqSlot:
        """Ask for the site's next event number; it is filled in at commit."""
        slot = SeqSlot(site_id)
        self._slots.append((slot, None))
        return slot

    def record(self, event: Event) -> Event:
        """Record what happened; a sequenced event gets its `seq` at commit."""
        if event.sequenced:
            self._slots.append((SeqSlot(event.site_id), event))
        self.events.append(event)
        return event

    def emit(self, name: str, payload: dict[str, Any], room: str, site_id: int = 0) -> None:
        """Queue a realtime message (not yet a domain event) to `room`, sent after the commit."""
        self.events.append(Notice(site_id=site_id, name=name, body=payload, room=room))

    def when_numbered(self, fill: Callable[[], None]) -> None:
        """Run `fill` at commit, right after the site's event numbers are taken: under the lock that
        orders them, so what it reads (a hall's waiting counts) is the state as of its `seq`."""
        self._numbered.append(fill)

    def add_log(self, row: dict[str, Any], seq: SeqSlot | Event | int | None = None) -> None:
        """Append a ticket's log row (`ticket_events`), inserted at commit with its event number
        (`seq`: a number, a slot, or a sequenced event whose number it shares)."""
        if isinstance(seq, SeqSlot | Event):
            self._logs.append((row, seq))
        else:
            self._logs.append(({**row, "seq": seq}, None))

    def created(self, obj_id: int) -> None:
        """Name the object this command created (the audit row's target)."""
        self.created_id = obj_id

    # -- the end --------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Commit, then hand the recorded events to the subscribers."""
        place: Place | None = None
        later: list[Then] = []
        if self.write:
            for hook in self.db.commit_hooks:
                hook(self, self.created_id)
            if self.bus is not None and self.events:
                later = self.bus.before_commit(self, self.events)
            self._flush()  # everything else first: the site row stays locked from here on
            self._take_numbers()
            for fill in self._numbered:
                fill()
            self._numbered = []
            if self._logs:
                rows = [
                    row if slot is None else {**row, "seq": _number(slot)}
                    for row, slot in self._logs
                ]
                # one row (the usual case) as a plain execute: SQLAlchemy's executemany path costs more
                self.execute(_insert_log(), rows[0] if len(rows) == 1 else rows)
                self._logs = []
            if self._slots and self.bus is not None:
                place = self.bus.reserve()  # still under the lock that ordered the numbers
        try:
            self._flush()  # whatever the ORM changed since (an in-transaction subscriber's)
            assert self._conn is not None
            self._conn.commit()
        except BaseException:
            if place is not None and self.bus is not None:
                self.bus.drop(place)
            raise
        if self.write and self.db.checkpointer is not None:
            self.db.checkpointer.committed()
        self._release()
        events, self.events = self.events, []
        if self.bus is not None and (events or place is not None):
            self.bus.deliver(place, events, later)

    def _take_numbers(self) -> None:
        if not self._slots:
            return
        by_site: dict[int, list[tuple[SeqSlot, Event | None]]] = {}
        for slot, ev in self._slots:
            by_site.setdefault(slot.site_id, []).append((slot, ev))
        for site_id, mine in by_site.items():
            top = int(self.execute(_take_seq(), {"site_id": site_id, "n": len(mine)}).scalar_one())
            for i, (slot, ev) in enumerate(mine):
                slot.value = top - len(mine) + 1 + i
                if ev is not None:
                    ev.seq = slot.value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                self._session.close()
                # the session pointed back at its unit of work: left so, every command's session,
                # connection and closures stayed for the cyclic collector, whose full passes over
                # thousands of sockets' objects held the serving loop for up to 160 ms
                self._session.info.pop(UOW_KEY, None)
        finally:
            self._numbered, self._slots, self._logs = [], [], []
            self._end()

    def _flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def _end(self) -> None:
        """Give the connection back (rolling back what did not commit) and release the write lock."""
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                conn.close()  # a transaction still open is rolled back
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.release()


def _number(slot: SeqSlot | Event) -> int | None:
    return slot.seq if isinstance(slot, Event) else int(slot)


def of(session: Session) -> UnitOfWork:
    """The unit of work that owns `session`."""
    uow: UnitOfWork = session.info[UOW_KEY]
    return uow
