"""The background workers of a server process: the print spooler, the alert checker, the notices sender.

They start with the server (`queuehall serve` calls `start` once its worker has built the app) and
stop with it (the worker calls `stop` on SIGTERM, after dropping the sockets) — never because a
blueprint was registered or a first HTTP request arrived. Apps built by CLI commands and tests run
none of them unless they call `start` themselves.

Each worker keeps its own switch:
- the spooler: PRINTER_SPOOLER (on by default; the test configuration turns it off);
- the alert checker: OVERSIGHT_ALERTS (default: on, except under TESTING), every OVERSIGHT_CHECK_S;
- the notices sender: when a channel is configured and NOTICES_WORKER (default on);
- the collector's keeper (gc_policy.py): GC_KEEPER (default: on, except under TESTING).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)
STARTED = "queuehall.background"


def start(app: Flask, server_url: str | None = None) -> list[str]:
    """Start this app's background workers (once); returns the names of those running.

    `server_url` is the server's own address, for QR codes when the hall has set none.
    """
    running: dict[str, Any] = app.extensions.setdefault(STARTED, {})
    from .services.notices.notices_app import start_background as start_notices
    from .services.oversight.alerts import Checker
    from .services.printing.spooler_app import start_background as start_spooler

    if "spooler" not in running:
        spooler = start_spooler(app, server_url)
        if spooler is not None:
            running["spooler"] = spooler
    if "alerts" not in running and app.config.get("OVERSIGHT_ALERTS", not app.testing):
        checker = Checker(
            app.extensions["queuehall"], float(app.config.get("OVERSIGHT_CHECK_S", 15))
        )
        checker.start()
        running["alerts"] = app.extensions["queuehall.alerts"] = checker
    if "gc" not in running and app.config.get("GC_KEEPER", not app.testing):
        from .gc_policy import Keeper

        realtime = app.extensions["queuehall.realtime"]
        keeper = Keeper(lambda: len(realtime.clients))
        keeper.start()
        running["gc"] = keeper
    if "notices" not in running:
        notices = start_notices(app)
        if notices is not None:
            running["notices"] = notices
    if running:
        log.info("background workers running: %s", ", ".join(sorted(running)))
    return sorted(running)


def stop(app: Flask) -> None:
    """Stop the workers `start` started (each waits for its work in flight, bounded by its own timeout)."""
    running: dict[str, Any] = app.extensions.get(STARTED) or {}
    # the spooler last: jobs in flight may settle
    for name in ("gc", "alerts", "notices", "spooler"):
        worker = running.pop(name, None)
        if worker is None:
            continue
        try:
            worker.stop()
        except Exception:
            log.exception("could not stop the %s worker", name)
