"""Translations: every visible string comes from a locale file, Chinese first, English too."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import request

LOCALES = ("zh", "en")
PACKAGES = (
    "server",
    "kiosk",
    "display",
    "caller",
    "server.admin",
    "server.oversight",
    "server.cases",
    "server.booking",
)


@lru_cache(maxsize=8)
def catalogue(locale: str) -> dict[str, str]:
    """All strings of a locale, merged from every UI package's translations folder."""
    merged: dict[str, str] = {}
    for pkg in PACKAGES:
        try:
            f = resources.files(pkg).joinpath("translations", f"{locale}.json")
            if f.is_file():
                merged.update(json.loads(f.read_text(encoding="utf-8")))
        except (ModuleNotFoundError, FileNotFoundError):
            continue
    return merged


def current_locale(default: str = "zh") -> str:
    """?lang= wins, then the lang cookie, then the hall's default."""
    lang = request.args.get("lang") or request.cookies.get("lang") or default
    return lang if lang in LOCALES else default


def translate(key: str, locale: str, **kw: Any) -> str:
    """One string; a missing key shows itself so it is noticed, never a blank."""
    text = catalogue(locale).get(key) or catalogue("zh").get(key) or key
    return text.format(**kw) if kw else text
