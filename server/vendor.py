"""Where the vendored browser files (socket.io client, Chart.js) are: no CDN, ever.

A wheel carries them in server/vendor/ (setup.py copies them from node_modules at build time);
a checkout serves them from its own node_modules after `npm ci`; QUEUEHALL_VENDOR_DIR names
another node_modules folder. Without them every live page would look normal and stay dead, so
`queuehall serve` refuses to start when one is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES: dict[str, str] = json.loads(
    (HERE / "vendor_files.json").read_text()
)  # name -> path in node_modules
PACKAGED = HERE / "vendor"


def node_modules(configured: str | None) -> Path:
    """The node_modules folder to read: the configured one, else the checkout's or the current folder's."""
    if configured:
        return Path(configured)
    for base in (HERE.parent, Path.cwd()):
        if (base / "node_modules").is_dir():
            return base / "node_modules"
    return HERE.parent / "node_modules"


def path_of(name: str, configured: str | None = None) -> Path | None:
    """The file served as /vendor/<name>, or None when it is nowhere."""
    if not configured and (PACKAGED / name).is_file():
        return PACKAGED / name
    path = node_modules(configured) / FILES[name]
    return path if path.is_file() else None


def missing(configured: str | None = None) -> list[str]:
    """The vendored files that could not be served."""
    return [name for name in FILES if path_of(name, configured) is None]
