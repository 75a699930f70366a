"""The audit log names every change in words, in Chinese and English (staff pages show words, never
operation ids): each state-changing operation of the API has its `ovs.action.*` entry in both."""

from __future__ import annotations

import json
from pathlib import Path

from server.api.routes import make_blueprint

WORDS = Path(__file__).resolve().parents[2] / "server" / "oversight" / "translations"


def test_every_audited_operation_has_its_words_in_both_languages() -> None:
    _bp, api = make_blueprint()
    changes = {op.func.__name__ for op in api.operations if op.method != "GET"}
    assert "reveal_case_applicant" in changes
    for lang in ("zh", "en"):
        words = json.loads((WORDS / f"{lang}.json").read_text(encoding="utf-8"))
        missing = sorted(n for n in changes if not words.get(f"ovs.action.{n}"))
        assert missing == [], (lang, missing)
