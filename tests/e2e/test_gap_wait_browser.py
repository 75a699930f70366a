"""A page that sees a `seq` gap waits briefly for the missing event before it asks for a snapshot.

Several processes share Redis, and another process's event can overtake one of ours: the page (all
pages share server/static/qh/client.js) holds the early event, draws both in `seq` order once the
missing one arrives, and only asks for a snapshot when it does not.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import LiveServer, screenshot

ARRIVE = """([name, payload]) => {
  for (const f of window.QD_rt.socket.listenersAny()) f(name, payload);
}"""


def call(seq: int, number: str) -> list[Any]:
    return [
        "ticket.called",
        {
            "seq": seq,
            "ticket": {"id": 900000 + seq, "number": number, "service_id": 1},
            "window": {"id": 1, "number": 1, "name": "一号窗口"},
            "recall": False,
            "text": f"请{number}号到1号窗口办理",
        },
    ]


def test_an_event_that_overtook_another_waits_for_it_and_both_are_drawn_in_order(
    browser: Any, live_server: LiveServer
) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/display/hall?token={live_server.token_of('display')}")
    page.wait_for_function("window.QD_snapshots > 0", timeout=10_000)
    snaps = page.evaluate("window.QD_snapshots")
    s = int(page.evaluate("Number(document.body.dataset.snapshotSeq)"))
    page.evaluate(ARRIVE, call(s + 2, "Z902"))  # the later event first, from another process
    page.evaluate(ARRIVE, call(s + 1, "Z901"))  # then the one it overtook
    drawn = [c["seq"] for c in page.evaluate("window.QD_log") if c["seq"] > s]
    assert drawn == [s + 1, s + 2]
    assert page.text_content("#latest-number") == "Z902"
    assert page.evaluate("window.QD_snapshots") == snaps, "no snapshot was needed"
    screenshot(page, "display-hall-gap-filled")

    # an event whose predecessor never comes: after the wait, the page redraws from a snapshot
    page.evaluate(ARRIVE, call(s + 4, "Z904"))
    assert [c["seq"] for c in page.evaluate("window.QD_log") if c["seq"] > s + 2] == []
    page.wait_for_function("n => window.QD_snapshots > n", arg=snaps, timeout=10_000)
    assert errors == []
    page.close()
