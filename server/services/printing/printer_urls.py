"""Which printer URLs a device may be given: checked when saved, and again before printing.

The spooler writes a ticket to whatever the URL names, so a `file://` URL is a file the server
truncates. Only device files directly inside a folder the operator names in
PRINTER_DEVICE_DIRS (default `/dev/usb`, where `usblp` puts `lp0`, `lp1`, ...) are allowed;
never the instance folder, the database or the secret key. The other forms are checked for
their shape, so a typo is refused at the admin page, not found when the first ticket fails.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from ...engine.errors import InvalidInput

DEFAULT_DEVICE_DIRS = ("/dev/usb",)
AGENT_SCHEME = "agent://"
_SERIAL_DEVICE = re.compile(r"^/dev/(tty[A-Za-z0-9]+|serial/by-(id|path)/[A-Za-z0-9._:+-]+)$")
_AGENT_NAME = re.compile(r"^[A-Za-z0-9._-]{1,60}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class BadPrinterUrl(InvalidInput):
    """A printer URL of no known form, or a file outside the allowed device folders."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="printer_url", reason="printer_url")


def device_dirs(configured: Iterable[str] | str | None) -> tuple[str, ...]:
    """The allowed device folders from the PRINTER_DEVICE_DIRS setting (a list, or a comma-separated string)."""
    if configured is None:
        return DEFAULT_DEVICE_DIRS
    items = configured.split(",") if isinstance(configured, str) else list(configured)
    return tuple(os.path.normpath(str(d).strip()) for d in items if str(d).strip())


def check_printer_url(url: str, configured_dirs: Iterable[str] | str | None = None) -> str:
    """Return `url` when a device may print to it; raise BadPrinterUrl (422, field printer_url) otherwise."""
    if _CONTROL.search(url):
        raise BadPrinterUrl("a printer URL has no spaces or control characters")
    if url.startswith(AGENT_SCHEME):  # printed by `queuehall kiosk-agent` on the kiosk PC
        if not _AGENT_NAME.match(url[len(AGENT_SCHEME) :]):
            raise BadPrinterUrl("expected agent://<name>, e.g. agent://usb")
        return url
    from hardware.printer import open_printer  # parses only; never connects

    try:
        open_printer(url)
    except ValueError as exc:
        raise BadPrinterUrl(str(exc)) from None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        if (
            parts.username
            or parts.password
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            raise BadPrinterUrl("expected tcp://host:port, e.g. tcp://192.168.1.50:9100")
    elif scheme == "serial":
        if parts.netloc or not _SERIAL_DEVICE.match(unquote(parts.path)):
            raise BadPrinterUrl(
                "expected serial:///dev/ttyUSB0?baudrate=9600 (a serial device under /dev)"
            )
    elif scheme == "file":
        _check_device_file(parts.netloc, unquote(parts.path), device_dirs(configured_dirs))
    return url


def usable(url: str, configured_dirs: Iterable[str] | str | None = None) -> str:
    """`url` if it may be printed to; else ValueError, which the spooler takes as a job that cannot print."""
    try:
        return check_printer_url(url, configured_dirs)
    except BadPrinterUrl as exc:
        raise ValueError(exc.message) from None


def _check_device_file(host: str, path: str, dirs: tuple[str, ...]) -> None:
    allowed = ", ".join(d + "/…" for d in dirs) or "none (PRINTER_DEVICE_DIRS is empty)"
    refusal = f"file:// printers must be device files directly inside {allowed}"
    if host or not path.startswith("/") or "/../" in path + "/" or "/./" in path + "/":
        raise BadPrinterUrl(refusal)
    folder, name = os.path.split(os.path.normpath(path))
    if not name or folder not in dirs:
        raise BadPrinterUrl(refusal)
    # a link inside the folder must not lead out of it
    real = os.path.realpath(path)
    if os.path.dirname(real) not in {os.path.realpath(d) for d in dirs}:
        raise BadPrinterUrl(refusal)
    if os.path.lexists(path) and not _is_device(real):
        raise BadPrinterUrl(f"{path} is not a device file")


def _is_device(path: str) -> bool:
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True  # gone between the checks: opening it later fails harmlessly
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
