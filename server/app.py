"""Application factory: config, database, services, realtime, blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config as config_mod
from .api.routes import make_blueprint
from .engine.clock import SystemClock
from .realtime import Realtime
from .services.context import Context
from .storage.db import Database, Timeouts


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a configured app; nothing is connected or created at import time."""
    cfg = dict(config or {})
    app = Flask(
        __name__,
        instance_path=cfg.pop("INSTANCE_PATH", None) or config_mod.instance_path(),
        instance_relative_config=True,
    )
    config_mod.load(app, cfg)
    if app.config.get("PASSWORD_HASH") == "cheapest":
        from .services.access.auth import use_cheap_hashing

        use_cheap_hashing()
    c = app.config
    db = Database(
        c["DATABASE_URL"],
        timeouts=Timeouts(
            lock_s=float(c["DB_LOCK_TIMEOUT_S"]),
            statement_s=float(c["DB_STATEMENT_TIMEOUT_S"]),
            pool_s=float(c["DB_POOL_TIMEOUT_S"]),
        ),
    )
    ctx = Context(db=db, clock=app.config.get("CLOCK") or SystemClock(), config=app.config)
    from .api.audit_context import prepare_at_enter, write_at_commit

    # audit: a change and its audit row commit together, on the change's own unit of work (a commit
    # hook, not a bus subscriber: every write of a call is audited, with or without domain events)
    db.commit_hooks.append(write_at_commit)
    db.enter_hooks.append(prepare_at_enter)  # ...with the row built before the write lock
    app.extensions["queuehall"] = ctx
    realtime = Realtime(app, ctx)
    # subscribers to the hall's committed events; a new consumer is one more line here
    ctx.bus.subscribe(realtime.on_events)
    if app.config.get("OVERSIGHT_ALERTS", not app.testing):  # (off in tests unless asked)
        from .engine.events import VisitRated
        from .services.oversight import alerts

        ctx.bus.subscribe(lambda events: alerts.after_commit(ctx, events), VisitRated)
    from .engine.events import WaitingChanged
    from .services.queue.queue_news import QueueNews

    ctx.queue_news = QueueNews(ctx, float(c["QUEUE_CHANGED_EVERY_S"]))
    ctx.bus.subscribe(ctx.queue_news.on_events, WaitingChanged)
    from .engine.events import TicketEnded
    from .services.cases import case_outcomes

    # cases (issue 17): 受理 opens a case in the finish's own transaction
    ctx.bus.subscribe(case_outcomes.on_ended, TicketEnded, in_transaction=True)
    app.extensions["queuehall.realtime"] = realtime
    from .services.printing.spooler_app import install as install_printing

    install_printing(app)  # its thread starts with the server (background.py), if PRINTER_SPOOLER
    # --- notices hook (issue 19): committed events feed the notices outbox (services/notices/notices_app.py);
    # move onto the subscriber registry
    from .services.notices.notices_app import install as install_notices

    install_notices(app)
    from .services.booking.idcard import install as install_idcard

    install_idcard(app)  # issue 19: ID card reader input relayed to its kiosk's page, masked
    bp, api = make_blueprint()
    app.register_blueprint(bp)
    app.extensions["queuehall.api"] = api
    from .pages import register_pages

    register_pages(app)
    from .security_headers import install as install_security_headers

    install_security_headers(app)
    return app
