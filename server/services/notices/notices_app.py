"""The notices outbox in a Flask app: the subscriber on committed events, and the delivery worker."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask

from ..context import Context
from . import notice_channels, notices, notices_subscriber
from .notice_channels import Channel


def install(app: Flask) -> None:
    """Subscribe the notices to committed queue events (delivery starts with the server process,
    `start_background`: CLI commands and tests build apps that send nothing)."""
    ctx: Context = app.extensions["queuehall"]
    # one subscription: it reads who opted in inside the command's transaction and leaves the
    # notices to queue after the commit (the bus runs them in the command's place in the order)
    ctx.bus.subscribe(
        lambda uow, events: notices_subscriber.in_transaction(ctx, uow, events),
        *notices_subscriber.EVENTS,
        in_transaction=True,
    )


def start_background(app: Flask) -> NoticeWorker | None:
    """Start delivery in the server process when a channel is configured (NOTICES_WORKER, default on)."""
    channels = notice_channels.from_config(app.config)
    if not channels or not app.config.get("NOTICES_WORKER", True):
        return None
    ctx: Context = app.extensions["queuehall"]
    poll = float(app.config.get("NOTICES_POLL_S", 1.0))
    # a claim outlives the longest send (NOTICE_TIMEOUT_S) before another worker may take it
    lease = timedelta(seconds=float(app.config.get("NOTICE_LEASE_S", 60)))
    worker = NoticeWorker(ctx, channels, poll, lease).start()
    app.extensions["queuehall.notices"] = worker
    return worker


class NoticeWorker:
    """The delivery loop of a server process (NOTICES_WORKER): due notices, then tomorrow's reminders."""

    def __init__(
        self,
        ctx: Context,
        channels: dict[str, Channel],
        poll_s: float = 1.0,
        lease: timedelta = notices.LEASE,
    ) -> None:
        self.ctx, self.channels, self.poll_s, self.lease = ctx, channels, poll_s, lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> NoticeWorker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="notices", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            try:
                if rounds == 0:  # what a crash kept from being stored (notices_subscriber)
                    notices_subscriber.catch_up(self.ctx)
                if rounds % 300 == 0:
                    notices.remind_tomorrow(self.ctx)
                while (
                    notices.deliver_due(self.ctx, self.channels, lease=self.lease)
                    and not self._stop.is_set()
                ):
                    pass
            except Exception:
                notices.log.exception("notices: delivery round failed")
            rounds += 1
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
