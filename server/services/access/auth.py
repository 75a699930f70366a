"""Passwords, tokens and sign-in."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from ...offload import blocking
from ...storage.models import Device, Staff, StaffToken, StaffWindow
from ..context import Context
from . import lockout, revocations
from .principal import Principal, Unauthorized

_hasher = PasswordHasher()
STAFF_TOKEN_PREFIX = "qhs_"
DEVICE_TOKEN_PREFIX = "qhd_"
TOKEN_LIFETIME = timedelta(hours=12)


class LockedOut(Unauthorized):
    code = "locked_out"
    status = 429


def use_cheap_hashing() -> None:
    """Tests only (config PASSWORD_HASH=cheapest): argon2's cheapest profile; stored hashes stay verifiable."""
    global _hasher
    from argon2 import profiles

    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


@blocking  # argon2 is slow on purpose: a clerk signing in must not hold the screens' calls
def hash_password(password: str) -> str:
    """Argon2id hash of a staff password."""
    return _hasher.hash(password)


@blocking
def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that is easy to type from a printout."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh bearer token and the hash we store instead of it."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


def _window_ids(session: Session, staff_id: int) -> frozenset[int]:
    rows = session.scalars(select(StaffWindow.window_id).where(StaffWindow.staff_id == staff_id))
    return frozenset(rows)


def staff_principal(session: Session, staff: Staff) -> Principal:
    """The principal for a staff row."""
    return Principal(
        "staff", staff.id, staff.site_id, staff.role, staff.name, _window_ids(session, staff.id)
    )


def login(ctx: Context, username: str, password: str, address: str = "") -> tuple[str, Principal]:
    """Check a password and issue an access token; wrong ones lock this username from this address.

    An unknown or inactive username is answered exactly like a wrong password for a known one
    (same status, same message, a hash verified all the same, the same lockouts), so the answers
    do not tell which names exist.
    """
    now = ctx.clock.now()
    # The password is checked outside any transaction: a hash at the production cost takes tens
    # of milliseconds, and inside a write unit of work it held SQLite's write lock (or an open
    # PostgreSQL transaction) all that time, so every ticket and call of the hall waited on each
    # sign-in. The write that follows checks again that nothing changed meanwhile.
    with ctx.uow(write=False) as uow:
        s = uow.session
        _refuse_if_locked_out(s, username, address, now)
        staff = s.scalar(select(Staff).where(Staff.username == username))
        known = staff is not None and staff.active
        checked = staff.password_hash if staff is not None and known else None
    right = verify_password(checked or _dummy_hash(), password)
    with ctx.uow() as uow:
        s = uow.session
        _refuse_if_locked_out(s, username, address, now)
        staff = s.scalar(select(Staff).where(Staff.username == username))
        unchanged = staff is not None and staff.active and staff.password_hash == checked
        if not (known and right and unchanged) or staff is None:
            lockout.record_failure(s, username, address, now)
            uow.commit()
            raise Unauthorized("wrong username or password")
        lockout.clear(s, username, address)
        staff.failed_logins = 0
        staff.locked_until = None
        token, digest = new_token(STAFF_TOKEN_PREFIX)
        s.add(
            StaffToken(
                staff_id=staff.id,
                token_hash=digest,
                created_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
        principal = staff_principal(s, staff)
        uow.commit()
        return token, principal


def _refuse_if_locked_out(s: Session, username: str, address: str, now: datetime) -> None:
    until = lockout.locked_until(s, username, address, now)
    if until is not None:
        raise LockedOut("too many failed sign-ins; try again later", until=until.isoformat())


def logout(ctx: Context, token: str) -> None:
    """Revoke a staff access token (every process forgets it once the revocation has committed)."""
    digest = token_hash(token)
    signed_in = select(StaffToken.id).where(StaffToken.token_hash == digest).scalar_subquery()
    with ctx.uow() as uow:
        # and the realtime tokens given to its pages (caller.realtime_token): they end with it
        uow.session.execute(
            update(StaffToken)
            .where(or_(StaffToken.token_hash == digest, StaffToken.parent_id == signed_in))
            .values(revoked=True)
        )
        uow.commit()
    forget_sessions(ctx)


def authenticate(ctx: Context, token: str) -> Principal | None:
    """The principal behind a bearer token, or None when it is unknown, expired or revoked."""
    digest = token_hash(token)
    hit = ctx.auth_cache.get(digest)
    if hit is not None and hit[0] > time.monotonic():
        return cast(Principal | None, hit[1])
    channel = revocations.of(ctx)
    channel.listen()
    generation = channel.generation
    who = _authenticate(ctx, token, digest)
    ttl = float(ctx.config.get("AUTH_CACHE_S", 5.0) or 0)
    # a revocation heard while we read must win over what we read
    if who is not None and ttl > 0 and channel.generation == generation:
        if len(ctx.auth_cache) > 10_000:
            ctx.auth_cache.clear()
        ctx.auth_cache[digest] = (time.monotonic() + ttl, who)
    return who


def forget_sessions(ctx: Context) -> None:
    """Drop cached principals in every process (after a committed change to staff, devices, windows or tokens)."""
    revocations.of(ctx).publish()


def revoked(ctx: Context, token: str) -> bool:
    """Whether a socket signed in with `token` must go: the token revoked, its staff member or
    device deactivated, or, for a page's realtime token, the sign-in it was given to revoked or
    expired. The realtime token's own two-minute expiry does not count: it only opens the socket,
    which stays for as long as the sign-in behind it holds."""
    digest = token_hash(token)
    with ctx.uow(write=False) as uow:
        s = uow.session
        if token.startswith(DEVICE_TOKEN_PREFIX):
            active = s.scalar(select(Device.active).where(Device.token_hash == digest))
            return not active
        parent = aliased(StaffToken)
        row = s.execute(
            select(StaffToken.revoked, Staff.active, parent.revoked, parent.expires_at)
            .join(Staff, Staff.id == StaffToken.staff_id)
            .outerjoin(parent, parent.id == StaffToken.parent_id)
            .where(StaffToken.token_hash == digest)
        ).first()
        if row is None or row[0] or not row[1]:
            return True
        if row[3] is None:  # a sign-in of its own (no parent): its revocation is what counts
            return False
        return bool(row[2]) or row[3] <= ctx.clock.now()


def _authenticate(ctx: Context, token: str, digest: str) -> Principal | None:
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        if token.startswith(DEVICE_TOKEN_PREFIX):
            dev = s.scalar(select(Device).where(Device.token_hash == digest))
            if dev is None or not dev.active:
                return None
            wids = frozenset({dev.window_id}) if dev.window_id else frozenset()
            return Principal("device", dev.id, dev.site_id, dev.kind, dev.name, wids)
        row = s.execute(
            select(StaffToken, Staff)
            .join(Staff, Staff.id == StaffToken.staff_id)
            .where(StaffToken.token_hash == digest)
        ).first()
        if row is None:
            return None
        tok, staff = row
        if tok.revoked or tok.expires_at <= now or not staff.active:
            return None
        if (tok.expires_at - now).total_seconds() < 60:
            revocations.of(ctx).drop_here()  # about to expire: do not let the cache outlive it
        return staff_principal(s, staff)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(8))
