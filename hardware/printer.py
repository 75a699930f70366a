"""Ticket printer access: URL-addressed ESC/POS transports with DLE EOT status checks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

PaperState = Literal["ok", "low", "out", "unknown"]

# DLE EOT n: real-time status transmission (answered even while the printer is busy).
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
DLE_EOT_PAPER = b"\x10\x04\x04"
OFFLINE_BIT = 0x08  # n=1, bit 3
PAPER_NEAR_END_BITS = 0x0C  # n=4, bits 2-3
PAPER_OUT_BITS = 0x60  # n=4, bits 5-6
# n=2 offline causes, in the order a person at the kiosk should fix them.
OFFLINE_CAUSES = ((0x04, "cover open"), (0x20, "paper end"), (0x08, "feed button"), (0x40, "error"))


@dataclass
class PrinterStatus:
    """What the printer reported; paper is "unknown" when it could not be asked."""

    online: bool
    paper: PaperState
    error: str | None = None


class PrinterError(Exception):
    """A printer fault; the ticket was not (completely) printed."""


class PrinterOffline(PrinterError):
    """The printer is unreachable or reports itself offline."""


class PaperOut(PrinterError):
    """The printer reports no paper; nothing was sent."""


class PrinterTimeout(PrinterError):
    """The printer accepted the connection but did not answer in time."""


class PrintUnconfirmed(PrinterError):
    """The ticket was sent but the printer did not confirm it came out whole.

    It may be partly or wholly on paper (a printer keeps its buffer while the cover is
    open), so it must not be resent automatically: fail it visibly and let a person reprint.
    """


class PaperOutWhilePrinting(PaperOut, PrintUnconfirmed):
    """The paper ran out while the printer worked through the ticket."""


class OfflineWhilePrinting(PrinterOffline, PrintUnconfirmed):
    """The printer went offline (or stopped answering) after taking the ticket."""


class TicketPrinter(Protocol):
    """Anything that can report its status and print raw ESC/POS bytes."""

    def status(self) -> PrinterStatus:
        """Ask the printer for its current status; never raises."""
        ...

    def send(self, data: bytes) -> None:
        """Print raw ESC/POS bytes, raising a PrinterError subclass on fault."""
        ...


def _raise_for(st: PrinterStatus) -> None:
    """Raise the PrinterError matching a status that does not allow printing."""
    # Paper first: a real printer also goes offline when its paper runs out.
    if st.paper == "out":
        raise PaperOut(st.error or "paper out")
    if st.error == "timeout":
        raise PrinterTimeout("printer did not answer the status query")
    if not st.online:
        raise PrinterOffline(st.error or "offline")


class EscposPrinter:
    """A TicketPrinter over a python-escpos transport, connecting afresh for each operation."""

    def __init__(
        self,
        factory: Callable[[], Any],
        description: str,
        timeout: float = 3.0,
        can_read: bool = True,
        confirm_s: float = 0.0,
    ) -> None:
        """Store how to build the transport; nothing is opened here."""
        self._factory = factory
        self.description = description
        self.timeout = timeout
        self.confirm_s = confirm_s
        # Status replies should come back in milliseconds; keep the whole query well under timeout.
        self.read_timeout = min(timeout, 1.5)
        self.can_read = can_read
        # One operation at a time: most printers accept a single connection.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EscposPrinter({self.description!r})"

    def status(self) -> PrinterStatus:
        """Open the transport, query DLE EOT status and close again; never raises."""
        with self._lock:
            try:
                dev = self._open()
            except PrinterError as exc:
                return PrinterStatus(online=False, paper="unknown", error=str(exc))
            try:
                return self._query(dev)
            finally:
                self._close(dev)

    def send(self, data: bytes) -> None:
        """Check status, write the bytes, then check again that the printer still has paper.

        All on one connection. Raises PrinterError; a subclass of PrintUnconfirmed when the
        fault showed only after the write (the ticket may be partly printed).
        """
        with self._lock:
            dev = self._open()
            try:
                _raise_for(self._query(dev))
                self._write(dev, data)
                self._confirm(dev)
            finally:
                self._close(dev)

    def _confirm(self, dev: Any) -> None:
        """Ask DLE EOT 1 and 4 after the write: "printed" means the printer still reports paper."""
        if not self.can_read:
            return  # write-only device file: nothing can be confirmed (documented in the README)
        if self.confirm_s > 0:
            # Some paper sensors report only once the printer has worked through its buffer.
            time.sleep(self.confirm_s)
        raw = getattr(dev, "device", None)
        if isinstance(raw, socket.socket):
            # A printer may answer only after printing what it holds: allow the full timeout.
            raw.settimeout(self.timeout)
        st = self._query(dev)
        if st.paper == "out":
            raise PaperOutWhilePrinting(f"{self.description}: paper ran out while printing")
        if st.error == "timeout" or st.error == "no reply":
            raise OfflineWhilePrinting(f"{self.description}: no status answer after printing")
        if not st.online:
            raise OfflineWhilePrinting(
                f"{self.description}: went offline while printing ({st.error})"
            )

    # -- transport helpers -------------------------------------------------
    def _open(self) -> Any:
        """Build and open the transport, mapping every failure to PrinterOffline."""
        try:
            dev = self._factory()
            dev.open()
        except Exception as exc:  # DeviceNotFoundError, RuntimeError (missing pyusb), OSError
            raise PrinterOffline(f"{self.description}: {_one_line(exc)}") from exc
        raw = getattr(dev, "device", None)
        if isinstance(raw, socket.socket):
            # The connect used the full timeout; status replies get the short one.
            raw.settimeout(self.read_timeout)
            # A status query right after the ticket must not wait for the ticket's ACK (Nagle
            # with delayed ACK holds it up to 40 ms).
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return dev

    @staticmethod
    def _close(dev: Any) -> None:
        """Close the transport, ignoring errors from a connection that already died."""
        try:
            dev.close()
        except Exception:
            pass

    def _ask(self, dev: Any, query: bytes) -> int | None:
        """Send one DLE EOT query and return the status byte, None if nothing came back."""
        dev._raw(query)
        reply = dev._read()
        return reply[-1] if reply else None

    def _query(self, dev: Any) -> PrinterStatus:
        """Ask printer and paper status over an open transport."""
        if not self.can_read:
            # Write-only device files cannot answer; assume it works and let the spooler retry.
            return PrinterStatus(online=True, paper="unknown")
        try:
            st1 = self._ask(dev, DLE_EOT_PRINTER)
            if st1 is None:
                return PrinterStatus(online=False, paper="unknown", error="no reply")
            st4 = self._ask(dev, DLE_EOT_PAPER)
            online = not st1 & OFFLINE_BIT
            paper: PaperState = "unknown"
            if st4 is not None:
                paper = (
                    "out" if st4 & PAPER_OUT_BITS else "low" if st4 & PAPER_NEAR_END_BITS else "ok"
                )
            error = None
            if not online:
                st2 = self._ask(dev, DLE_EOT_OFFLINE_CAUSE)
                causes = [name for bit, name in OFFLINE_CAUSES if st2 is not None and st2 & bit]
                error = ", ".join(causes) or "offline"
            return PrinterStatus(online=online, paper=paper, error=error)
        except TimeoutError:
            return PrinterStatus(online=False, paper="unknown", error="timeout")
        except Exception as exc:  # pyusb/pyserial raise their own errors
            if "timeout" in str(exc).lower() or "timed out" in str(exc).lower():
                return PrinterStatus(online=False, paper="unknown", error="timeout")
            return PrinterStatus(online=False, paper="unknown", error=_one_line(exc))

    def _write(self, dev: Any, data: bytes) -> None:
        """Write the job, with a write timeout scaled to its size."""
        raw = getattr(dev, "device", None)
        if isinstance(raw, socket.socket):
            raw.settimeout(self.timeout)
        try:
            dev._raw(data)
            if hasattr(dev, "flush"):
                dev.flush()
        except TimeoutError as exc:
            raise PrinterTimeout(f"{self.description}: write timed out") from exc
        except Exception as exc:
            if "timeout" in str(exc).lower():
                raise PrinterTimeout(f"{self.description}: {_one_line(exc)}") from exc
            raise PrinterOffline(f"{self.description}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    """Exception text on one line (python-escpos embeds newlines)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _network(host: str, port: int, timeout: float) -> Any:
    """python-escpos Network transport whose open() does not leak the socket when connect fails."""
    from escpos.printer import Network

    class _Network(Network):
        def open(self, raise_not_found: bool = True) -> None:
            # create_connection closes its socket on failure; the OSError maps to PrinterOffline.
            self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)

    return _Network(host, port, timeout=timeout)


def _parse_usb_id(text: str) -> int:
    """Parse a USB vendor/product id written as 0x0416 or 0416 (always hex)."""
    text = text.strip().lower()
    text = text[2:] if text.startswith("0x") else text
    if not text or len(text) > 4:
        raise ValueError(f"bad USB id {text!r}: expected 4 hex digits like 0x0416")
    return int(text, 16)


def open_printer(url: str, timeout: float = 3.0, confirm_s: float = 0.0) -> TicketPrinter:
    """Return a printer for tcp://host:port, usb://vid:pid, serial:///dev/x?baudrate=n or file:///path.

    confirm_s waits that long after writing a ticket before asking whether paper is left.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        try:
            host, port = parts.hostname, parts.port or 9100
        except ValueError as exc:
            raise ValueError(f"bad printer URL {url!r}: {exc}") from exc
        if not host:
            raise ValueError(f"bad printer URL {url!r}: expected tcp://host:port")
        return EscposPrinter(
            lambda: _network(host, port, timeout),
            f"tcp://{host}:{port}",
            timeout,
            confirm_s=confirm_s,
        )
    if scheme == "usb":
        ids = (parts.netloc + parts.path).strip("/").split(":")
        if len(ids) != 2:
            raise ValueError(
                f"bad printer URL {url!r}: expected usb://vid:pid, e.g. usb://0x0416:0x5011"
            )
        try:
            vid, pid = _parse_usb_id(ids[0]), _parse_usb_id(ids[1])
        except ValueError as exc:
            raise ValueError(f"bad printer URL {url!r}: {exc}") from exc
        from escpos.printer import Usb

        # pyusb timeouts are in milliseconds.
        return EscposPrinter(
            lambda: Usb(vid, pid, timeout=int(timeout * 1000)),
            f"usb://{vid:04x}:{pid:04x}",
            timeout,
            confirm_s=confirm_s,
        )
    if scheme == "serial":
        dev = unquote(parts.path)
        if not dev:
            raise ValueError(
                f"bad printer URL {url!r}: expected serial:///dev/ttyUSB0?baudrate=9600"
            )
        query = parse_qs(parts.query)
        try:
            baud = int(query.get("baudrate", ["9600"])[0])
        except ValueError as exc:
            raise ValueError(f"bad printer URL {url!r}: baudrate must be an integer") from exc
        from escpos.printer import Serial

        return EscposPrinter(
            lambda: Serial(dev, baudrate=baud, timeout=min(timeout, 1.5)),
            f"serial://{dev}?baudrate={baud}",
            timeout,
            confirm_s=confirm_s,
        )
    if scheme == "file":
        path = unquote(parts.path)
        if not path:
            raise ValueError(f"bad printer URL {url!r}: expected file:///dev/usb/lp0")
        from escpos.printer import File

        # python-escpos opens device files write-only, so no status can be read back.
        return EscposPrinter(lambda: File(path), f"file://{path}", timeout, can_read=False)
    raise ValueError(
        f"bad printer URL {url!r}: scheme must be tcp://, usb://, serial:// or file://"
    )


def _escpos_dummy() -> Any:
    from escpos.printer import Dummy  # lazy: python-escpos is heavy to import

    return Dummy()


@dataclass
class DummyPrinter:
    """Recording fake for tests: keeps every job, reports a settable status, can inject faults."""

    printer_status: PrinterStatus = field(
        default_factory=lambda: PrinterStatus(online=True, paper="ok")
    )
    fail_next: PrinterError | None = None
    # Raised after the next job was recorded: the fault a printer reports once it took the ticket.
    fail_after_write: PrintUnconfirmed | None = None
    jobs: list[bytes] = field(default_factory=list)
    _dummy: Any = field(default_factory=lambda: _escpos_dummy(), repr=False)

    def status(self) -> PrinterStatus:
        """Return the configured status."""
        return self.printer_status

    def send(self, data: bytes) -> None:
        """Record the job unless the status or an injected fault forbids it."""
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        _raise_for(self.printer_status)
        self._dummy._raw(data)
        self.jobs.append(data)
        if self.fail_after_write is not None:
            exc2, self.fail_after_write = self.fail_after_write, None
            raise exc2

    @property
    def output(self) -> bytes:
        """All bytes printed so far, concatenated."""
        return self._dummy.output
