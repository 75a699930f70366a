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
        pin_worker(os.environ.get("QUEUEHALL_CPU", "auto"))
        skip_client_libraries()
        from .app import create_app
        from .services.spooler_app import start_background

        app = create_app()
        # Printing resumes with the process, not with its first HTTP request.
        start_background(app, self.public_url)
        from .services.notices_app import start_background as start_notices

        start_notices(app)  # notices (issue 19): the outbox's delivery, when a channel is configured
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


class SettingError(ValueError):
    """A serving setting the server cannot start with."""


def choose_cpus(setting: str, allowed: set[int], shared: bool) -> set[int] | None:
    """The CPUs the serving worker keeps to, or None to leave it where it may run.

    `setting` is QUEUEHALL_CPU: `auto` (one CPU, unless several processes share the hall through
    Redis, `shared`), `all`, or CPU numbers (`3`, `2,3`). A number outside `allowed` is a SettingError.
    """
    setting = setting.strip().lower()
    if setting in ("all", "none", ""):
        return None
    if setting == "auto":
        # the highest-numbered one: CPU 0 is where the kernel tends to take interrupts
        return {max(allowed)} if len(allowed) > 1 and not shared else None
    try:
        cpus = {int(x) for x in setting.split(",") if x.strip()}
    except ValueError:
        raise SettingError(f"QUEUEHALL_CPU must be auto, all or CPU numbers such as 3 or 2,3, not {setting!r}") from None
    if not cpus or not cpus <= allowed:
        raise SettingError(f"QUEUEHALL_CPU={setting}: this process may run on CPUs {sorted(allowed)} only")
    return cpus


def worker_cpus(setting: str) -> set[int] | None:
    """`choose_cpus` for this process and configuration; None where the OS has no CPU affinity."""
    if not hasattr(os, "sched_getaffinity"):
        return None  # not Linux: left to the operating system
    from .config import configured

    return choose_cpus(setting, os.sched_getaffinity(0), shared=bool(configured("REDIS_URL")))


def pin_worker(setting: str) -> set[int] | None:
    """Keep every thread of this (worker) process on the CPUs `choose_cpus` gives.

    Why: the worker runs its requests in threads that take turns holding Python's GIL, and every
    turn passes from one thread to another. Measured here (2 cores, a virtual machine), when those
    threads ran on both cores, each hand-over woke a thread on the other core, and issuing a ticket
    cost 1.4 ms of the worker's CPU with 8 kiosks at once, a third of it in the kernel's scheduler.
    On one core the same work cost 1.0 ms, and tickets per second rose by half. The GIL lets the
    worker use little more than one core whatever it is given; the other cores stay for the
    database, the printers' agents and the rest of the machine.
    """
    cpus = worker_cpus(setting)
    if cpus is None:
        return None
    for tid in os.listdir("/proc/self/task"):  # threads started before now, and this one
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # a thread that has just ended
    return cpus


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
    worker_cpus(os.environ.get("QUEUEHALL_CPU", "auto"))  # a wrong setting stops here, not in a worker that never boots
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
