"""Production serving: gunicorn's gthread worker running the Flask-SocketIO app."""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")


def own_url(host: str, port: int) -> str:
    """This server's address for QR codes when the hall has set none: the bound host, or for a
    wildcard bind the address other machines reach it on (the one its default route uses)."""
    if host not in WILDCARD_HOSTS:
        return f"http://{host}:{port}"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks a route
            return f"http://{s.getsockname()[0]}:{port}"
    except OSError:
        return f"http://{socket.gethostname()}:{port}"


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any], public_url: str | None = None) -> None:
        self.options = options
        self.public_url = public_url
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built in the worker, after the fork: engines, sockets and threads belong to it.
        skip_client_libraries()
        from .app import create_app
        from .services.spooler_app import start_background

        app = create_app()
        # Printing resumes with the process, not with its first HTTP request.
        start_background(app, self.public_url)
        return app


# python-socketio and python-engineio import, when present, the libraries of their *clients*
# (aiohttp, requests, websocket-client) and of every message queue they support; the server uses
# none of them (Redis only when QUEUEHALL_REDIS_URL is set), and together they were a third of
# the worker's memory. Marking them absent makes those optional imports fall back, in this
# process only.
CLIENT_LIBRARIES = ("aiohttp", "requests", "websocket")


def skip_client_libraries() -> None:
    """Keep the socket.io client libraries (and Redis, when unused) out of the serving worker."""
    from .config import configured

    names = list(CLIENT_LIBRARIES)
    if not configured("REDIS_URL"):
        names.append("redis")
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (MALLOC_ARENA_MAX), before any thread starts, for this process and
    the worker it forks: with one arena per thread, a few hundred screen connections (each holds a
    thread or three) left tens of MB of arenas behind. A no-op where the C library is not glibc."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return  # the operator's choice, already read by glibc at start
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def run(host: str, port: int, threads: int | None = None) -> None:
    """Serve on host:port with one gthread worker (Socket.IO needs one process per sticky client)."""
    threads = threads or int(os.environ.get("QUEUEHALL_THREADS", "320"))
    limit_malloc_arenas()
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "worker_class": "gthread",
            "workers": 1,
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": os.environ.get("QUEUEHALL_ACCESS_LOG") or None,
            "errorlog": "-",
            "loglevel": os.environ.get("QUEUEHALL_LOG_LEVEL", "info"),
            "proc_name": "queuehall",
        },
        public_url=own_url(host, port),
    ).run()
