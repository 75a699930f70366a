"""Socket.IO: authenticated connections, rooms per site, window, device and ticket."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import socketio
from flask import Flask, request
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room
from sqlalchemy import select, update

from .api.ratelimit import client_address
from .engine.events import Event
from .realtime_events import messages
from .services.access import auth
from .services.access.principal import Principal
from .services.context import Context
from .services.queue import read_models
from .socket_limits import BUSY, PublicSocketLimits, RefusedReaper
from .storage.models import Device, Site, Ticket

log = logging.getLogger(__name__)


_PEER_RESYNC = b"queuehall:resync:"  # not JSON, so python-socketio's own dispatcher ignores it


class SocketFront:
    """WSGI front of the app: Socket.IO traffic to Socket.IO, everything else straight to Flask.

    Websockets open without per-message compression (permessage-deflate). Browsers and
    socket.io-client offer it, and simple-websocket accepts whatever is offered: each socket then
    keeps a zlib compressor and decompressor, and every message is compressed once per socket it
    goes to. Measured with 2,000 sockets (bench/serving_bench.py, tracemalloc): zlib held most of
    the memory they cost (RSS grew by 190 KB a socket, where the process's own objects took a tenth
    of that). A hall's messages are a few hundred bytes of JSON on a local network, so the offer is
    removed from the handshake (the only place it is read) and the socket talks plain frames,
    which every client supports.

    Plain HTTP (the API, the pages) does not pass through Socket.IO's middleware: under gunicorn it
    copies the environ and defines a new class for every request, which only a collection of the
    cyclic garbage frees. With thousands of sockets open, the collector's full passes then ran
    every second or so and each held the serving loop for up to 160 ms (measured, issue 16).
    """

    def __init__(self, socketio_middleware: Any) -> None:
        self.app = socketio_middleware  # Flask-SocketIO's, with Flask behind it
        self.flask = socketio_middleware.wsgi_app  # Flask, as that middleware would call it
        self.path = socketio_middleware.engineio_path  # "/socket.io/"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith(self.path):
            if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
                environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            return self.app(environ, start_response)
        return self.flask(environ, start_response)


def _socket_only() -> Any:
    return {"error": {"code": "not_found", "message": "Socket.IO only"}}, 404


class _RedisManager(socketio.RedisManager):
    """python-socketio's Redis manager with a listener and a publisher that recover by themselves.

    The stock listener backs off exponentially up to 60 s between attempts, so after an outage of
    half a minute or more it stays deaf for up to a minute after Redis is back, and nothing tells
    this process when it hears other processes again. The stock publisher also shares (and on a
    failure rebuilds) the listener's pubsub. Here:

    * the listener retries every 0.5-2 s on a client of its own, pings a silent connection so a
      half-open one is noticed, and calls `on_resubscribed` once Redis has confirmed a
      subscription that follows a failure: from then on every event other processes publish
      reaches this process, so a snapshot taken then covers whatever was missed before;
    * the publisher uses another client and counts the events it could not publish; once Redis
      takes a publish again it asks every other process to resync its screens (`on_peer_lost`),
      which covers an outage only this process saw.
    """

    RETRY_MIN_S = 0.5
    RETRY_MAX_S = 2.0
    PING_AFTER_S = 5.0  # of silence on the subscription
    DEAD_AFTER_S = 12.0  # of silence, pings included: the connection is half-open

    on_resubscribed: Callable[[], None] | None = None
    on_peer_lost: Callable[[], None] | None = None

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel)
        self._publisher: Any = None
        self._lost = 0  # events not published since Redis last took one
        self._lost_lock = threading.Lock()

    def _client(self) -> Any:
        import redis

        options = {"socket_connect_timeout": 2, "socket_timeout": 5, **self.redis_options}
        return redis.Redis.from_url(self.redis_url, **options)

    # -- publishing ------------------------------------------------------------------------------
    def _publish(self, data: Any) -> Any:
        return self._send(self.json.dumps(data))

    def _send(self, body: str | bytes) -> Any:
        for attempt in (1, 2):
            try:
                if self._publisher is None:
                    self._publisher = self._client()
                received = self._publisher.publish(self.channel, body)
            except Exception as exc:
                self._publisher = None
                if attempt == 2:
                    with self._lost_lock:
                        self._lost += 1
                        first = self._lost == 1
                    if first:
                        log.warning(
                            "could not publish to Redis: screens on other processes miss events "
                            "from here until it returns and they resync: %s",
                            exc,
                        )
                continue
            self.flush_lost()
            return received
        return None

    def flush_lost(self) -> None:
        """If events were lost while Redis was away and it takes publishes again, ask every other
        process to resync its screens (ours heard those events locally)."""
        with self._lost_lock:
            lost, self._lost = self._lost, 0
        if not lost:
            return
        try:
            if self._publisher is None:
                self._publisher = self._client()
            self._publisher.publish(self.channel, _PEER_RESYNC + self.host_id.encode())
        except Exception:
            self._publisher = None
            with self._lost_lock:
                self._lost += lost  # Redis went away again: ask later
            return
        log.warning(
            "Redis is back: %d event(s) could not reach the other processes; asked them to resync",
            lost,
        )

    # -- listening -------------------------------------------------------------------------------
    def _listen(self) -> Iterator[bytes]:
        channel = self.channel.encode("utf-8")
        delay, failures = self.RETRY_MIN_S, 0
        while True:
            pubsub = None
            try:
                pubsub = self._client().pubsub()
                pubsub.subscribe(self.channel)
                heard = pinged = time.monotonic()
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    now = time.monotonic()
                    if message is None:
                        if now - heard > self.DEAD_AFTER_S:
                            raise ConnectionError(f"no answer from Redis for {now - heard:.0f} s")
                        if now - heard > self.PING_AFTER_S and now - pinged > self.PING_AFTER_S:
                            pubsub.ping("queuehall")
                            pinged = now
                        continue
                    heard = now
                    kind = message["type"]
                    if kind == "subscribe" and message["channel"] == channel:
                        if failures:
                            log.warning(
                                "listening to Redis again after %d failed attempt(s)", failures
                            )
                            self._call(self.on_resubscribed)
                        delay, failures = self.RETRY_MIN_S, 0
                    elif kind == "message" and message["channel"] == channel:
                        data = message["data"]
                        if isinstance(data, bytes) and data.startswith(_PEER_RESYNC):
                            if data[len(_PEER_RESYNC) :].decode() != self.host_id:
                                self._call(self.on_peer_lost)
                            continue
                        yield data
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.warning(
                        "not listening to Redis (screens here miss other processes' events "
                        "until it returns): %s",
                        exc,
                    )
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass
            time.sleep(delay)
            delay = min(delay * 2, self.RETRY_MAX_S)

    @staticmethod
    def _call(hook: Callable[[], None] | None) -> None:
        if hook is not None:
            try:
                hook()
            except Exception:
                log.exception("Redis recovery hook failed")


class Realtime:
    """Owns the SocketIO server of one app; `publish` is the service layer's outbox sink."""

    def __init__(self, app: Flask, ctx: Context) -> None:
        self.ctx = ctx
        queue = app.config.get("REDIS_URL") or None
        options: dict[str, Any] = {}
        self._manager: _RedisManager | None = None
        if queue:
            self._manager = _RedisManager(
                queue, channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio"
            )
            self._manager.on_resubscribed = self._listening_again
            self._manager.on_peer_lost = self._peer_lost_events
            options["client_manager"] = self._manager
        self.sio = SocketIO(
            app,
            async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "threading"),
            **options,
            cors_allowed_origins=app.config.get("SOCKETIO_CORS") or [],
            ping_interval=10,
            ping_timeout=10,
            logger=False,
            engineio_logger=False,
        )
        front = SocketFront(app.wsgi_app)
        app.wsgi_app = front  # type: ignore[method-assign]
        # Flask-SocketIO runs each socket event (a connect, a disconnect) in a request context for
        # the socket's handshake URL. With no rule for that URL, Flask made a NotFound with its
        # traceback, a reference cycle of a hundred objects, for every event: at a hall's opening,
        # thousands of connects' worth. HTTP never reaches this view: SocketFront sends the path
        # to Socket.IO first.
        app.add_url_rule(front.path, endpoint="socketio_events", view_func=_socket_only)
        self.clients: dict[str, Principal | None] = {}
        self._tokens: dict[str, str] = {}  # sid -> the token it signed in with (staff, devices)
        self._refused = RefusedReaper(self.sio.server)
        self.public_limits = PublicSocketLimits(
            int(app.config.get("TICKET_SOCKETS_PER_TICKET") or 0),
            int(app.config.get("TICKET_SOCKETS_PER_ADDRESS") or 0),
        )
        self._snapshots: dict[
            int, tuple[int, float, dict[str, Any]]
        ] = {}  # site -> (seq, built, body)
        self._lock = threading.Lock()
        self.sio.on_event("connect", self._connect)
        self.sio.on_event("disconnect", self._disconnect)
        self.sio.on_event("snapshot", self._snapshot_request)
        ctx.on_revoked.append(self._revoked)
        self._stop = threading.Event()
        if queue:
            every = float(app.config.get("REDIS_RESYNC_S") or 2.0)
            threading.Thread(
                target=self._watch_redis,
                args=(queue, every),
                daemon=True,
                name="queuehall-redis-watch",
            ).start()

    # -- connections ---------------------------------------------------------------------------
    def _connect(self, auth_data: Any = None) -> bool:
        data = auth_data if isinstance(auth_data, dict) else {}
        token = data.get("token") or request.args.get("token")
        if token:
            who = auth.authenticate(self.ctx, str(token))
            if who is None:
                return False
            with self._lock:
                self.clients[request.sid] = who  # type: ignore[attr-defined]
                self._tokens[request.sid] = str(token)  # type: ignore[attr-defined]
            join_room(f"site:{who.site_id}")
            if who.kind == "device":
                join_room(f"device:{who.id}")
                self._touch_device(who.id, online=True)
            for wid in who.window_ids:
                join_room(f"window:{wid}")
            emit("snapshot", self.snapshot(who.site_id))
            return True
        public_id = data.get("ticket")
        if public_id and isinstance(public_id, str | int):
            # the ticket's own status page (QR code): sees only its own ticket's updates, and is
            # bounded per ticket and per address (socket_limits); past that the page polls instead
            public_id = str(public_id)[:64]
            sid = request.sid  # type: ignore[attr-defined]
            if not self.public_limits.admit(sid, public_id, client_address()):
                self._refused.close_soon(sid)
                raise ConnectionRefusedError("busy", BUSY)
            with self.ctx.uow(write=False) as uow:
                t = uow.session.scalar(select(Ticket.id).where(Ticket.public_id == public_id))
            if t is None:
                self.public_limits.release(sid)
                return False
            with self._lock:
                self.clients[sid] = None
            join_room(f"ticket:{public_id}")
            return True
        return False

    def _disconnect(self, *_args: Any) -> None:
        self.public_limits.release(request.sid)  # type: ignore[attr-defined]
        with self._lock:
            who = self.clients.pop(request.sid, None)  # type: ignore[attr-defined]
            self._tokens.pop(request.sid, None)  # type: ignore[attr-defined]
        if who is not None and who.kind == "device" and not self._stop.is_set():
            self._touch_device(who.id, online=False)  # (not while stopping: a write per screen)

    def on_client(self, name: str, handler: Callable[[Principal | None, Any], Any]) -> None:
        """Handle the client event `name` as `handler(who, data)`: who is the signed-in sender (None
        for a ticket page or an unknown socket). Services get the principal, never the request."""

        def on_event(data: Any = None) -> Any:
            return handler(self.clients.get(request.sid), data)  # type: ignore[attr-defined]

        self.sio.on_event(name, on_event)

    def _revoked(self) -> None:
        """A token was revoked or a sign-in changed: disconnect the sockets whose token no longer
        works (their reconnection is refused at `connect`). Checked off the revoking request."""
        if self._tokens:
            self.sio.start_background_task(self.disconnect_revoked)

    def disconnect_revoked(self) -> int:
        """Disconnect every socket of this process signed in with a token since revoked (or whose
        staff member or device was deactivated). A token merely past its expiry keeps its socket:
        staff pages open theirs with a two-minute token, and every catalogue save dropped them."""
        with self._lock:
            signed_in = list(self._tokens.items())
        verdict: dict[str, bool] = {}
        gone = []
        for sid, token in signed_in:
            if token not in verdict:
                try:
                    verdict[token] = not auth.revoked(self.ctx, token)
                except Exception:  # the database away: keep the socket; the next revocation retries
                    log.exception("could not check a socket's sign-in after a revocation")
                    verdict[token] = True
            if not verdict[token]:
                gone.append(sid)
        for sid in gone:
            try:
                self.sio.server.disconnect(sid, namespace="/")
            except Exception:  # already gone
                log.debug("socket %s was already gone", sid)
        return len(gone)

    def _snapshot_request(self, *_args: Any) -> dict[str, Any] | None:
        with self._lock:
            who = self.clients.get(request.sid)  # type: ignore[attr-defined]
        if who is None:
            return None
        snap = self.snapshot(who.site_id)
        emit("snapshot", snap)
        return snap

    def _touch_device(self, device_id: int, online: bool) -> None:
        try:
            with self.ctx.uow() as uow:
                uow.session.execute(
                    update(Device)
                    .where(Device.id == device_id)
                    .values(last_seen=self.ctx.clock.now())
                )
                uow.commit()
        except Exception:  # a busy database must not refuse a screen
            log.warning(
                "could not record device %s as %s", device_id, "online" if online else "offline"
            )

    # -- outbound --------------------------------------------------------------------------------
    SNAPSHOT_REUSE_S = 1.0

    def snapshot(self, site_id: int) -> dict[str, Any]:
        """The snapshot body for a site (API.md).

        When a hall's screens all reconnect at once (a restart, the network back), each would build
        the same snapshot: one built at the same `seq` less than a second ago is reused instead."""
        now = self.ctx.clock.now()
        with self.ctx.uow(write=False) as uow:
            s = uow.session
            seq = int(s.scalar(select(Site.seq).where(Site.id == site_id)) or 0)
            with self._lock:
                hit = self._snapshots.get(site_id)
            if (
                hit is not None
                and hit[0] == seq
                and time.monotonic() - hit[1] < self.SNAPSHOT_REUSE_S
            ):
                return {**hit[2], "server_time": read_models.iso(now)}
            snap = read_models.snapshot(s, s.get_one(Site, site_id), now)
        with self._lock:
            self._snapshots[site_id] = (int(snap["seq"]), time.monotonic(), snap)
        return snap

    def on_events(self, events: Sequence[Event]) -> None:
        """The bus subscriber: a committed transaction's events, sent as their messages, in order."""
        out = [m for e in events for m in messages(e)]
        if out:
            self.publish(out)

    def publish(self, messages: list[tuple[str, dict[str, Any], str]]) -> None:
        """Send committed events to their rooms (through Redis when several processes share it)."""
        for name, payload, room in messages:
            try:
                self.sio.emit(name, payload, to=room)
            except Exception:  # the ticket is committed; a lost push is healed by the next snapshot
                log.exception("could not push %s to %s", name, room)

    # -- Redis outages --------------------------------------------------------------------------
    # While Redis is gone each process's own screens still hear its events, but events cannot cross
    # processes. A screen is made whole again by a snapshot taken once its process hears the others
    # again (`_listening_again`), or once another process that lost publishes reaches Redis again
    # (`_peer_lost_events`).
    def _listening_again(self) -> None:
        log.warning("Redis is back: sending every screen of this process a fresh snapshot")
        self.resync_local()

    def _peer_lost_events(self) -> None:
        log.warning(
            "another process could not publish for a while: sending every screen of this process "
            "a fresh snapshot"
        )
        self.resync_local()

    def _watch_redis(self, url: str, every: float) -> None:
        """Log when Redis goes away and returns, and, when it is back, tell the other processes about
        events this process could not publish even if nothing was published since."""
        import redis

        assert self._manager is not None
        r = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        down = False
        while not self._stop.wait(every):
            try:
                r.ping()
            except Exception:
                if not down:
                    log.warning(
                        "Redis is not answering: screens on other processes miss events until it returns"
                    )
                    down = True
                continue
            if down:
                log.warning("Redis answers again")
                down = False
            self._manager.flush_lost()

    def resync_local(self) -> None:
        """Send a snapshot to every site room of this process (not through the message queue)."""
        with self._lock:
            sites = {who.site_id for who in self.clients.values() if who is not None}
        for site_id in sites:
            try:
                self.sio.emit(
                    "snapshot", self.snapshot(site_id), to=f"site:{site_id}", ignore_queue=True
                )
            except Exception:
                log.exception("could not resync site %s", site_id)

    def drop_clients(self) -> None:
        """Drop every client's transport as a process that dies would: no close packet, so browsers
        and python-socketio clients alike reconnect by themselves (to the next process) and catch
        up with a snapshot. Called by the serving worker when it is told to stop."""
        self._stop.set()
        eio = self.sio.server.eio
        for client in list(eio.sockets.values()):
            try:
                client.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
            except Exception:
                log.exception("could not drop a realtime client")

    def connected(self) -> int:
        """Clients connected to this process."""
        with self._lock:
            return len(self.clients)
