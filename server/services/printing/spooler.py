"""The print spooler: one daemon thread per server process that puts queued tickets on paper.

It claims due jobs with a compare-and-set (`UPDATE ... WHERE state = 'queued'`), so several
server processes on one database never print a job twice. Sending runs on a small pool,
one job per printer at a time, so a hung printer never delays another kiosk's tickets.
Printers are polled every PRINTER_POLL_S seconds; changes are pushed as `printer.status`.

A job counts as printed only when the printer, asked again after the write, still reports
paper; a fault seen only then (paper ran out, went offline) may have left part of the ticket
on paper, so it fails at once instead of being retried.

The spooler starts with the server process (server/background.py, called by `queuehall serve`),
so queued jobs resume without waiting for an HTTP request; tests start it themselves.

Recovery: a job still `printing` after its lease (PRINTER_LEASE_S, default three printer
timeouts plus 10 s) was interrupted by a crash. It may or may not have reached the paper,
so it is not resent blindly: it is marked `failed` ("interrupted") and pushed to the kiosk,
which shows the ticket on screen; a reprint is one call. Jobs still `queued` resume, unless
their ticket is from an earlier business day: those fail ("stale") instead of printing late.
Kiosk-agent jobs (`agent://` printers) whose agent does not answer within
PRINTER_AGENT_TIMEOUT_S count as a passing fault and are retried (the agent skips a job id
it has already printed).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from hardware.escpos_ticket import render_ticket
from hardware.printer import (
    PaperOut,
    PrinterError,
    PrinterStatus,
    PrintUnconfirmed,
    TicketPrinter,
    open_printer,
)

from ...engine.clock import Clock, SystemClock
from ...engine.events import PrintQueued
from ...offload import run_blocking
from ...storage.models import Device, Ticket
from ...storage.models_print import PrintJob
from ..context import Context
from . import printer_urls, printing, ticket_paper

log = logging.getLogger(__name__)
CLAIM_BATCH = 20


class Spooler:
    """Background printing for one app: claim, render, send, settle; poll printer status."""

    def __init__(
        self,
        ctx: Context,
        *,
        clock: Clock | None = None,
        server_url: str | None = None,
        printer_factory: Callable[[str, float], TicketPrinter] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        """Configure from ctx.config (then `config` overrides); nothing runs until start()."""
        cfg = {**ctx.config, **(config or {})}
        self.config = cfg
        self.ctx = ctx
        self.clock = clock or SystemClock()  # real time: retries are physical, not business time
        self.server_url = server_url
        self.timeout = float(cfg.get("PRINTER_TIMEOUT_S", 3.0))
        self.retries = int(cfg.get("PRINTER_RETRIES", 3))
        self.backoff_s = float(cfg.get("PRINTER_BACKOFF_S", 1.0))
        self.poll_s = float(cfg.get("PRINTER_POLL_S", 15.0))
        self.idle_s = float(cfg.get("PRINTER_IDLE_S", 0.5))
        self.lease_s = float(cfg.get("PRINTER_LEASE_S") or self.timeout * 3 + 10)
        self.agent_timeout_s = float(cfg.get("PRINTER_AGENT_TIMEOUT_S", 10.0))
        confirm_s = float(cfg.get("PRINTER_CONFIRM_S", 0.0))
        dirs = cfg.get(
            "PRINTER_DEVICE_DIRS"
        )  # a URL saved before the check existed is refused here too
        self._factory = printer_factory or (
            lambda url, timeout: open_printer(
                printer_urls.usable(url, dirs), timeout=timeout, confirm_s=confirm_s
            )
        )
        self._printers: dict[str, TicketPrinter] = {}
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._life = threading.Lock()  # start() and stop() from different threads
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.sent: list[tuple[int, float]] = []  # (job id, seconds to send): for the benchmark

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> Spooler:
        """Start the worker thread and hook the publisher so a new job wakes it at once."""
        with self._life:
            if self._thread is not None:
                return self
            self._start()
        return self

    def _start(self) -> None:
        self.ctx.bus.subscribe(self._queued, PrintQueued)
        self._stop.clear()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="print-send")
        self._thread = threading.Thread(target=self._run, name="print-spooler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker and wait for jobs in flight (each is bounded by the printer timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.ctx.bus.unsubscribe(self._queued)

    def wake(self) -> None:
        """Look for due jobs now."""
        self._wake.set()

    def _queued(self, _events: Any) -> None:
        self.wake()  # a job was queued (and committed): look for it now

    def _run(self) -> None:
        next_poll = next_sweep = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    self.sweep()
                    next_sweep = time.monotonic() + min(self.poll_s, 5.0)
                self.dispatch()
                if time.monotonic() >= next_poll:
                    self.poll_printers()
                    next_poll = time.monotonic() + self.poll_s
            except Exception:  # a database hiccup must not kill printing for the day
                log.exception("print spooler round failed")
            self._wake.wait(self.idle_s)
            self._wake.clear()

    # -- jobs -----------------------------------------------------------------------------------
    def _submit(self, url: str, fn: Callable[..., None], *args: Any) -> bool:
        with self._lock:
            if url in self._busy or self._pool is None:
                return False
            self._busy.add(url)

        def run() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("print worker failed")
            finally:
                with self._lock:
                    self._busy.discard(url)
                self._wake.set()

        self._pool.submit(run)
        return True

    def dispatch(self) -> int:
        """Claim due jobs (one per idle printer) and hand them to the send pool."""
        now = self.clock.now()
        with self.ctx.uow(write=False) as uow:
            due = uow.session.execute(
                select(PrintJob.id, PrintJob.printer_url)
                .where(
                    PrintJob.state == "queued",
                    or_(PrintJob.next_attempt_at.is_(None), PrintJob.next_attempt_at <= now),
                )
                .order_by(PrintJob.id)
                .limit(CLAIM_BATCH)
            ).all()
        started, seen = 0, set()
        for job_id, url in due:
            if url in seen:
                continue
            seen.add(url)
            with self._lock:
                if url in self._busy:
                    continue
            if self.claim(job_id):
                work = self._agent_job if printing.is_agent(url) else self._print_job
                if self._submit(url, work, job_id):
                    started += 1
                else:  # shutting down: hand it back
                    self._release(job_id)
        return started

    def claim(self, job_id: int) -> bool:
        """Take a queued job for this process (compare-and-set); False if another got it.

        Not while another job of the same ticket is being sent: that one may still print, and
        `printing.settle` then supersedes this one.
        """
        now = self.clock.now()
        other = aliased(PrintJob)
        sending = exists().where(
            and_(
                other.ticket_id == PrintJob.ticket_id,
                other.id != PrintJob.id,
                other.state == "printing",
            )
        )
        with self.ctx.uow() as uow:
            res = uow.session.execute(
                update(PrintJob)
                .where(PrintJob.id == job_id, PrintJob.state == "queued", ~sending)
                .values(state="printing", attempts=PrintJob.attempts + 1, updated_at=now)
            )
            n = cast(CursorResult[Any], res).rowcount
            uow.commit()
        return n == 1

    def _release(self, job_id: int) -> None:
        with self.ctx.uow() as uow:
            uow.session.execute(
                update(PrintJob)
                .where(PrintJob.id == job_id, PrintJob.state == "printing")
                .values(state="queued", attempts=PrintJob.attempts - 1)
            )
            uow.commit()

    def render(self, job_id: int) -> bytes | None:
        """The job's ESC/POS bytes, or None when its ticket is gone."""
        with self.ctx.uow(write=False) as uow:
            s = uow.session
            job = s.get_one(PrintJob, job_id)
            t = s.get(Ticket, job.ticket_id)
            if t is None:
                return None
            return render_ticket(ticket_paper.ticket_layout(s, t, self.config, self.server_url))

    def _print_job(self, job_id: int) -> None:
        try:
            data = self.render(job_id)
        except Exception as exc:
            log.exception("could not render print job %s", job_id)
            self.finish(job_id, f"render failed: {exc}", passing=False)
            return
        if data is None:
            self.finish(job_id, "the ticket no longer exists", passing=False)
            return
        url = self._url_of(job_id)
        started = time.perf_counter()
        try:
            # opening and writing a USB, serial or device-file printer are blocking OS calls (a
            # hung `usblp` write holds its thread until the timeout): off the serving loop
            run_blocking(self._printer(url).send, data)
        except (
            PrintUnconfirmed
        ) as exc:  # sent, then a fault: maybe partly on paper, so never resent
            paper = "out" if isinstance(exc, PaperOut) else "unknown"
            self.finish(
                job_id,
                f"not confirmed: {exc}",
                passing=False,
                size=len(data),
                status={"online": paper == "out", "paper": paper, "error": str(exc)[:200]},
            )
            return
        except PaperOut as exc:
            self.finish(
                job_id,
                f"paper out: {exc}",
                passing=False,
                size=len(data),
                status={"online": True, "paper": "out", "error": "paper out"},
            )
            return
        except PrinterError as exc:
            self.finish(
                job_id,
                str(exc) or type(exc).__name__,
                passing=True,
                size=len(data),
                status={"online": False, "paper": "unknown", "error": str(exc)[:200]},
            )
            return
        except ValueError as exc:  # a printer URL no driver understands: retrying cannot help
            self.finish(job_id, str(exc), passing=False, size=len(data))
            return
        except Exception as exc:
            self.finish(job_id, f"{type(exc).__name__}: {exc}", passing=True, size=len(data))
            return
        self.sent.append((job_id, time.perf_counter() - started))
        self.finish(
            job_id, None, size=len(data), status={"online": True, "paper": None, "error": None}
        )

    def _agent_job(self, job_id: int) -> None:
        """Hand the rendered ticket to the kiosk's agent; its `print.result` settles the job."""
        data = self.render(job_id)
        if data is None:
            self.finish(job_id, "the ticket no longer exists", passing=False)
            return
        now = self.clock.now()
        with self.ctx.uow() as uow:
            job = uow.session.get_one(PrintJob, job_id)
            job.size_bytes, job.updated_at = (
                len(data),
                now,
            )  # the lease starts when the agent is asked
            body = {
                "job_id": job.id,
                "ticket_id": job.ticket_id,
                "data_b64": base64.b64encode(data).decode("ascii"),
            }
            uow.emit("print.job", body, printing.device_room(job.device_id))
            uow.commit()

    def _url_of(self, job_id: int) -> str:
        with self.ctx.uow(write=False) as uow:
            return uow.session.get_one(PrintJob, job_id).printer_url

    def _printer(self, url: str) -> TicketPrinter:
        with self._lock:
            if url not in self._printers:
                self._printers[url] = self._factory(url, self.timeout)
            return self._printers[url]

    def finish(
        self,
        job_id: int,
        error: str | None,
        *,
        passing: bool = False,
        size: int | None = None,
        status: dict[str, Any] | None = None,
    ) -> str:
        """Settle a claimed job (and note what the attempt taught about the printer)."""
        now = self.clock.now()
        with self.ctx.uow() as uow:
            job = uow.session.get_one(PrintJob, job_id)
            if job.state != "printing":  # settled elsewhere (a late agent reply, a sweep)
                return job.state
            if size is not None:
                job.size_bytes = size
            state = printing.settle(
                uow,
                job,
                now,
                error=error,
                passing=passing,
                retries=self.retries,
                backoff_s=self.backoff_s,
            )
            dev = uow.session.get(Device, job.device_id) if job.device_id else None
            if status is not None and dev is not None:
                old = (dev.status or {}).get("printer") or {}
                if status.get("paper") is None:  # a success says "has paper", not how much
                    status = {
                        **status,
                        "paper": old.get("paper") if old.get("paper") in ("ok", "low") else "ok",
                    }
                printing.record_status(uow, dev, status, now)
            uow.commit()
        if state == "queued":
            log.info("print job %s will be retried: %s", job_id, error)
        elif state == "failed":
            log.warning("print job %s failed: %s", job_id, error)
        return state

    def sweep(self) -> int:
        """Settle jobs stuck in `printing` past their lease, fail stale queued ones (module docstring)."""
        now = self.clock.now()
        with self.ctx.uow(write=False) as uow:
            # Business days follow the hall's clock; leases and retries the physical one.
            old = printing.stale_jobs(uow.session, self.ctx.clock.now())
        stale = 0
        if old:
            with self.ctx.uow() as uow:
                stale = printing.fail_stale(uow, old, now)
                uow.commit()
        if stale:
            log.warning(
                "%d queued print job(s) from an earlier business day failed instead of printing",
                stale,
            )
        agent_cut = now - timedelta(seconds=self.agent_timeout_s)
        local_cut = now - timedelta(seconds=self.lease_s)
        with self.ctx.uow(write=False) as uow:
            stuck = uow.session.execute(
                select(PrintJob.id, PrintJob.printer_url, PrintJob.updated_at).where(
                    PrintJob.state == "printing", PrintJob.updated_at < max(agent_cut, local_cut)
                )
            ).all()
        n = 0
        for job_id, url, updated in stuck:
            agent = printing.is_agent(url)
            if updated >= (agent_cut if agent else local_cut):
                continue
            with self._lock:
                if url in self._busy:  # ours and still sending
                    continue
            if agent:
                self.finish(job_id, "the kiosk agent did not answer", passing=True)
            else:
                self.finish(
                    job_id,
                    "interrupted (server restarted while printing); not resent "
                    "because it may have printed",
                    passing=False,
                )
            n += 1
        return n + stale

    # -- status ---------------------------------------------------------------------------------
    def poll_printers(self) -> int:
        """Ask every kiosk printer (not agents: they report themselves) for its status.

        A printer shared by several kiosks is asked once and its answer stored on each: asking
        per kiosk left all but the first unchecked, the printer being busy with that one.
        """
        with self.ctx.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Device.id, Device.printer_url).where(
                    Device.kind == "kiosk", Device.active, Device.printer_url.is_not(None)
                )
            ).all()
        by_url: dict[str, list[int]] = {}
        for dev_id, url in rows:
            if url and not printing.is_agent(url):
                by_url.setdefault(url, []).append(dev_id)
        return sum(1 for url, ids in by_url.items() if self._submit(url, self._poll_one, ids, url))

    def _poll_one(self, dev_ids: list[int], url: str) -> None:
        try:
            st = run_blocking(self._printer(url).status)  # blocking I/O too, as above
        except ValueError as exc:
            st = PrinterStatus(online=False, paper="unknown", error=str(exc))
        for dev_id in dev_ids:
            self.save_status(dev_id, printing.printer_state(st))

    def save_status(self, dev_id: int, state: dict[str, Any]) -> None:
        """Store one printer status and push it when it changed."""
        now = self.clock.now()
        with self.ctx.uow() as uow:
            dev = uow.session.get(Device, dev_id)
            if dev is not None:
                printing.record_status(uow, dev, state, now)
            uow.commit()
