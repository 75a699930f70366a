"""Bounds on public sockets: a ticket's status page connects with only the ticket's public id,
which is printed on the paper, so one person must not be able to hold the server's connections.

A ticket page's socket is counted against its ticket and its client address; past either limit it
is refused with `{"code": "busy"}` and the page keeps itself current by polling instead (quietly:
the visitor sees "refreshing every few seconds", nothing alarming). Staff and device sockets are
never counted here and always get in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

BUSY = {
    "code": "busy",
    "message": "too many live pages for this ticket or address; refresh by polling",
}


@dataclass
class PublicSocketLimits:
    """Live ticket-page sockets per ticket and per address (0 switches a limit off)."""

    per_ticket: int
    per_address: int
    _tickets: Counter[str] = field(default_factory=Counter)
    _addresses: Counter[str] = field(default_factory=Counter)
    _held: dict[str, tuple[str, str]] = field(default_factory=dict)  # sid -> (ticket, address)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, sid: str, ticket: str, address: str) -> bool:
        """Count a new socket; False (and nothing counted) when it would pass a limit."""
        with self._lock:
            if self.per_ticket and self._tickets[ticket] >= self.per_ticket:
                return False
            if self.per_address and self._addresses[address] >= self.per_address:
                return False
            self._tickets[ticket] += 1
            self._addresses[address] += 1
            self._held[sid] = (ticket, address)
            return True

    def release(self, sid: str) -> None:
        """Forget a socket that has gone (a no-op for one never admitted)."""
        with self._lock:
            held = self._held.pop(sid, None)
            if held is None:
                return
            ticket, address = held
            for counter, key in ((self._tickets, ticket), (self._addresses, address)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]

    def held(self) -> int:
        """Ticket-page sockets counted now."""
        with self._lock:
            return len(self._held)


class RefusedReaper:
    """Closes, a moment after its refusal has gone out, the transport of a refused ticket page: a
    browser closes it by itself, a client that keeps it open must not hold a connection. One
    background task closes them all (a flood of refusals must not start a thread each)."""

    LINGER_S = 1.0

    def __init__(self, server: Any) -> None:
        self.server = server  # python-socketio's Server
        self._due: deque[tuple[float, str]] = deque()  # (when to close, engine.io sid)
        self._running = False
        self._lock = threading.Lock()

    def close_soon(self, sid: str) -> None:
        try:
            eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
        except Exception:
            return
        if eio_sid is None:
            return
        with self._lock:
            self._due.append((time.monotonic() + self.LINGER_S, eio_sid))
            if self._running:
                return
            self._running = True
        self.server.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            eio_sid: str | None = None
            with self._lock:
                if not self._due:
                    self._running = False
                    return
                if self._due[0][0] <= time.monotonic():
                    eio_sid = self._due.popleft()[1]
            if eio_sid is None:
                self.server.sleep(0.2)
            elif eio_sid in self.server.eio.sockets:
                try:
                    self.server.eio.disconnect(eio_sid)
                except Exception:
                    log.debug("a refused page's transport was already gone")
