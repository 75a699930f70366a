"""A real TCP ESC/POS ticket printer simulator (port 9100 style) for development and tests."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from hardware.escpos_decode import (
    DecodedLine,
    DecodedQR,
    DecodedTicket,
    EscposDecoder,
    decode_escpos,
)

__all__ = [
    "DecodedLine",
    "DecodedQR",
    "DecodedTicket",
    "PrinterSimulator",
    "decode_escpos",
    "run_printer_sim",
]

PAPER_STATES = ("ok", "low", "out")
# With paper_after, the roll ends this many bytes into the next ticket: past its header, well
# before its cut (a ticket is 0.5 to 2 KB), so it comes out torn.
ROLL_TAIL_BYTES = 200


class PrinterSimulator:
    """TCP printer that answers DLE EOT like real hardware and records the tickets it prints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9100,
        paper: str = "ok",
        offline: bool = False,
        png_dir: str | Path | None = None,
        respond: bool = True,
        paper_mm: int = 80,
        on_event: Callable[[str], None] | None = None,
        paper_after: int | None = None,
    ) -> None:
        """Configure the simulator; nothing listens until start().

        paper_after=N: the roll holds N whole tickets and ends partway through the next one.
        """
        if paper not in PAPER_STATES:
            raise ValueError(f"paper must be one of {PAPER_STATES}, not {paper!r}")
        if paper_after is not None and paper_after < 0:
            raise ValueError("paper_after must be 0 or more tickets")
        self.host, self.port = host, port
        self._paper, self._offline, self._respond = paper, offline, respond
        self.png_dir = Path(png_dir) if png_dir else None
        self.paper_mm = paper_mm
        self.on_event = on_event
        self.png_paths: list[Path] = []
        self._tickets: list[DecodedTicket] = []
        self._count = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()
        self._paper_after = paper_after
        self._roll: int | None = ROLL_TAIL_BYTES if paper_after == 0 else None
        self._roll_lock = threading.Lock()

    # -- settable state (reported as events so a console shows every change) --------------
    @property
    def paper(self) -> str:
        """Paper sensor state: "ok", "low" or "out"."""
        return self._paper

    @paper.setter
    def paper(self, value: str) -> None:
        if value not in PAPER_STATES:
            raise ValueError(f"paper must be one of {PAPER_STATES}, not {value!r}")
        if value != "out":
            with self._roll_lock:  # a new roll: it lasts until told otherwise
                self._roll, self._paper_after = None, None
        self._paper = value
        self._emit(f"paper {value}")

    @property
    def offline(self) -> bool:
        """True while the printer reports itself offline (cover open)."""
        return self._offline

    @offline.setter
    def offline(self, value: bool) -> None:
        self._offline = bool(value)
        self._emit("offline (cover open)" if value else "online")

    @property
    def respond(self) -> bool:
        """False makes a hung printer: connections are accepted, nothing is answered or printed."""
        return self._respond

    @respond.setter
    def respond(self, value: bool) -> None:
        self._respond = bool(value)
        self._emit("responding" if value else "hung (not answering status queries)")

    def run_out_after(self, nbytes: int) -> None:
        """Let the roll end after nbytes more bytes of print data, so the next job comes out torn."""
        with self._roll_lock:
            self._roll = max(0, int(nbytes))
        self._emit(f"the roll ends after {nbytes} more bytes")

    @property
    def tickets(self) -> list[DecodedTicket]:
        """A snapshot of the tickets printed so far."""
        with self._cond:
            return list(self._tickets)

    def can_print(self) -> bool:
        """True when data received now would be printed."""
        return self._respond and not self._offline and self._paper != "out"

    def wait_for_tickets(self, count: int, timeout: float = 5.0) -> list[DecodedTicket]:
        """Block until at least count tickets were printed (or timeout); return the snapshot."""
        with self._cond:
            self._cond.wait_for(lambda: len(self._tickets) >= count, timeout)
            return list(self._tickets)

    def clear(self) -> None:
        """Forget the tickets printed so far."""
        with self._cond:
            self._tickets.clear()

    # -- status replies -----------------------------------------------------------------
    def status_byte(self, n: int) -> int:
        """The DLE EOT n reply byte (fixed bits 1 and 4 always set, as on Epson printers)."""
        value = 0x12
        paper_out = self._paper == "out"
        if n == 1 and self._offline:
            value |= 0x08  # bit 3: offline
        elif n == 2:
            value |= (0x04 if self._offline else 0) | (0x20 if paper_out else 0)
        elif n == 4:
            value |= (0x0C if self._paper in ("low", "out") else 0) | (0x60 if paper_out else 0)
        return value

    # -- server ---------------------------------------------------------------------
    def start(self) -> PrinterSimulator:
        """Listen in a background thread; with port=0 the chosen port is stored in .port."""
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((self.host, self.port))
        srv.listen(8)
        srv.settimeout(0.2)  # lets the accept loop notice stop()
        self.port = srv.getsockname()[1]
        self._server = srv
        self._stop.clear()
        t = threading.Thread(target=self._accept_loop, name=f"printer-sim:{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        """Stop listening, drop connections and wait for the worker threads."""
        self._stop.set()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for t in list(self._threads):
            t.join(timeout=2)
        self._threads.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()] + [t]

    def _serve(self, conn: socket.socket) -> None:
        """One client connection: parse its byte stream, answer queries, record tickets."""
        self._conns.add(conn)
        conn.settimeout(0.2)

        def answer(n: int) -> None:
            if self._respond:
                with contextlib.suppress(OSError):
                    conn.sendall(bytes([self.status_byte(n)]))

        decoder = EscposDecoder(on_ticket=self._record, on_status_query=answer)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                # Decided per chunk: what arrives while paper is out or offline is lost.
                decoder.printing = self.can_print()
                self._feed(decoder, data)
            decoder.printing = self.can_print()
            decoder.finish()
        finally:
            self._conns.discard(conn)
            conn.close()

    def _feed(self, decoder: EscposDecoder, data: bytes) -> None:
        """Feed a chunk, running out of paper inside it when the roll ends there."""
        with self._roll_lock:
            roll = self._roll
            only_queries = len(data) % 3 == 0 and all(
                data[i : i + 2] == b"\x10\x04" for i in range(0, len(data), 3)
            )
            if roll is None or not decoder.printing or only_queries or len(data) <= roll:
                if roll is not None and decoder.printing and not only_queries:
                    self._roll = roll - len(data)
                head, tail = data, b""
            else:
                head, tail = data[:roll], data[roll:]
                self._roll = None
        decoder.feed(head)
        if tail:
            # The paper sensor trips: the rest of the job is lost and status reports paper out.
            self._paper = "out"
            self._emit("paper ran out while printing")
            decoder.printing = False
            decoder.feed(tail)

    def _record(self, ticket: DecodedTicket) -> None:
        with self._cond:
            self._count += 1
            index = self._count
        if self._paper_after is not None and index >= self._paper_after:
            with self._roll_lock:
                if self._roll is None and self._paper != "out":
                    self._roll = ROLL_TAIL_BYTES
        if self.png_dir is not None:
            # Written before the ticket is published, so a waiter finds the picture in place.
            from hardware.ticket_png import render_ticket_png

            name = f"ticket-{datetime.now():%Y%m%d-%H%M%S}-{index:04d}.png"
            self.png_paths.append(render_ticket_png(ticket, self.png_dir / name, self.paper_mm))
        with self._cond:
            self._tickets.append(ticket)
            self._cond.notify_all()
        first = next((ln.text.strip() for ln in ticket.lines if ln.width_mult >= 4), "")
        qr = f" qr={ticket.qr_payloads[0]}" if ticket.qr_payloads else ""
        where = f" png={self.png_paths[-1]}" if self.png_dir is not None else ""
        self._emit(f"ticket #{index} {first or '?'} ({len(ticket.raw)} bytes){qr}{where}")

    def _emit(self, message: str) -> None:
        if self.on_event is not None:
            self.on_event(message)


COMMANDS = "ok | low | out | runout | offline | online | hang | respond | quit"


def run_printer_sim(
    port: int,
    paper: str,
    offline: bool,
    png_dir: str | None,
    host: str = "127.0.0.1",
    paper_after: int | None = None,
) -> None:
    """Run the simulator in the foreground until Ctrl-C; stdin commands change its state."""

    def say(message: str) -> None:
        print(f"{datetime.now():%H:%M:%S} {message}", flush=True)

    sim = PrinterSimulator(
        host=host, port=port, paper=paper, offline=offline, png_dir=png_dir, paper_after=paper_after
    )
    sim.start()
    say(f"printer simulator on tcp://{host}:{sim.port} paper={paper} offline={offline}")
    say(f"type a command and Enter: {COMMANDS}")
    sim.on_event = say
    try:
        while True:
            line = sys.stdin.readline()
            if not line:  # stdin closed (e.g. run as a service): just keep serving
                while True:
                    time.sleep(3600)
            cmd = line.strip().lower()
            if cmd in PAPER_STATES:
                sim.paper = cmd
            elif cmd == "runout":  # the roll ends partway through the next ticket
                sim.run_out_after(ROLL_TAIL_BYTES)
            elif cmd in ("offline", "online"):
                sim.offline = cmd == "offline"
            elif cmd in ("hang", "respond"):
                sim.respond = cmd == "respond"
            elif cmd in ("quit", "exit"):
                break
            elif cmd:
                say(f"unknown command {cmd!r}; use {COMMANDS}")
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        say("printer simulator stopped")
