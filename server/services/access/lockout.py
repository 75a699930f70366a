"""Sign-in lockouts per (username, address), growing with each lockout.

A lockout of the whole account let anyone lock the admin out from anywhere; now five wrong
passwords lock only that username from that address, for a minute, then twice as long after
each further failure, up to an hour. Every username typed is counted, known or not, so the
answers never tell which names exist. `queuehall users unlock NAME` clears a name's lockouts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...storage.models_signin import SignInFailure

FREE_FAILURES = 4  # the fifth wrong password in a row locks the pair
FIRST_LOCK_S = 60
MAX_LOCK_S = 3600
FORGET_AFTER = timedelta(days=1)  # a pair with no failure for a day starts afresh


def lock_seconds(failures: int) -> int:
    """How long a pair stays locked after its `failures`-th wrong password in a row (0: not locked)."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** min(failures - FREE_FAILURES - 1, 12))


def _key(username: str, address: str) -> tuple[str, str]:
    return username[:60], (address or "unknown")[:64]


def locked_until(s: Session, username: str, address: str, now: datetime) -> datetime | None:
    """When the lockout of this username from this address ends, or None when it is not locked."""
    user, addr = _key(username, address)
    until = s.scalar(
        select(SignInFailure.locked_until).where(
            SignInFailure.username == user, SignInFailure.address == addr
        )
    )
    return until if until is not None and until > now else None


def record_failure(s: Session, username: str, address: str, now: datetime) -> datetime | None:
    """Count a wrong password for the pair (atomically, also across processes); returns its new lock end."""
    user, addr = _key(username, address)
    stale = now - FORGET_AFTER
    s.execute(
        delete(SignInFailure).where(
            SignInFailure.last_failure_at < stale,
            (SignInFailure.locked_until.is_(None)) | (SignInFailure.locked_until < now),
        )
    )
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SignInFailure).values(
        username=user, address=addr, failures=1, last_failure_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["username", "address"],
        set_={
            "failures": case(
                (SignInFailure.last_failure_at < stale, 1), else_=SignInFailure.failures + 1
            ),
            "last_failure_at": now,
        },
    )
    failures = int(s.execute(stmt.returning(SignInFailure.failures)).scalar_one())
    seconds = lock_seconds(failures)
    if not seconds:
        return None
    until = now + timedelta(seconds=seconds)
    s.execute(
        update(SignInFailure)
        .where(SignInFailure.username == user, SignInFailure.address == addr)
        .values(locked_until=until)
    )
    return until


def clear(s: Session, username: str, address: str) -> None:
    """A right password from this address forgets the pair's failures."""
    user, addr = _key(username, address)
    s.execute(
        delete(SignInFailure).where(SignInFailure.username == user, SignInFailure.address == addr)
    )


def unlock(s: Session, username: str) -> int:
    """Clear every lockout and failure count of a username, from every address; returns how many pairs."""
    result = s.execute(delete(SignInFailure).where(SignInFailure.username == username[:60]))
    return int(getattr(result, "rowcount", 0) or 0)
