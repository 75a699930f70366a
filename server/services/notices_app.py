"""The notices outbox in a Flask app: the subscriber on committed events, and the delivery worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from . import notice_channels, notices
from .context import Context


def install(app: Flask) -> None:
    """Feed committed events to the notices subscriber (delivery starts with the server process,
    `start_background`: CLI commands and tests build apps that send nothing)."""
    ctx: Context = app.extensions["queuehall"]
    inner = ctx.publisher

    def publish(events: list[tuple[str, dict[str, Any], str]]) -> None:
        if inner is not None:
            inner(events)
        notices.after_commit(ctx, events)

    ctx.publisher = publish


def start_background(app: Flask) -> notices.NoticeWorker | None:
    """Start delivery in the server process when a channel is configured (NOTICES_WORKER, default on)."""
    channels = notice_channels.from_config(app.config)
    if not channels or not app.config.get("NOTICES_WORKER", True):
        return None
    ctx: Context = app.extensions["queuehall"]
    poll = float(app.config.get("NOTICES_POLL_S", 1.0))
    # a claim outlives the longest send (NOTICE_TIMEOUT_S) before another worker may take it
    lease = timedelta(seconds=float(app.config.get("NOTICE_LEASE_S", 60)))
    worker = notices.NoticeWorker(ctx, channels, poll, lease).start()
    app.extensions["queuehall.notices"] = worker
    return worker
