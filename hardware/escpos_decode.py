"""Streaming ESC/POS decoder: turns printer bytes back into readable tickets (for the simulator and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
ALIGN_NAMES = {0: "left", 1: "center", 2: "right"}

# Parameter byte counts of fixed-length commands we do not act on, so they are skipped whole.
# fmt: off
ESC_FIXED = {
    0x20: 1, 0x21: 1, 0x24: 2, 0x25: 1, 0x2D: 1, 0x32: 0, 0x33: 1, 0x3C: 0, 0x3D: 1, 0x3F: 1,
    0x40: 0, 0x44: -1, 0x45: 1, 0x47: 1, 0x4A: 1, 0x4B: 1, 0x4C: 0, 0x4D: 1, 0x52: 1, 0x53: 0,
    0x54: 1, 0x56: 1, 0x5C: 2, 0x61: 1, 0x63: 2, 0x64: 1, 0x65: 1, 0x69: 0, 0x6D: 0, 0x70: 3,
    0x72: 1, 0x74: 1, 0x75: 1, 0x76: 0, 0x7B: 1, 0x42: 2,
}
GS_FIXED = {
    0x21: 1, 0x23: 1, 0x2F: 1, 0x3A: 0, 0x42: 1, 0x43: 0, 0x45: 1, 0x48: 1, 0x49: 1, 0x4C: 2,
    0x50: 2, 0x54: 1, 0x57: 2, 0x5C: 2, 0x5E: 3, 0x61: 1, 0x62: 1, 0x63: 0, 0x66: 1, 0x67: 0,
    0x68: 1, 0x72: 1, 0x77: 1, 0x7C: 1,
}
FS_FIXED = {0x21: 1, 0x26: 0, 0x2D: 1, 0x2E: 0, 0x43: 1, 0x53: 2, 0x57: 1, 0x70: 2}
DLE_FIXED = {0x04: 1, 0x05: 1, 0x14: 3}
# fmt: on


@dataclass
class DecodedLine:
    """One printed line with the attributes in force when its first character arrived."""

    text: str
    align: str = "left"
    bold: bool = False
    width_mult: int = 1
    height_mult: int = 1


@dataclass
class DecodedQR:
    """A QR code the printer drew natively."""

    payload: str
    module_dots: int = 3
    align: str = "left"


@dataclass
class DecodedTicket:
    """Everything printed up to (and including) one cut."""

    lines: list[DecodedLine] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    cut: bool = False
    raw: bytes = b""
    # Lines and QR codes in print order, for drawing the ticket.
    blocks: list[DecodedLine | DecodedQR] = field(default_factory=list)

    def text(self) -> str:
        """The printed text, one line per printed line, QR codes shown as [QR: payload]."""
        out = [b.text if isinstance(b, DecodedLine) else f"[QR: {b.payload}]" for b in self.blocks]
        return "\n".join(out).strip("\n")

    def is_empty(self) -> bool:
        """True when nothing visible was printed."""
        return not self.qr_payloads and not any(line.text.strip() for line in self.lines)


class EscposDecoder:
    """Incremental parser: feed() any chunking of the byte stream, finished tickets go to on_ticket."""

    def __init__(
        self,
        on_ticket: Callable[[DecodedTicket], None] | None = None,
        on_status_query: Callable[[int], None] | None = None,
    ) -> None:
        """Set the callbacks for cut tickets and DLE EOT n real-time queries."""
        self.on_ticket = on_ticket
        self.on_status_query = on_status_query
        self.printing = True  # False: still answer queries, but print (and record) nothing
        self._pending = b""
        self._reset_state()
        self._new_ticket()

    def _reset_state(self) -> None:
        self.align, self.bold, self.width, self.height = "left", False, 1, 1
        self.chinese = False
        self.qr_size = 3

    def _new_ticket(self) -> None:
        self.ticket = DecodedTicket()
        self._raw = bytearray()
        self._spoiled = False
        self._line: list[tuple[bytes, bool]] = []
        self._line_attrs: DecodedLine | None = None
        self._qr_store = ""

    def feed(self, data: bytes) -> None:
        """Parse more bytes; an incomplete command at the end waits for the next chunk."""
        buf = self._pending + data
        pos = 0
        while pos < len(buf):
            used = self._step(buf, pos)
            if used == 0:
                break  # incomplete command
            if self.printing:
                self._raw += buf[pos : pos + used]
            elif buf[pos] != DLE:
                # Job data sent while the printer cannot print is lost, so the ticket is spoiled;
                # real-time status queries are not part of any job.
                self._spoiled = True
            pos += used
        self._pending = buf[pos:]

    def finish(self) -> DecodedTicket | None:
        """End of stream: return (and report) an uncut ticket with content, if any."""
        self._pending = b""
        self._end_line(force=False)
        ticket = self._take_ticket(cut=False)
        return ticket

    # -- parsing -----------------------------------------------------------------
    def _step(self, buf: bytes, pos: int) -> int:
        """Handle the command or text byte at pos and return bytes consumed (0 = need more)."""
        b = buf[pos]
        avail = len(buf) - pos
        if b == 0x0A:
            self._end_line(force=True)
            return 1
        if b in (ESC, GS, FS, DLE):
            if avail < 2:
                return 0
            return self._command(b, buf[pos + 1], buf, pos, avail)
        if b == 0x09:
            self._add_text(b" ")
            return 1
        if b < 0x20 or b == 0x7F:
            return 1  # CR and other controls: nothing to print
        # Printable run (GB18030 trail bytes are all >= 0x30, so control bytes always end it).
        end = pos
        while end < len(buf) and buf[end] >= 0x20 and buf[end] != 0x7F:
            end += 1
        self._add_text(buf[pos:end])
        return end - pos

    def _command(self, lead: int, cmd: int, buf: bytes, pos: int, avail: int) -> int:
        """Decode one command starting at pos (lead byte, then cmd byte)."""
        arg = buf[pos + 2] if avail > 2 else None
        if lead == DLE:
            n = DLE_FIXED.get(cmd, 0)
            if avail < 2 + n:
                return 0
            if cmd == 0x04 and arg is not None and self.on_status_query:
                self.on_status_query(arg)
            return 2 + n
        if lead == GS and cmd == 0x28:  # GS ( x pL pH data: length-prefixed
            if avail < 5:
                return 0
            size = buf[pos + 3] | (buf[pos + 4] << 8)
            if avail < 5 + size:
                return 0
            if buf[pos + 2] == 0x6B:  # GS ( k
                self._qr(buf[pos + 5 : pos + 5 + size])
            return 5 + size
        if lead == GS and cmd == 0x56:  # GS V m [n]
            if arg is None:
                return 0
            n = 4 if arg in (65, 66, 97, 98, 103, 104) else 3
            if avail < n:
                return 0
            self._end_line(force=False)
            self._take_ticket(cut=True)
            return n
        if lead == GS and cmd == 0x76:  # GS v 0 m xL xH yL yH raster data
            if avail < 8:
                return 0
            size = (buf[pos + 4] | buf[pos + 5] << 8) * (buf[pos + 6] | buf[pos + 7] << 8)
            return 8 + size if avail >= 8 + size else 0
        if lead == GS and cmd == 0x6B:  # GS k barcode
            return self._skip_barcode(buf, pos, avail)
        if lead == ESC and cmd == 0x2A:  # ESC * m nL nH bit image
            if avail < 5:
                return 0
            dots = buf[pos + 3] | buf[pos + 4] << 8
            size = 5 + dots * (3 if buf[pos + 2] in (32, 33) else 1)
            return size if avail >= size else 0
        table = {ESC: ESC_FIXED, GS: GS_FIXED, FS: FS_FIXED}[lead]
        n = table.get(cmd, 0)
        if n < 0:  # NUL-terminated list (ESC D tab stops)
            end = buf.find(b"\x00", pos + 2)
            return end - pos + 1 if end >= 0 else 0
        if avail < 2 + n:
            return 0
        self._apply(lead, cmd, arg)
        return 2 + n

    def _skip_barcode(self, buf: bytes, pos: int, avail: int) -> int:
        """Length of GS k m ...: NUL-terminated for m <= 6, counted otherwise."""
        if avail < 3:
            return 0
        if buf[pos + 2] <= 6:
            end = buf.find(b"\x00", pos + 3)
            return end - pos + 1 if end >= 0 else 0
        if avail < 4:
            return 0
        size = 4 + buf[pos + 3]
        return size if avail >= size else 0

    def _apply(self, lead: int, cmd: int, arg: int | None) -> None:
        """Apply the state-changing commands the ticket uses."""
        if lead == ESC and cmd == 0x40:  # ESC @
            self._end_line(force=False)
            self._reset_state()
        elif lead == ESC and cmd == 0x61 and arg is not None:  # ESC a
            self.align = ALIGN_NAMES.get(arg % 48, "left")
        elif lead == ESC and cmd == 0x45 and arg is not None:  # ESC E
            self.bold = bool(arg & 1)
        elif lead == ESC and cmd == 0x21 and arg is not None:  # ESC ! print mode
            self.bold = bool(arg & 0x08)
            self.height = 2 if arg & 0x10 else 1
            self.width = 2 if arg & 0x20 else 1
        elif lead == ESC and cmd == 0x64 and arg is not None:  # ESC d n: print and feed n lines
            for _ in range(max(arg, 1)):
                self._end_line(force=True)
        elif lead == ESC and cmd == 0x4A:  # ESC J: print and feed dots
            self._end_line(force=False)
        elif lead == GS and cmd == 0x21 and arg is not None:  # GS ! size
            self.width, self.height = (arg >> 4 & 7) + 1, (arg & 7) + 1
        elif lead == FS and cmd == 0x26:
            self.chinese = True
        elif lead == FS and cmd == 0x2E:
            self.chinese = False

    def _qr(self, body: bytes) -> None:
        """GS ( k body = cn fn [m] data; only QR (cn 0x31) matters."""
        if len(body) < 2 or body[0] != 0x31:
            return
        fn = body[1]
        if fn == 0x43 and len(body) >= 3:  # module size
            self.qr_size = body[2]
        elif fn == 0x50:  # store data (after m = '0')
            self._qr_store = body[3:].decode("utf-8", errors="replace")
        elif fn == 0x51 and self._qr_store and self.printing:  # print the stored symbol
            self._end_line(force=False)
            self.ticket.qr_payloads.append(self._qr_store)
            self.ticket.blocks.append(DecodedQR(self._qr_store, self.qr_size, self.align))

    # -- lines and tickets ----------------------------------------------------------
    def _add_text(self, data: bytes) -> None:
        if not self.printing:
            return
        if self._line_attrs is None:
            self._line_attrs = DecodedLine("", self.align, self.bold, self.width, self.height)
        if self._line and self._line[-1][1] == self.chinese:
            # Join runs split across chunks so a multi-byte character is decoded whole.
            self._line[-1] = (self._line[-1][0] + bytes(data), self.chinese)
        else:
            self._line.append((bytes(data), self.chinese))

    def _end_line(self, force: bool) -> None:
        """Finish the current line; force=True records a blank line too (a line feed)."""
        if not self.printing or (not self._line and not force):
            return
        attrs = self._line_attrs or DecodedLine("", self.align, self.bold, self.width, self.height)
        attrs.text = "".join(_decode(data, cn) for data, cn in self._line)
        self.ticket.lines.append(attrs)
        self.ticket.blocks.append(attrs)
        self._line, self._line_attrs = [], None

    def _take_ticket(self, cut: bool) -> DecodedTicket | None:
        """Close the current ticket; report it unless empty or spoiled by an unprintable stretch."""
        ticket, spoiled = self.ticket, self._spoiled
        ticket.cut, ticket.raw = cut, bytes(self._raw)
        self._new_ticket()
        if spoiled or ticket.is_empty():
            return None
        if self.on_ticket:
            self.on_ticket(ticket)
        return ticket


def _decode(data: bytes, chinese: bool) -> str:
    """Text bytes: GB18030 in Chinese mode, otherwise code page 437."""
    return data.decode("gb18030" if chinese else "cp437", errors="replace")


def decode_escpos(data: bytes) -> list[DecodedTicket]:
    """Decode a complete ESC/POS byte string into tickets (a trailing uncut one included)."""
    tickets: list[DecodedTicket] = []
    decoder = EscposDecoder(on_ticket=tickets.append)
    decoder.feed(data)
    decoder.finish()
    return tickets
