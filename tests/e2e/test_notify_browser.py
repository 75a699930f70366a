"""到号前短信提醒我 in headless Chromium (issue 19): the kiosk's ticket screen (a checkbox, the phone on
a digit pad, masked once sent) and the ticket's page on a phone, in Chinese and English; the notice
then goes to the phone given, and only to it.

The app runs in this process on a werkzeug server with the test's clock (Monday 30 Nov 2026, 09:00
in the hall)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from server.storage.models import Notice
from tests.conftest import Hall, build_hall, free_port, screenshot

API = "/api/v1"
PHONE = "13812345678"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hall, str]]:
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    port = free_port()
    srv = make_server("127.0.0.1", port, hall.app, threaded=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield hall, f"http://127.0.0.1:{port}"
    srv.shutdown()
    hall.ctx.db.dispose()


def _page(browser: Any, width: int, height: int, locale: str) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, has_touch=True
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return ctx, page, errors


def _notices(hall: Hall) -> list[tuple[str, int | None, str]]:
    with hall.ctx.uow(write=False) as uow:
        return [
            (n.kind, n.ticket_id, n.recipient)
            for n in uow.session.scalars(select(Notice).order_by(Notice.id))
        ]


def _walk_ins(hall: Hall, n: int) -> list[Any]:
    kiosk = hall.client("kiosk")
    return [
        kiosk.post(f"{API}/tickets", json={"service_id": hall.ids["A"]}).get_json()
        for _ in range(n)
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kiosk_ticket_screen_opt_in(served: tuple[Hall, str], browser: Any, lang: str) -> None:
    hall, url = served
    ahead = _walk_ins(hall, 3)  # three before this visitor: the notice waits for a call
    ctx, page, errors = _page(browser, 1080, 1920, "zh-CN" if lang == "zh" else "en-US")
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}&lang={lang}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    page.click(".k-tile:has-text('区市场监督管理局')")
    page.locator(".k-item").first.wait_for()
    page.click(".k-item >> nth=0")
    page.click("[data-testid=take]")
    page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    number = page.inner_text("[data-testid=ticket-number]").strip()
    box = page.locator("[data-testid=notify-check]")
    assert not box.is_checked()
    want = "到号前短信提醒我" if lang == "zh" else "Text me before my turn"
    assert want in page.inner_text("[data-testid=notify]")
    screenshot(page, f"kiosk-notify-{lang}-1-ticket")
    box.click()
    page.locator("[data-testid=notify-dialog]").wait_for(state="visible")
    for ch in "1381234":  # a half-typed number is refused, not sent
        page.click(f"#k-nkeypad [data-key='{ch}']")
    page.click("[data-testid=notify-confirm]")
    assert page.inner_text("[data-testid=notify-error]").strip() != ""
    for ch in "5678":
        page.click(f"#k-nkeypad [data-key='{ch}']")
    assert page.get_attribute("[data-testid=notify-phone]", "data-value") == PHONE
    screenshot(page, f"kiosk-notify-{lang}-2-phone")
    page.click("[data-testid=notify-confirm]")
    page.locator("[data-testid=notify-dialog]").wait_for(state="hidden")
    state = page.locator("[data-testid=notify-state]")
    state.wait_for(state="visible")
    assert "138****5678" in state.inner_text()
    assert PHONE not in page.content()  # masked once sent; the pad's cells are cleared
    assert box.is_checked() and box.is_disabled()
    screenshot(page, f"kiosk-notify-{lang}-3-on")
    # a window calls the first walk-in: two ahead, the hall's setting — texted to this phone
    clerk = hall.client("clerk1")
    assert clerk.post(f"{API}/windows/{hall.ids['w1']}/open", json={}).status_code == 200
    assert (
        clerk.post(f"{API}/windows/{hall.ids['w1']}/call-next", json={}).get_json()["id"]
        == (ahead[0]["id"])
    )
    got = _notices(hall)
    assert [(k, r) for k, _t, r in got] == [("near", PHONE)]
    ticket_id = got[0][1]
    status = hall.client("super").get(f"{API}/tickets/{ticket_id}").get_json()
    assert status["number"] == number
    # the next visitor finds the box unticked, nothing of this phone left
    page.click("[data-testid=done]")
    page.click(".k-tile:has-text('区市场监督管理局')")
    page.click(".k-item >> nth=0")
    page.click("[data-testid=take]")
    page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    page.wait_for_function(
        "n => document.querySelector('[data-testid=ticket-number]').textContent.trim() !== n",
        arg=number,
    )
    assert not box.is_checked() and not box.is_disabled()
    assert page.inner_text("[data-testid=notify-state]").strip() == ""
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ticket_page_opt_in_on_a_phone(served: tuple[Hall, str], browser: Any, lang: str) -> None:
    hall, url = served
    tickets = _walk_ins(hall, 4)
    mine = tickets[-1]
    ctx, page, errors = _page(browser, 390, 844, "zh-CN" if lang == "zh" else "en-US")
    page.goto(f"{url}/t/{mine['public_id']}?lang={lang}")
    page.locator("[data-testid=status-notify]").wait_for(state="visible")
    assert page.inner_text("[data-testid=status-ahead]").strip() != ""
    page.check("[data-testid=status-notify-check]")
    page.locator("[data-testid=status-notify-phone]").wait_for(state="visible")
    page.fill("[data-testid=status-notify-phone]", "138-1234-5678x")  # only digits are kept
    assert page.input_value("[data-testid=status-notify-phone]") == PHONE
    screenshot(page, f"ticket-page-notify-{lang}-1-phone")
    page.click("[data-testid=status-notify-send]")
    state = page.locator("[data-testid=status-notify-state]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=status-notify-state]').textContent.includes('138****5678')"
    )
    assert page.input_value("[data-testid=status-notify-phone]") == ""
    assert PHONE not in page.content()
    assert page.locator("[data-testid=status-notify-check]").is_disabled()
    screenshot(page, f"ticket-page-notify-{lang}-2-on")
    # a reload shows it still on, masked (the server keeps it, the page does not)
    page.reload()
    state.wait_for(state="visible")
    assert "138****5678" in state.inner_text() and PHONE not in page.content()
    assert _notices(hall) == []  # three ahead: nothing yet
    assert not errors, errors
    ctx.close()
