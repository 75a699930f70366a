"""Configuration: defaults, then the instance file, then QUEUEHALL_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Config, Flask

DEFAULTS: dict[str, Any] = {
    "VERSION": "0.1.0",
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "REDIS_URL": None,
    # a database that does not answer (a table locked, a disk gone) answers 503 after these, rather than
    # holding every worker: waiting for a lock (and SQLite's write turn), one statement, a pooled connection
    "DB_LOCK_TIMEOUT_S": 3.0,
    "DB_STATEMENT_TIMEOUT_S": 60.0,
    "DB_POOL_TIMEOUT_S": 3.0,
    "SOCKETIO_CHANNEL": "flask-socketio",  # one per deployment when several share a Redis
    "QUEUE_CHANGED_EVERY_S": 0.25,  # a hall's queue.changed at most about once per this, in bursts
    "REDIS_RESYNC_S": 2.0,  # how often to ping Redis, to report events it could not publish
    "RATE_LIMIT_TICKETS_PER_MIN": 60,  # per kiosk; 0 switches it off
    "RATE_LIMIT_LOGIN_FAILURES": 20,  # failed sign-ins per client address per window
    "RATE_LIMIT_LOGIN_WINDOW_S": 600,
    "TICKET_SOCKETS_PER_TICKET": 5,  # live ticket pages (QR) per ticket; past it a page polls; 0 = no limit
    "TICKET_SOCKETS_PER_ADDRESS": 100,  # ...and per client address (a hall's Wi-Fi may share one)
    "TRUSTED_PROXY_HOPS": 0,  # 1 behind nginx: the client address is taken from X-Forwarded-For
    "SOCKETIO_ASYNC_MODE": "threading",
    "SOCKETIO_CORS": [],
    "PUBLIC_BASE_URL": "",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "PRINTER_TIMEOUT_S": 3.0,
    "PRINTER_RETRIES": 3,
    "PRINTER_POLL_S": 15.0,
    "PRINTER_SPOOLER": True,
    "PRINTER_DEVICE_DIRS": [
        "/dev/usb"
    ],  # file:// printers only directly inside these (services/printing/printer_urls.py)
    "TTS_VOICE": "cmn-latn-pinyin",
    "TTS_AUDIO_CACHE_FILES": 500,  # screens' announcement audio kept in the instance folder, least recently used out
    "TTS_AUDIO_CACHE_MB": 200,
    "QUEUE_DEFAULT_LOCALE": "zh",
    "VENDOR_DIR": None,
    "JSON_AS_ASCII": False,
}


def instance_path() -> str:
    """The instance folder: QUEUEHALL_INSTANCE, else ./instance."""
    return os.environ.get("QUEUEHALL_INSTANCE") or str(Path.cwd() / "instance")


def configured(key: str) -> Any:
    """One setting as the app will see it (instance file, then environment), without building the app."""
    cfg = Config(instance_path())
    cfg.from_pyfile("queuehall.cfg", silent=True)
    cfg.from_prefixed_env("QUEUEHALL")
    return cfg.get(key)


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order; tests pass a dict, nothing mutates a shared class."""
    from .logmask import install as mask_personal_data_in_logs

    mask_personal_data_in_logs()
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("queuehall.cfg", silent=True)
    app.config.from_prefixed_env("QUEUEHALL")
    if overrides:
        app.config.update(overrides)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "queuehall.db")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _instance_secret(folder: Path) -> str:
    """A per-installation secret generated on first use: never a built-in default."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
