"""Page plumbing shared by the UIs: locale, vendored assets, the UI blueprints."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask, abort, send_from_directory

from . import vendor as vendored
from .i18n import catalogue, current_locale, translate

UI_PACKAGES = (
    "kiosk",
    "display",
    "caller",
    "server.admin",
    "server.oversight",
    "server.cases",
    "server.booking",
)


def vendor_dir(app: Flask) -> Path:
    """The node_modules folder vendored files are read from when the package carries none."""
    return vendored.node_modules(app.config.get("VENDOR_DIR"))


def register_pages(app: Flask) -> None:
    """Locale helpers for templates, the /vendor route and every UI blueprint that exists."""

    @app.context_processor
    def _i18n() -> dict[str, Any]:
        locale = current_locale(app.config.get("QUEUE_DEFAULT_LOCALE", "zh"))

        def _(key: str, **kw: Any) -> str:
            if key == "common.centre":
                name, _tz = hall_identity(locale)
                if name:
                    return name
            return translate(key, locale, **kw)

        return {
            "_": _,
            "locale": locale,
            "i18n_catalogue": lambda prefix="": {
                k: v
                for k, v in catalogue(locale).items()
                if k.startswith(prefix) or k.startswith("common.")
            },
        }

    @app.get("/vendor/<name>")
    def vendor(name: str) -> Any:
        if name not in vendored.FILES:
            abort(404)
        path = vendored.path_of(name, app.config.get("VENDOR_DIR"))
        if path is None:
            abort(404, description=f"{name} is not installed; run `npm ci` in the checkout")
        return send_from_directory(path.parent, path.name, max_age=3600)

    @app.get("/favicon.ico")
    def favicon() -> Any:
        from flask import Response

        from .favicon import icon_bytes

        resp = Response(icon_bytes(), mimetype="image/vnd.microsoft.icon")
        resp.cache_control.max_age = 86400
        return resp

    @app.context_processor
    def _qh_config() -> dict[str, Any]:
        return {"page_config": page_config}

    for name in UI_PACKAGES:
        try:
            mod = importlib.import_module(f"{name}.views")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(name):
                continue
            raise
        app.register_blueprint(mod.make_blueprint())


def hall_identity(locale: str) -> tuple[str | None, str]:
    """The hall's own name in `locale` (None before `queuehall init`) and its time zone."""
    from flask import current_app, g

    if "qh_hall" not in g:
        from sqlalchemy import select

        from .storage.models import Site

        try:
            with current_app.extensions["queuehall"].uow(write=False) as uow:
                site = uow.session.scalar(select(Site).order_by(Site.id).limit(1))
                g.qh_hall = (
                    (site.name, site.name_en, site.timezone)
                    if site
                    else (None, None, "Asia/Shanghai")
                )
        except Exception:  # the page must still render when the database is down
            g.qh_hall = (None, None, "Asia/Shanghai")
    name, name_en, tz = g.qh_hall
    return ((name_en or name) if locale == "en" else name), tz


def page_config(prefixes: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """window.QH_CONFIG for a page: locale, the strings it uses, and whatever the page adds."""
    from flask import current_app, session

    locale = current_locale(current_app.config.get("QUEUE_DEFAULT_LOCALE", "zh"))
    strings = {
        k: v
        for k, v in catalogue(locale).items()
        if k.startswith(("common.", "error.") + tuple(prefixes))
    }
    name, tz = hall_identity(locale)
    if name:
        strings["common.centre"] = name  # the translation file holds only the generic fallback
    cfg: dict[str, Any] = {
        "locale": locale,
        "strings": strings,
        "apiBase": "/api/v1",
        "timezone": tz,
    }
    if session.get("csrf"):
        cfg["csrf"] = session["csrf"]
    cfg.update(extra)
    return cfg
