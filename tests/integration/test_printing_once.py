"""One request for paper gives one whole ticket: printer confirmation, reprints, stale jobs.

Against the TCP printer simulator, on real SQLite and PostgreSQL (the module's hall comes from
test_printing's fixtures, imported by name; pytest finds them as module attributes, which ruff
reads as unused imports redefined by the test arguments).
"""
# ruff: noqa: F811

from __future__ import annotations

import time
from typing import Any

from hardware.printer_sim import PrinterSimulator
from server.services.printing.spooler import Spooler
from tests.integration.test_printing import (  # noqa: F401  (fixtures are found by name)
    FAST,
    eventually,
    hall,
    issue,
    jobs,
    kiosk_socket,
    print_state,
    set_printer,
    shared_hall,
    sim,
    spooler,
    updates,
)


def numbers_on_paper(sim: PrinterSimulator) -> list[str]:
    return [next(ln.text.strip() for ln in t.lines if ln.width_mult >= 4) for t in sim.tickets]


def reprint(hall: Any, ticket_id: int) -> None:
    r = hall.client("kiosk").post(f"/api/v1/tickets/{ticket_id}/print")
    assert r.status_code == 200 and r.get_json()["print_state"] == "queued"


def test_paper_running_out_mid_ticket_is_failed_not_printed_and_a_reprint_gives_one(
    hall: Any, sim: PrinterSimulator, spooler: Spooler
) -> None:
    kiosk = kiosk_socket(hall)
    sim.run_out_after(200)  # the roll ends a few lines into the ticket
    t = issue(hall)
    eventually(lambda: print_state(hall, t["id"]) == "failed")
    [job] = jobs(hall, t["id"])
    assert job.attempts == 1, "a torn ticket must not be sent again by itself"
    assert "paper ran out while printing" in (job.last_error or "")
    seen = kiosk.get_received()
    failed = [
        m["args"][0]
        for m in seen
        if m["name"] == "print.updated" and m["args"][0]["print_state"] == "failed"
    ]
    assert failed and failed[0]["number"] == t["number"]  # the kiosk can show the ticket on screen
    paper = [m["args"][0]["paper"] for m in seen if m["name"] == "printer.status"]
    assert paper and paper[-1] == "out"
    assert sim.tickets == [] and sim.paper == "out"
    sim.paper = "ok"  # a new roll
    reprint(hall, t["id"])
    eventually(lambda: print_state(hall, t["id"]) == "printed")
    time.sleep(0.3)
    assert numbers_on_paper(sim) == [t["number"]]
    kiosk.disconnect()


def test_a_reprint_while_the_printer_is_offline_gives_exactly_one_ticket_when_it_returns(
    hall: Any, sim: PrinterSimulator
) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    sim.offline = True
    sp = Spooler(
        hall.ctx, config={**FAST, "PRINTER_RETRIES": 50, "PRINTER_BACKOFF_S": 0.02}
    ).start()
    try:
        t = issue(hall)
        eventually(lambda: (jobs(hall, t["id"])[0].attempts or 0) >= 2)  # retrying
        reprint(hall, t["id"])  # the visitor asks again while the first job still waits to retry
        time.sleep(0.1)
        reprint(hall, t["id"])
        time.sleep(0.2)
        assert sim.tickets == []
        sim.offline = False  # the cover is closed again
        eventually(lambda: print_state(hall, t["id"]) == "printed")
        time.sleep(0.5)  # long enough for any other job of the ticket to come out too
    finally:
        sp.stop()
    assert numbers_on_paper(sim) == [t["number"]]
    states = [j.state for j in jobs(hall, t["id"])]
    assert states.count("printed") == 1 and states.count("superseded") == 2, states
    assert states[-1] == "printed"
    listed = hall.client("super").get(f"/api/v1/tickets/{t['id']}/print-jobs").get_json()["items"]
    assert [j["state"] for j in listed] == states
    assert all("superseded by" in j["error"] for j in listed if j["state"] == "superseded")


def test_a_reprint_while_the_first_job_is_on_its_way_waits_for_it(
    hall: Any, sim: PrinterSimulator
) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    sp = Spooler(hall.ctx, config=FAST)  # driven by hand: no thread
    kiosk = kiosk_socket(hall)
    # the first job is being sent when the reprint comes; it then prints
    t = issue(hall)
    first = jobs(hall, t["id"])[0].id
    assert sp.claim(first)
    reprint(hall, t["id"])
    second = jobs(hall, t["id"])[1].id
    assert not sp.claim(second), "two jobs of one ticket must never be sent at once"
    assert sp.finish(first, None) == "printed"
    assert [j.state for j in jobs(hall, t["id"])] == ["printed", "superseded"]
    assert jobs(hall, t["id"])[1].last_error == f"the ticket was printed by job {first}"
    assert print_state(hall, t["id"]) == "printed"
    # ... or it fails: then the reprint takes over instead of a retry of the first
    u = issue(hall)
    first = jobs(hall, u["id"])[0].id
    assert sp.claim(first)
    reprint(hall, u["id"])
    assert sp.finish(first, "printer offline", passing=True) == "superseded"
    assert print_state(hall, u["id"]) == "queued"
    second = jobs(hall, u["id"])[1].id
    assert sp.claim(second)
    assert sp.finish(second, None) == "printed"
    assert [j.state for j in jobs(hall, u["id"])] == ["superseded", "printed"]
    last = [p for p in updates(kiosk) if p["ticket_id"] == u["id"]][-1]
    assert (last["print_state"], last["job_id"]) == ("printed", second)
    kiosk.disconnect()


def test_a_job_from_an_earlier_business_day_fails_visibly_instead_of_printing(
    hall: Any, sim: PrinterSimulator
) -> None:
    set_printer(hall, f"tcp://127.0.0.1:{sim.port}")
    kiosk = kiosk_socket(hall)
    old = issue(hall)  # queued while no spooler runs (the server is down overnight)
    hall.clock.advance(days=1)
    try:
        today = issue(hall)
        sp = Spooler(hall.ctx, config=FAST).start()
        try:
            eventually(lambda: print_state(hall, today["id"]) == "printed")
            eventually(lambda: print_state(hall, old["id"]) == "failed")
            time.sleep(0.3)
        finally:
            sp.stop()
    finally:
        hall.clock.advance(days=-1)
    assert numbers_on_paper(sim) == [today["number"]]
    [job] = jobs(hall, old["id"])
    assert (job.state, job.attempts) == ("failed", 0)  # never sent
    assert (job.last_error or "").startswith("stale") and "earlier business day" in (
        job.last_error or ""
    )
    told = [
        p for p in updates(kiosk) if p["ticket_id"] == old["id"] and p["print_state"] == "failed"
    ]
    assert told and told[0]["stale"] is True
    kiosk.disconnect()
