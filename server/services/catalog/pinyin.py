"""Pinyin search keys for item names, computed outside the server process.

pypinyin's dictionaries take about 55 MB once imported and are needed only when the
catalogue changes, so a short-lived helper process computes the keys and the server
keeps just the small results.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

_SCRIPT = r"""
import json, sys
from pypinyin import Style, lazy_pinyin
out = {}
for name in json.load(sys.stdin):
    letters = [p for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if p.isalnum()]
    full = [p for p in lazy_pinyin(name, errors="ignore") if p.isalnum()]
    out[name] = ["".join(letters).lower(), "".join(full).lower()]
json.dump(out, sys.stdout)
"""
_cache: dict[str, tuple[str, str]] = {}
_lock = threading.Lock()


def pinyin_keys_many(names: list[str]) -> dict[str, tuple[str, str]]:
    """Initials (社会保障卡 -> shbzk) and full pinyin for each name; new names in one helper call."""
    with _lock:
        missing = sorted({n for n in names if n not in _cache})
        if missing:
            try:
                proc = subprocess.run(
                    [sys.executable, "-c", _SCRIPT],
                    input=json.dumps(missing),
                    text=True,
                    capture_output=True,
                    timeout=60,
                    check=True,
                )
                for name, (initials, full) in json.loads(proc.stdout).items():
                    _cache[name] = (initials, full)
            except (OSError, subprocess.SubprocessError, ValueError):
                # search by pinyin degrades to search by characters; never fail the kiosk for it
                for name in missing:
                    _cache[name] = ("", "")
        return {n: _cache[n] for n in names}
