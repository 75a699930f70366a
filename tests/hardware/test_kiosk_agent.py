"""The kiosk agent's printing against the TCP printer simulator: once per job, across restarts."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from hardware.escpos_ticket import TicketLayout, render_ticket
from hardware.printer_sim import PrinterSimulator
from kiosk.agent import KioskAgent


def job(job_id: int, number: str) -> dict[str, object]:
    data = render_ticket(
        TicketLayout(
            centre_name="测试中心",
            service_name="社会保障卡补换",
            number=number,
            waiting_ahead=0,
            issued_at="2026-12-02 09:00",
            qr_url="http://h/t/x",
        )
    )
    return {"job_id": job_id, "ticket_id": job_id, "data_b64": base64.b64encode(data).decode()}


def agent(sim: PrinterSimulator, state_dir: Path, token: str = "qhd_kiosk") -> KioskAgent:
    return KioskAgent(
        "http://hall.local:8000", token, f"tcp://127.0.0.1:{sim.port}", state_dir=state_dir
    )


def test_a_job_retried_after_the_agent_restarts_is_not_printed_twice(tmp_path: Path) -> None:
    with PrinterSimulator(port=0) as sim:
        first = agent(sim, tmp_path)
        assert first.handle(job(41, "B007"))["ok"] is True
        assert len(sim.wait_for_tickets(1)) == 1
        # the agent (or the kiosk PC) restarts before the server heard the answer; the server retries
        again = agent(sim, tmp_path)
        result = again.handle(job(41, "B007"))
        assert result["ok"] is True and result["job_id"] == 41
        assert again.handle(job(42, "B008"))["ok"] is True  # a new job still prints
        tickets = sim.wait_for_tickets(2)
        assert [t.text().count("B007") for t in tickets] == [1, 0] and "B008" in tickets[1].text()
        saved = json.loads(
            Path(again.printed.path or "").read_text()
        )  # kept on disk, not in memory
        assert saved == {"printed_job_ids": [41, 42]}
        # another server's (or kiosk's) job 41 is a different job: its ids are kept apart
        other = agent(sim, tmp_path, token="qhd_other_kiosk")
        assert other.handle(job(41, "C001"))["ok"] is True
        assert len(sim.wait_for_tickets(3)) == 3


def test_a_ticket_torn_by_the_paper_running_out_is_reported_unconfirmed_and_not_remembered(
    tmp_path: Path,
) -> None:
    with PrinterSimulator(port=0) as sim:
        kiosk = agent(sim, tmp_path)
        sim.run_out_after(200)
        result = kiosk.handle(job(7, "A001"))
        assert (
            result["ok"] is False and result["unconfirmed"] is True
        )  # the server must not resend it by itself
        assert result["status"]["paper"] == "out" and "paper ran out" in result["error"]
        assert 7 not in kiosk.printed
        sim.paper = "ok"
        assert kiosk.handle(job(7, "A001"))["ok"] is True  # not remembered: sent again, it prints
        assert len(sim.wait_for_tickets(1)) == 1
