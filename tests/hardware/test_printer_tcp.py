"""The printer layer against the ESC/POS simulator over real TCP on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.escpos_ticket import TicketLayout, render_ticket
from hardware.printer import (
    DummyPrinter,
    EscposPrinter,
    PaperOut,
    PaperOutWhilePrinting,
    PrinterOffline,
    PrinterStatus,
    PrinterTimeout,
    PrintUnconfirmed,
    open_printer,
)
from hardware.printer_sim import PrinterSimulator

URL = "https://hall.example.gov.cn/q/t/42"


def ticket_bytes(number: str = "B017", paper_mm: int = 80) -> bytes:
    return render_ticket(
        TicketLayout(
            centre_name="某某区政务服务中心",
            service_name="不动产登记（转移）：二手房𠀀",
            number=number,
            waiting_ahead=2,
            estimated_wait_min=10,
            issued_at="2024-05-06 10:02",
            wait_area="一楼A区",
            qr_url=URL,
            paper_mm=paper_mm,  # type: ignore[arg-type]
        )
    )


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    simulator = PrinterSimulator(port=0, png_dir=tmp_path / "png").start()
    yield simulator
    simulator.stop()


def printer_for(sim: PrinterSimulator) -> EscposPrinter:
    printer = open_printer(f"tcp://127.0.0.1:{sim.port}")
    assert isinstance(printer, EscposPrinter)
    return printer


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_status_ok_low_out_offline(sim: PrinterSimulator) -> None:
    printer = printer_for(sim)
    assert printer.status() == PrinterStatus(online=True, paper="ok")
    sim.paper = "low"
    assert printer.status() == PrinterStatus(online=True, paper="low")
    sim.paper = "out"
    assert printer.status().paper == "out"
    sim.paper = "ok"
    sim.offline = True
    st = printer.status()
    assert not st.online and st.paper == "ok" and st.error == "cover open"


def test_print_ticket_over_tcp_and_png(sim: PrinterSimulator) -> None:
    printer = printer_for(sim)
    printer.send(ticket_bytes())
    [ticket] = sim.wait_for_tickets(1)
    assert ticket.cut and ticket.qr_payloads == [URL]
    assert any(ln.text == "B017" and ln.width_mult >= 4 for ln in ticket.lines)
    assert "不动产登记（转移）：二手房𠀀" in "".join(ln.text for ln in ticket.lines)
    [png] = sim.png_paths
    assert png.exists() and png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_paper_low_still_prints(sim: PrinterSimulator) -> None:
    sim.paper = "low"
    printer_for(sim).send(ticket_bytes("C001", 58))
    assert [t.lines for t in sim.wait_for_tickets(1)]


def test_paper_out_refuses_and_nothing_printed(sim: PrinterSimulator) -> None:
    sim.paper = "out"
    printer = printer_for(sim)
    with pytest.raises(PaperOut):
        printer.send(ticket_bytes())
    time.sleep(0.3)  # give the simulator time to (wrongly) print anything it received
    assert sim.tickets == []
    sim.paper = "ok"  # reloaded: the retry prints exactly one ticket
    printer.send(ticket_bytes())
    assert len(sim.wait_for_tickets(1)) == 1
    time.sleep(0.2)
    assert len(sim.tickets) == 1


def test_paper_running_out_during_a_ticket_raises_paper_out_instead_of_printed(
    sim: PrinterSimulator,
) -> None:
    printer = printer_for(sim)
    sim.run_out_after(200)  # the roll ends a few lines into the ticket
    with pytest.raises(PaperOut) as caught:
        printer.send(ticket_bytes())
    assert isinstance(caught.value, PrintUnconfirmed)  # may be torn on paper: never resent blindly
    assert "while printing" in str(caught.value)
    time.sleep(0.2)
    assert sim.tickets == []  # a torn ticket is not a printed one
    assert printer.status() == PrinterStatus(online=True, paper="out")
    sim.paper = "ok"  # reloaded
    printer.send(ticket_bytes())
    assert len(sim.wait_for_tickets(1)) == 1


def test_a_roll_for_two_tickets_prints_two_and_tears_the_third() -> None:
    with PrinterSimulator(port=0, paper_after=2) as sim:
        printer = printer_for(sim)
        printer.send(ticket_bytes("A001"))
        printer.send(ticket_bytes("A002"))
        with pytest.raises(PaperOutWhilePrinting):
            printer.send(ticket_bytes("A003"))
        with pytest.raises(PaperOut):  # and nothing more is sent until the paper is reloaded
            printer.send(ticket_bytes("A004"))
        numbers = [next(ln.text for ln in t.lines if ln.width_mult >= 4) for t in sim.tickets]
        assert numbers == ["A001", "A002"]


def test_simulator_discards_data_sent_while_paper_out(sim: PrinterSimulator) -> None:
    # A client that ignores status: the simulator must print nothing, like a real printer.
    sim.paper = "out"
    with socket.create_connection(("127.0.0.1", sim.port), timeout=2) as s:
        s.sendall(ticket_bytes())
    time.sleep(0.3)
    assert sim.tickets == []


def test_offline_send_raises(sim: PrinterSimulator) -> None:
    sim.offline = True
    with pytest.raises(PrinterOffline):
        printer_for(sim).send(ticket_bytes())
    time.sleep(0.2)
    assert sim.tickets == []


def test_hung_printer_times_out_quickly(sim: PrinterSimulator) -> None:
    sim.respond = False
    printer = printer_for(sim)
    start = time.monotonic()
    st = printer.status()
    assert time.monotonic() - start < 3.0
    assert st == PrinterStatus(online=False, paper="unknown", error="timeout")
    start = time.monotonic()
    with pytest.raises(PrinterTimeout):
        printer.send(ticket_bytes())
    assert time.monotonic() - start < 3.0
    assert sim.tickets == []


def test_unreachable_host_is_offline() -> None:
    printer = open_printer(f"tcp://127.0.0.1:{unused_port()}", timeout=1.0)
    start = time.monotonic()
    st = printer.status()
    assert time.monotonic() - start < 3.0
    assert not st.online and st.paper == "unknown" and st.error
    with pytest.raises(PrinterOffline):
        printer.send(b"\x1b@x\n")


def test_several_clients_one_ticket_each(sim: PrinterSimulator) -> None:
    printer = printer_for(sim)
    for i in range(3):
        printer.send(ticket_bytes(f"A00{i}"))
    tickets = sim.wait_for_tickets(3)
    assert sorted(t.lines[0].text for t in tickets) == ["某某区政务服务中心"] * 3
    assert len(sim.png_paths) == 3


@pytest.mark.parametrize(
    ("url", "description"),
    [
        ("tcp://10.0.0.5:9100", "tcp://10.0.0.5:9100"),
        ("tcp://printer.local", "tcp://printer.local:9100"),
        ("usb://0x0416:0x5011", "usb://0416:5011"),
        ("usb://0416:5011", "usb://0416:5011"),
        ("serial:///dev/ttyUSB0?baudrate=19200", "serial:///dev/ttyUSB0?baudrate=19200"),
        ("serial:///dev/ttyS1", "serial:///dev/ttyS1?baudrate=9600"),
        ("file:///dev/usb/lp0", "file:///dev/usb/lp0"),
    ],
)
def test_open_printer_parses_urls_without_connecting(url: str, description: str) -> None:
    printer = open_printer(url)
    assert isinstance(printer, EscposPrinter)
    assert printer.description == description


@pytest.mark.parametrize(
    "url",
    [
        "lpt://1",
        "tcp://:9100",
        "tcp://host:notaport",
        "usb://0416",
        "usb://xyz:0001",
        "serial://",
        "file://",
        "/dev/usb/lp0",
        "serial:///dev/ttyUSB0?baudrate=fast",
    ],
)
def test_open_printer_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError, match="bad printer URL"):
        open_printer(url)


def test_file_printer_writes_bytes(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.write_bytes(b"")
    printer = open_printer(f"file://{target}")
    assert printer.status() == PrinterStatus(online=True, paper="unknown")
    printer.send(b"\x1b@hi\n")
    assert target.read_bytes() == b"\x1b@hi\n"
    missing = open_printer(f"file://{tmp_path}/nodir/lp0")
    assert not missing.status().online


def test_dummy_printer() -> None:
    printer = DummyPrinter()
    printer.send(b"one")
    printer.printer_status = PrinterStatus(online=True, paper="out")
    with pytest.raises(PaperOut):
        printer.send(b"two")
    printer.printer_status = PrinterStatus(online=True, paper="ok")
    printer.fail_next = PrinterTimeout("injected")
    with pytest.raises(PrinterTimeout):
        printer.send(b"three")
    printer.send(b"four")
    assert printer.jobs == [b"one", b"four"] and printer.output == b"onefour"
    printer.fail_after_write = PaperOutWhilePrinting(
        "ran out"
    )  # took the bytes, then reports the fault
    with pytest.raises(PrintUnconfirmed):
        printer.send(b"five")
    assert printer.jobs[-1] == b"five"
