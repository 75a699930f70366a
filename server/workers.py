"""gunicorn workers that stop promptly: on SIGTERM every socket is dropped at once, not waited for.

A screen's websocket never ends by itself, so gunicorn's own workers wait out the whole graceful
timeout before they stop (10 s of dark screens, measured on the gthread worker). These workers stop
accepting, drop every Socket.IO transport the way a dead process would (no close packet, so every
client, browser or python-socketio, reconnects by itself to the next process), let requests in
flight finish for a moment, and exit.

Imported by gunicorn in its master (worker_class "server.workers.GeventWorker"); gevent itself is
only *patched in* inside the worker (gunicorn's GeventWorker.init_process).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from gunicorn.workers import ggevent, gthread

STOP_GRACE_S = 1.5  # for requests in flight once the sockets are dropped (a kiosk's ticket, say)
TURN_S = 1e-6  # a connection's pause after each request: one turn of the loop (see handle_request)


def stop_background(wsgi: Any) -> None:
    """Stop the app's background workers (spooler, alert checker, notices: server/background.py)."""
    if getattr(wsgi, "extensions", None) is not None:
        from server import background

        background.stop(wsgi)


def drop_realtime_clients(wsgi: Any) -> None:
    """Drop every Socket.IO client of the app this worker serves (see Realtime.drop_clients)."""
    extensions = getattr(wsgi, "extensions", None) or {}
    realtime = extensions.get("queuehall.realtime")
    if realtime is not None:
        realtime.drop_clients()


class GeventWorker(ggevent.GeventWorker):
    """gunicorn's gevent worker (one greenlet per connection) with a prompt stop."""

    def init_process(self) -> None:
        import gevent.event

        self._stopping = gevent.event.Event()
        super().init_process()

    def handle_exit(self, sig: int, frame: Any) -> None:
        import gevent

        self.alive = False
        gevent.spawn(self._stopping.set)  # not from the signal handler itself

    def handle_request(self, listener_name: str, req: Any, sock: Any, addr: Any) -> bool:
        """One request of a connection, then the connection's turn ends.

        A greenlet only gives way when it would block. On a keep-alive connection whose client
        answers fast (a kiosk or clerk page on the hall's LAN, or wrk), the next request has
        often arrived by the time the response is written, so the same greenlet went straight
        on to it: one connection served request after request for up to 260 ms while seven
        others, and every screen's event, waited (bench/serving_bench.py, issuing p99 430-600 ms
        against a p50 of 3-6 ms). Yielding after each request serves connections in turn.
        """
        import gevent

        try:
            return bool(super().handle_request(listener_name, req, sock, addr))
        finally:
            # A timer, not sleep(0): sleep(0) goes back to the ready greenlets without polling
            # the sockets, so a connection whose request has just arrived was not among them.
            gevent.sleep(TURN_S)

    def run(self) -> None:
        # gunicorn's GeventWorker.run, but woken by the stop instead of polling once a second, and
        # with the websockets dropped rather than waited for. (gunicorn: MIT licence.)
        import gevent
        from gevent.pool import Pool
        from gevent.server import StreamServer

        servers = []
        for s in self.sockets:
            s.setblocking(1)
            server = StreamServer(
                s,
                handle=lambda c, a, s=s: self.handle(s, c, a),
                spawn=Pool(self.worker_connections),
            )
            server.start()
            servers.append(server)
        while self.alive:
            self.notify()
            self._stopping.wait(1.0)
        for server in servers:
            server.close()  # stop accepting
        try:
            drop_realtime_clients(self.wsgi)
        except Exception:
            self.log.exception("could not drop the realtime clients")
        stopping = gevent.spawn(stop_background, self.wsgi)  # alongside the requests in flight
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline and any(
            s.pool.free_count() != s.pool.size for s in servers
        ):
            gevent.sleep(0.05)
        for server in servers:
            server.stop(timeout=0.2)  # what is left: idle keep-alive connections
        stopping.join(max(0.1, deadline - time.monotonic()))


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker (one OS thread per connection) with a prompt stop."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.alive = False
        # not in the signal handler: dropping takes locks the interrupted thread may hold
        threading.Thread(target=self._drop, name="queuehall-stop", daemon=True).start()

    def _drop(self) -> None:
        try:
            drop_realtime_clients(self.wsgi)
        except Exception:
            self.log.exception("could not drop the realtime clients")
        try:
            stop_background(self.wsgi)
        except Exception:
            self.log.exception("could not stop the background workers")
