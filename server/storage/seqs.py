"""Per-site event numbers (`seq`), allocated at commit time.

Every realtime event of a site carries the next number of `sites.seq`, so screens notice a gap and
resync. Taking the number is an UPDATE of the site's row, which holds that row's lock until the
transaction ends: taken early, it made every writing transaction of a hall wait for the one before
it to finish all its work (on PostgreSQL, with several processes, a ticket's start waited seconds
on a busy morning). So a transaction asks for a `SeqSlot` when it builds an event, and the numbers
are taken in one UPDATE just before the commit (after the transaction's other writes are flushed),
in the order the slots were asked for; the payloads and the TicketEvent rows get them then.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, event, update
from sqlalchemy.orm import Session

from . import fast
from .models import Site, TicketEvent

_KEY = "qh_seq_slots"


class SeqSlot:
    """A site event number to be filled in at commit."""

    __slots__ = ("site_id", "value", "events")

    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.value: int | None = None
        self.events: list[TicketEvent] = []

    def __int__(self) -> int:
        if self.value is None:
            raise RuntimeError("seq is only known once the transaction commits")
        return self.value

    def __repr__(self) -> str:
        return f"SeqSlot(site={self.site_id}, value={self.value})"


def slot(session: Session, site_id: int) -> SeqSlot:
    """Ask for the site's next event number; it is allocated when `session` commits."""
    s = SeqSlot(site_id)
    session.info.setdefault(_KEY, []).append(s)
    return s


def attach(session: Session, seq: SeqSlot | int | None, ev: TicketEvent) -> None:
    """Give `ev` the number of `seq` once it is allocated (or now, if it is a plain number)."""
    if isinstance(seq, SeqSlot):
        seq.events.append(ev)
    else:
        ev.seq = seq


@cache
def _take() -> Any:
    """Take `:n` event numbers of site `:site_id` in one UPDATE (built once: it runs at every commit)."""
    return (update(Site).where(Site.id == bindparam("site_id")).values(seq=Site.seq + bindparam("n"))
            .returning(Site.seq))


@event.listens_for(Session, "before_commit")
def _allocate(session: Session) -> None:
    if not session.info.get(_KEY):
        return
    # Write everything else first: the site's row stays locked from this UPDATE to the commit, and
    # every writing transaction of the hall queues on it. Flushed after it, a transaction's ORM
    # changes (and their triggers, and any row lock they wait for) ran inside that window; measured
    # with two processes on PostgreSQL, the queue grew until a call-next waited over 30 s.
    session.flush()
    allocate(session)


def allocate(session: Any) -> None:
    """Take the numbers of the transaction's slots, last thing before its commit (a Session's own
    `before_commit` does this; a lean unit of work, which has no ORM changes to flush, calls it)."""
    slots: list[SeqSlot] = session.info.pop(_KEY, [])
    if not slots:
        return
    by_site: dict[int, list[SeqSlot]] = {}
    for s in slots:
        by_site.setdefault(s.site_id, []).append(s)
    for site_id, mine in by_site.items():
        top = int(fast.scalar(session, _take, {"site_id": site_id, "n": len(mine)}))
        for i, s in enumerate(mine):
            s.value = top - len(mine) + 1 + i
            for ev in s.events:
                ev.seq = s.value


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def resolve(value: Any) -> Any:
    """An event payload with its allocated SeqSlot (an event's `seq`, always a top-level key)
    replaced by its number, for publishing; other values are returned as they are."""
    if isinstance(value, SeqSlot):
        return int(value)
    if isinstance(value, dict):
        return {k: int(v) if isinstance(v, SeqSlot) else v for k, v in value.items()}
    return value
