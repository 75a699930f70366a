"""Chinese first, English too: every key a page uses exists in both locales, and no page text is
written into a template or script instead of the translations."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.i18n import catalogue
from tests.conftest import ROOT

UI_DIRS = [
    "kiosk",
    "display",
    "caller",
    "server/admin",
    "server/oversight",
    "server/templates",
    "server/static",
    "server/cases",
]
CJK = re.compile(r"[\u3400-\u9fff]")  # ideographs; CJK punctuation used to join parts is not text
COMMENT = re.compile(r"^\s*(//|/\*|\*|<!--|\{#)")
# keys used in templates and scripts: _('k'), t("k"), QH.t("k"), data-i18n="k"
USES = [
    re.compile(r"""\b_\(\s*['"]([a-z][\w.]+)['"]"""),
    re.compile(r"""\bt\(\s*['"]([a-z][\w.]+)['"]"""),
    re.compile(r"""data-i18n(?:-[a-z]+)?=['"]([a-z][\w.]+)['"]"""),
]


def ui_files(*suffixes: str) -> list[Path]:
    return sorted(p for d in UI_DIRS for p in (ROOT / d).rglob("*") if p.suffix in suffixes)


def test_every_translation_file_has_the_same_keys_in_chinese_and_english() -> None:
    for zh in sorted(ROOT.glob("**/translations/zh.json")):
        if "node_modules" in zh.parts or ".venv" in zh.parts:
            continue
        en = zh.with_name("en.json")
        zk, ek = set(json.loads(zh.read_text("utf-8"))), set(json.loads(en.read_text("utf-8")))
        assert zk == ek, (zh.parent, sorted(zk - ek)[:10], sorted(ek - zk)[:10])


def test_every_key_a_page_uses_exists_in_both_locales() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    missing = []
    for f in ui_files(".html", ".js"):
        for rx in USES:
            for key in rx.findall(f.read_text("utf-8")):
                if not key.endswith(("_", ".")) and (
                    key not in zh or key not in en
                ):  # prefix + runtime part
                    missing.append(f"{f.relative_to(ROOT)}: {key}")
    assert not missing, missing[:20]


def test_no_chinese_text_is_written_into_a_template_or_a_script() -> None:
    found = []
    for f in ui_files(".html", ".js"):
        for i, line in enumerate(f.read_text("utf-8").splitlines(), 1):
            if CJK.search(line) and not COMMENT.match(line):
                found.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()[:80]}")
    assert not found, found[:20]
