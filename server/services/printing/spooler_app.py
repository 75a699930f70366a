"""The spooler in a Flask app: started with the server process (server/background.py), fed by the kiosk agents' events.

A kiosk agent (`queuehall kiosk-agent`) answers each `print.job` with `print.result`
{"job_id", "ok", "error", "status", "unconfirmed"?} and reports its printer with
`printer.state` {"online", "paper", "error"}.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from ...storage.models_print import PrintJob
from ..access.principal import Principal
from ..context import Context
from . import printing
from .spooler import Spooler


def agent_result(spooler: Spooler, who: Principal, data: Any) -> dict[str, Any]:
    """`print.result` from a kiosk agent: settle its job and store the printer status it saw."""
    if not isinstance(data, dict) or not isinstance(data.get("job_id"), int):
        return {"ok": False, "error": "send {job_id, ok, error, status}"}
    with spooler.ctx.uow(write=False) as uow:
        owner = uow.session.scalar(select(PrintJob.device_id).where(PrintJob.id == data["job_id"]))
        if owner is None or who.kind != "device" or owner != who.id:
            return {"ok": False, "error": "not your print job"}
    error = None if data.get("ok") else str(data.get("error") or "print failed")
    paper_out = isinstance(data.get("status"), dict) and data["status"].get("paper") == "out"
    # "unconfirmed": the agent sent the ticket and then saw a fault; a retry could print it twice.
    passing = not paper_out and not data.get("unconfirmed")
    status = (
        printing.printer_state(data["status"]) if isinstance(data.get("status"), dict) else None
    )
    state = spooler.finish(int(data["job_id"]), error, passing=passing, status=status)
    return {"ok": True, "state": state}


def agent_state(spooler: Spooler, who: Principal, data: Any) -> None:
    """`printer.state` from a kiosk agent: its printer's status, polled on the kiosk PC."""
    if who.kind == "device" and isinstance(data, dict):
        spooler.save_status(who.id, printing.printer_state(data))


def start_background(app: Flask, server_url: str | None = None) -> Spooler | None:
    """Start the app's spooler now, if PRINTER_SPOOLER; the server process calls this at start.

    `server_url` is this server's own address, used in QR codes when the hall has none set.
    """
    spooler: Spooler | None = app.extensions.get("queuehall.spooler")
    if spooler is None or not app.config.get("PRINTER_SPOOLER"):
        return None
    if server_url and not spooler.server_url:
        spooler.server_url = server_url.rstrip("/")
    return spooler.start()


def install(app: Flask) -> Spooler:
    """Wire printing into an app: the spooler and the kiosk agents' handlers. The spooler's thread
    starts with the server process (server/background.py), never at app creation or on a request,
    so CLI commands and tests (which also build the app) never run a spooler they did not ask for.
    """
    ctx: Context = app.extensions["queuehall"]
    realtime = app.extensions["queuehall.realtime"]
    spooler = Spooler(ctx)
    app.extensions["queuehall.spooler"] = spooler

    def on_result(who: Principal | None, data: Any) -> dict[str, Any]:
        if who is None:
            return {"ok": False, "error": "unknown client"}
        return agent_result(spooler, who, data)

    def on_state(who: Principal | None, data: Any) -> None:
        if who is not None:
            agent_state(spooler, who, data)

    realtime.on_client("print.result", on_result)
    realtime.on_client("printer.state", on_state)
    return spooler
