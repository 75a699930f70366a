"""The notices outbox in a Flask app: the subscriber on committed events, and the delivery worker."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import notice_channels, notices
from .context import Context


def install(app: Flask) -> None:
    """Feed committed events to the notices subscriber; start delivery when NOTICES_WORKER is set
    and a channel is configured (CLI commands and tests build apps that send nothing)."""
    ctx: Context = app.extensions["queuehall"]
    inner = ctx.publisher

    def publish(events: list[tuple[str, dict[str, Any], str]]) -> None:
        if inner is not None:
            inner(events)
        notices.after_commit(ctx, events)

    ctx.publisher = publish
    channels = notice_channels.from_config(app.config)
    if app.config.get("NOTICES_WORKER") and channels:
        worker = notices.NoticeWorker(
            ctx, channels, float(app.config.get("NOTICES_POLL_S", 1.0))
        ).start()
        app.extensions["queuehall.notices"] = worker
