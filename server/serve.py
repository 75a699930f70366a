"""Production serving: gunicorn's gthread worker running the Flask-SocketIO app."""

from __future__ import annotations

import gc
import logging
import os
import socket
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)

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


WORKERS = {
    # one greenlet per connection: a hall's thousands of open sockets cost memory, not threads
    "gevent": "server.workers.GeventWorker",
    # one OS thread per connection (QUEUEHALL_THREADS of them): the model before issue 16
    "gthread": "server.workers.ThreadWorker",
}
DEFAULT_WORKER = "gevent"
ASYNC_MODES = {"gevent": "gevent", "gthread": "threading"}


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any], worker: str, public_url: str | None = None) -> None:
        self.options = options
        self.worker = worker
        self.public_url = public_url
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built in the worker, after the fork (and, for gevent, after its monkey-patching): engines,
        # sockets and threads belong to it.
        pin_worker(os.environ.get("QUEUEHALL_CPU", "all"))
        from . import background
        from .app import create_app

        app = create_app({"SOCKETIO_ASYNC_MODE": ASYNC_MODES[self.worker]})
        # printing, the alert checker and the notices start with the process, not with its first
        # HTTP request; the worker stops them on SIGTERM (workers.py)
        background.start(app, self.public_url)
        try:
            if app.extensions["queuehall"].db.autovacuum_off():
                log.warning(
                    "PostgreSQL runs with autovacuum off: queue statements slow down as the "
                    "day's tickets grow unanalysed. Turn it on (autovacuum = on, its default)"
                )
        except Exception as exc:  # the database away at start: the server starts all the same
            log.warning("could not ask PostgreSQL whether autovacuum runs: %s", exc)
        # Everything built so far (modules, the schema, the app) lives as long as the process.
        # Out of the collector's reach, a full collection only walks what requests made since:
        # measured, gen-2 pauses of 70-230 ms on the serving loop, every second or so under load.
        gc.collect()
        gc.freeze()
        return app


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
        raise SettingError(
            f"QUEUEHALL_CPU must be auto, all or CPU numbers such as 3 or 2,3, not {setting!r}"
        ) from None
    if not cpus or not cpus <= allowed:
        raise SettingError(
            f"QUEUEHALL_CPU={setting}: this process may run on CPUs {sorted(allowed)} only"
        )
    return cpus


def worker_cpus(setting: str) -> set[int] | None:
    """`choose_cpus` for this process and configuration; None where the OS has no CPU affinity."""
    if not hasattr(os, "sched_getaffinity"):
        return None  # not Linux: left to the operating system
    from .config import configured

    return choose_cpus(setting, os.sched_getaffinity(0), shared=bool(configured("REDIS_URL")))


def pin_worker(setting: str) -> set[int] | None:
    """Keep every thread of this (worker) process on the CPUs `choose_cpus` gives (opt-in).

    Why it exists: under the gthread worker, requests ran in threads taking turns at Python's GIL,
    and on 2 cores each hand-over woke a thread on the other core; pinning to one CPU cut issuing's
    CPU cost by a third there. Under the gevent worker the requests are greenlets in one thread and
    that hand-over is gone, so the default (QUEUEHALL_CPU=all) leaves the worker where the OS puts
    it; `auto` or CPU numbers still pin it (README: Serving).
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
    thread or three under gthread) left tens of MB of arenas behind. A no-op where the C library is
    not glibc."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return  # the operator's choice, already read by glibc at start
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def choose_worker(worker: str | None) -> str:
    """The gunicorn worker: `--worker`, else QUEUEHALL_WORKER, else gevent; a SettingError if unknown."""
    name = (worker or os.environ.get("QUEUEHALL_WORKER") or DEFAULT_WORKER).strip().lower()
    if name not in WORKERS:
        raise SettingError(f"the worker must be one of {', '.join(WORKERS)}, not {name!r}")
    return name


GRACEFUL_TIMEOUT_S = 2  # the workers drop their sockets at once; this only bounds a stuck request


def gunicorn_options(
    host: str, port: int, worker: str, threads: int | None = None, connections: int | None = None
) -> dict[str, Any]:
    """gunicorn's settings for one worker process of the given kind."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "worker_class": WORKERS[worker],
        "workers": 1,  # Socket.IO needs one process per sticky client; more processes share Redis
        "timeout": 60,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": 5,
        "accesslog": os.environ.get("QUEUEHALL_ACCESS_LOG") or None,
        # the path without its query string: a device's first page load carries its ?token=
        "access_log_format": '%(h)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"',
        "errorlog": "-",
        "loglevel": os.environ.get("QUEUEHALL_LOG_LEVEL", "info"),
        "proc_name": "queuehall",
    }
    if worker == "gthread":
        options["threads"] = threads or int(os.environ.get("QUEUEHALL_THREADS", "320"))
    else:
        # open connections at once (screens, ticket pages, requests); each is a greenlet and a file
        # descriptor, so keep it under `ulimit -n`
        options["worker_connections"] = connections or int(
            os.environ.get("QUEUEHALL_CONNECTIONS", "10000")
        )
    return options


def check_vendor_assets() -> None:
    """Refuse to serve without the browser assets: every live page would look normal and never update."""
    from . import vendor

    lost = vendor.missing(os.environ.get("QUEUEHALL_VENDOR_DIR"))
    if lost:
        raise SettingError(
            f"the browser assets {', '.join(lost)} are missing: run `npm ci` in the checkout "
            "(scripts/setup.sh does), or install the package from a wheel built after it"
        )


def run(
    host: str,
    port: int,
    threads: int | None = None,
    worker: str | None = None,
    connections: int | None = None,
) -> None:
    """Serve on host:port with one gunicorn worker of the chosen kind (gevent unless told)."""
    name = choose_worker(worker)
    # a wrong setting stops here, not in a worker that never boots
    worker_cpus(os.environ.get("QUEUEHALL_CPU", "all"))
    check_vendor_assets()
    limit_malloc_arenas()
    _Gunicorn(
        gunicorn_options(host, port, name, threads, connections),
        name,
        public_url=own_url(host, port),
    ).run()
