"""Ticket printing: print jobs, their outcomes and the printers' status.

A job goes `queued -> printing -> printed | failed`. The request path only inserts a job
(`enqueue`); the spooler (`server.services.printing.spooler`) claims it with a compare-and-set,
renders and sends it, and calls `settle`. Passing faults (offline, no answer, unreachable)
go back to `queued` with a backoff until PRINTER_RETRIES is spent; paper out, a fault seen
only after the ticket was sent, and a bad printer URL fail at once. Every outcome is pushed
to the issuing kiosk as `print.updated`.

One request for paper gives one ticket: a reprint turns the ticket's queued jobs into
`superseded`; a job still being sent when the reprint comes keeps the new one waiting, and
whichever finishes first as printed supersedes the other. Jobs of an earlier business day are
failed (`fail_stale`) rather than printed late. The ticket layout is in `ticket_paper`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from hardware.printer import PrinterStatus

from ...engine.errors import DomainError, NotFound
from ...engine.events import PrintQueued, TicketRef
from ...engine.numbering import business_day
from ...storage import statements
from ...storage.models import Device, Site, Ticket
from ...storage.models_print import PrintJob
from ...storage.uow import UnitOfWork
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models

AGENT_SCHEME = "agent://"
PENDING = ("queued", "printing")


class NoPrinter(DomainError):
    code = "no_printer"
    status = 409


def is_agent(url: str | None) -> bool:
    """True for a printer plugged into the kiosk PC and driven by `queuehall kiosk-agent`."""
    return bool(url) and str(url).startswith(AGENT_SCHEME)


def device_room(device_id: int | None) -> str:
    """The Socket.IO room of one device."""
    return f"device:{device_id}"


def update_payload(t: Ticket, job: PrintJob, error: str | None = None) -> dict[str, Any]:
    """The `print.updated` event body."""
    return {
        "ticket_id": t.id,
        "number": t.number,
        "public_id": t.public_id,
        "print_state": t.print_state,
        "error": error,
        "job_id": job.id,
    }


# ---- the request path ---------------------------------------------------------------------------


def enqueue(
    uow: UnitOfWork, t: Ticket, device_id: int, printer_url: str, now: datetime, kind: str = "issue"
) -> PrintJob:
    """Add a print job for `t` in the caller's transaction; the spooler is woken after commit."""
    fields = {
        "site_id": t.site_id,
        "ticket_id": t.id,
        "device_id": device_id,
        "printer_url": printer_url,
        "kind": kind,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": None,
        "created_at": now,
        "updated_at": now,
    }
    job_id = uow.execute(statements.insert_row(PrintJob, tuple(fields), True), fields).scalar_one()
    job = PrintJob(**fields, id=job_id)  # not loaded again: the row is what we just wrote
    t.print_state = "queued"
    uow.record(
        PrintQueued(
            site_id=t.site_id,
            job_id=job_id,
            device_id=device_id,
            print_state="queued",
            ticket=TicketRef(t.id, t.public_id, t.number, t.service_id),
        )
    )
    return job


def reprint(ctx: Context, who: Principal, ticket_id: int) -> dict[str, Any]:
    """Queue the ticket again on the printer of the kiosk that issued it; older queued jobs are superseded."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        s = uow.session
        t = s.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        if not who.is_staff and (who.role != "kiosk" or t.device_id != who.id):
            raise Forbidden("only the kiosk that issued this ticket, or staff, may print it again")
        dev = s.get(Device, t.device_id) if t.device_id else None
        if dev is None or not dev.active or not dev.printer_url:
            raise NoPrinter("the kiosk that issued this ticket has no printer")
        job = enqueue(uow, t, dev.id, dev.printer_url, now, kind="reprint")
        # A job still waiting for a retry would print a second ticket once the printer is back.
        supersede(uow, t.id, job.id, now, f"superseded by reprint job {job.id}")
        out = read_models.ticket_dict(s, t)
        uow.commit()
        return out


def supersede(uow: UnitOfWork, ticket_id: int, keep_id: int, now: datetime, reason: str) -> int:
    """Mark the ticket's other queued jobs `superseded` (with the reason); returns how many."""
    res = uow.session.execute(
        update(PrintJob)
        .where(PrintJob.ticket_id == ticket_id, PrintJob.id != keep_id, PrintJob.state == "queued")
        .values(state="superseded", last_error=reason[:300], updated_at=now)
    )
    return int(cast(CursorResult[Any], res).rowcount or 0)


def job_dict(job: PrintJob) -> dict[str, Any]:
    """The API shape of one print job."""
    return {
        "id": job.id,
        "ticket_id": job.ticket_id,
        "device_id": job.device_id,
        "kind": job.kind,
        "state": job.state,
        "attempts": job.attempts,
        "error": job.last_error,
        "size_bytes": job.size_bytes,
        "created_at": read_models.iso(job.created_at),
        "updated_at": read_models.iso(job.updated_at),
        "printed_at": read_models.iso(job.printed_at),
    }


def list_jobs(ctx: Context, who: Principal, ticket_id: int) -> list[dict[str, Any]]:
    """Every print job of one ticket, oldest first (staff): what was tried, superseded or printed."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        return [
            job_dict(j)
            for j in s.scalars(
                select(PrintJob).where(PrintJob.ticket_id == ticket_id).order_by(PrintJob.id)
            )
        ]


def list_printers(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """The kiosks' printers with their last polled status and jobs still waiting."""
    with ctx.uow(write=False) as uow:
        s = uow.session
        pending = dict(
            s.execute(
                select(PrintJob.device_id, func.count())
                .where(PrintJob.site_id == who.site_id, PrintJob.state.in_(PENDING))
                .group_by(PrintJob.device_id)
            ).all()
        )
        devs = s.scalars(
            select(Device)
            .where(
                Device.site_id == who.site_id,
                Device.kind == "kiosk",
                Device.printer_url.is_not(None),
            )
            .order_by(Device.id)
        )
        out = []
        for d in devs:
            st = (d.status or {}).get("printer") or {}
            out.append(
                {
                    "device_id": d.id,
                    "name": d.name,
                    "printer_url": d.printer_url,
                    "agent": is_agent(d.printer_url),
                    "active": d.active,
                    "online": st.get("online"),
                    "paper": st.get("paper", "unknown"),
                    "error": st.get("error"),
                    "checked_at": st.get("checked_at"),
                    "seen_at": st.get("seen_at"),
                    "paper_mm": d.paper_mm,
                    "ticket_lang": d.ticket_lang,
                    "pending_jobs": int(pending.get(d.id, 0)),
                }
            )
        return out


# ---- outcomes -------------------------------------------------------------------------------------


def _tell(
    uow: UnitOfWork, t: Ticket | None, job: PrintJob, error: str | None, **extra: Any
) -> None:
    if t is not None:
        t.print_state = job.state
        uow.emit(
            "print.updated", {**update_payload(t, job, error), **extra}, device_room(job.device_id)
        )


def settle(
    uow: UnitOfWork,
    job: PrintJob,
    now: datetime,
    *,
    error: str | None = None,
    passing: bool = False,
    retries: int = 3,
    backoff_s: float = 1.0,
) -> str:
    """Record one attempt's outcome on a claimed job; returns the job's new state."""
    s = uow.session
    t = s.get(Ticket, job.ticket_id)
    newer = s.scalar(
        select(func.max(PrintJob.id)).where(
            PrintJob.ticket_id == job.ticket_id,
            PrintJob.id > job.id,
            PrintJob.state != "superseded",
        )
    )
    job.updated_at = now
    if error is None:
        job.state, job.printed_at, job.last_error = "printed", now, None
        if (
            newer is not None
        ):  # a reprint asked for while this one was on its way: it is on paper now
            supersede(uow, job.ticket_id, job.id, now, f"the ticket was printed by job {job.id}")
        _tell(uow, t, job, None)
        return job.state
    if newer is not None:
        # A newer request for this ticket takes over: retrying this one too would print two.
        job.state, job.last_error = "superseded", f"{error[:200]}; superseded by job {newer}"
        return job.state
    if passing and job.attempts <= retries:
        job.state, job.last_error = "queued", error[:300]
        job.next_attempt_at = now + timedelta(seconds=backoff_s * 2 ** max(job.attempts - 1, 0))
    else:
        job.state, job.last_error = "failed", error[:300]
    _tell(uow, t, job, error)
    return job.state


def stale_jobs(s: Any, business_now: datetime) -> list[tuple[int, date]]:
    """Queued jobs whose ticket is from an earlier business day of its hall: (job id, ticket day)."""
    rows = s.execute(
        select(PrintJob.id, Ticket.day, Site.timezone, Site.reset_hour)
        .join(Ticket, Ticket.id == PrintJob.ticket_id)
        .join(Site, Site.id == PrintJob.site_id)
        .where(PrintJob.state == "queued")
    ).all()
    return [
        (job_id, day)
        for job_id, day, tz, reset_hour in rows
        if day < business_day(business_now, tz, reset_hour)
    ]


def fail_stale(uow: UnitOfWork, stale: list[tuple[int, date]], now: datetime) -> int:
    """Fail those jobs visibly instead of printing them: yesterday's number is no use on paper."""
    s = uow.session
    n = 0
    for job_id, day in stale:
        error = f"stale: issued on {day.isoformat()}, an earlier business day; not printed"
        res = s.execute(
            update(PrintJob)
            .where(PrintJob.id == job_id, PrintJob.state == "queued")
            .values(state="failed", last_error=error, updated_at=now)
        )
        if cast(CursorResult[Any], res).rowcount != 1:
            continue  # another process claimed or settled it meanwhile
        job = s.get_one(PrintJob, job_id)
        s.refresh(job)
        newer = s.scalar(
            select(func.max(PrintJob.id)).where(
                PrintJob.ticket_id == job.ticket_id,
                PrintJob.id > job.id,
                PrintJob.state != "superseded",
            )
        )
        if newer is None:
            _tell(uow, s.get(Ticket, job.ticket_id), job, error, stale=True)
        n += 1
    return n


def printer_state(st: PrinterStatus | dict[str, Any]) -> dict[str, Any]:
    """A status as stored in Device.status["printer"] (without the check time)."""
    if isinstance(st, PrinterStatus):
        return {"online": st.online, "paper": st.paper, "error": st.error}
    paper = st.get("paper") if st.get("paper") in ("ok", "low", "out", "unknown") else "unknown"
    return {
        "online": bool(st.get("online")),
        "paper": paper,
        "error": str(st["error"])[:200] if st.get("error") else None,
    }


def record_status(uow: UnitOfWork, dev: Device, state: dict[str, Any], now: datetime) -> bool:
    """Store a kiosk printer's status; push `printer.status` when it changed.

    The event body is {"device_id", "online", "paper", "error", "checked_at", "seen_at"}:
    `checked_at` is this check, `seen_at` the last time the printer answered at all.
    """
    old = (dev.status or {}).get("printer") or {}
    changed = any(old.get(k) != state.get(k) for k in ("online", "paper", "error"))
    answered = bool(state.get("online")) or state.get("paper") in ("ok", "low", "out")
    stamp = {
        "checked_at": read_models.iso(now),
        "seen_at": read_models.iso(now) if answered else old.get("seen_at"),
    }
    fields = {k: state.get(k) for k in ("online", "paper", "error")}
    dev.status = {**(dev.status or {}), "printer": {**fields, **stamp}}
    if changed:
        body = {"device_id": dev.id, **fields, **stamp}
        uow.emit("printer.status", body, device_room(dev.id))
        uow.emit("printer.status", body, f"site:{dev.site_id}")
    return changed
