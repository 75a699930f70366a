"""Revocations reach every server process at once, through Redis when QUEUEHALL_REDIS_URL is set.

Each process keeps the principals behind recent tokens for AUTH_CACHE_S seconds (auth.py), so a
deactivated kiosk or a demoted supervisor kept working on the other processes until their copy
expired. Now whatever ends or changes a sign-in (a device deactivated or its token rotated, a
staff member deactivated, demoted or given a new password, a logout) publishes one message after
its commit, and every process drops its cached principals when it hears it. A process that loses
Redis drops them again when it reconnects (it may have missed a message), and meanwhile the cache
lifetime still bounds how long a revoked token can work.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)
RECONNECT_S = 1.0
MAX_RECONNECT_S = 15.0


class Revocations:
    """One process's end of the revocation channel: `publish` after a commit, a thread that listens."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.generation = (
            0  # rises with every drop: a lookup that began before it must not be cached
        )
        self.url: str | None = ctx.config.get("REDIS_URL") or None
        self.channel = f"{ctx.config.get('SOCKETIO_CHANNEL') or 'queuehall'}:revocations"
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._redis: Any = None

    def drop_here(self) -> None:
        """Forget this process's cached principals."""
        with self._lock:
            self.generation += 1
            self.ctx.auth_cache.clear()

    def revoked(self) -> None:
        """A sign-in ended or changed somewhere: forget cached principals and tell the listeners."""
        self.drop_here()
        for hook in list(self.ctx.on_revoked):
            try:
                hook()
            except Exception:
                log.exception("a revocation listener failed")

    def publish(self) -> None:
        """Forget cached principals here and tell every other process to do the same."""
        self.revoked()
        if self.url is None:
            return
        try:
            self._client().publish(self.channel, b"drop")
        except Exception as exc:  # Redis away: other processes fall back to the cache's lifetime
            log.warning("could not publish a revocation through Redis: %s", exc)

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                str(self.url), socket_connect_timeout=1, socket_timeout=2
            )
        return self._redis

    def listen(self, wait_s: float = 2.0) -> None:
        """Start listening (once per process); waits up to `wait_s` for the subscription to hold."""
        if self.url is None or self._thread is not None:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._run, name="queuehall-revocations", daemon=True
            )
            self._thread.start()
        self._listening.wait(wait_s)

    def stop(self) -> None:
        """Stop listening (tests)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import redis

        url = str(self.url)
        delay = RECONNECT_S
        while not self._stop.is_set():
            pubsub = None
            try:
                conn = redis.Redis.from_url(
                    url, socket_connect_timeout=1, socket_timeout=None, health_check_interval=30
                )
                pubsub = conn.pubsub()
                pubsub.subscribe(self.channel)
                confirmed = pubsub.get_message(timeout=2.0)
                if confirmed is None or confirmed.get("type") != "subscribe":
                    raise ConnectionError("Redis did not confirm the subscription")
                self.revoked()  # whatever was revoked while we were not listening
                self._listening.set()
                delay = RECONNECT_S
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.revoked()
            except Exception as exc:
                if (
                    self._listening.is_set() or delay == RECONNECT_S
                ):  # once per outage, not every retry
                    log.warning(
                        "revocation channel lost; cached sign-ins last AUTH_CACHE_S here: %s", exc
                    )
                self._listening.clear()
                self._stop.wait(delay)
                delay = min(MAX_RECONNECT_S, delay * 2)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # pragma: no cover - closing a broken connection
                        pass


_install_lock = threading.Lock()


def of(ctx: Context) -> Revocations:
    """The process's revocation channel for this context (made on first use)."""
    rev: Revocations | None = ctx.revocations
    if rev is None:
        with _install_lock:
            rev = ctx.revocations
            if rev is None:
                rev = ctx.revocations = Revocations(ctx)
    return rev
