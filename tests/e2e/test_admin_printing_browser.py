"""Headless Chromium on the admin pages of a real server printing on the TCP simulator: the kiosks'
printer status live in the devices table, and the ticket preview on the settings page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hardware.printer_sim import PrinterSimulator
from tests.conftest import LiveServer, screenshot, start_live_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sim() -> Iterator[PrinterSimulator]:
    s = PrinterSimulator(port=0).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sim: PrinterSimulator) -> Iterator[LiveServer]:
    srv = start_live_server(
        tmp_path_factory.mktemp("admin-print"),
        {"QUEUEHALL_PRINTER_POLL_S": "0.5"},
        init_args=("--printer", f"tcp://127.0.0.1:{sim.port}"),
    )
    yield srv
    srv.stop()


def signed_in(
    browser: Any, srv: LiveServer, path: str, locale: str = "zh-CN"
) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, locale=locale)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(srv.url + path)
    page.fill("#login-username", "admin")
    page.fill("#login-password", srv.passwords["admin"])
    page.click("#login-submit")
    page.wait_for_selector("#adm-content")
    return ctx, page, errors


def test_the_devices_table_shows_each_kiosk_printer_live(
    browser: Any, server: LiveServer, sim: PrinterSimulator
) -> None:
    ctx, page, errors = signed_in(browser, server, "/admin/devices")
    kiosks = [
        d["id"]
        for d in page.request.get(server.url + "/api/v1/devices").json()["items"]
        if d["kind"] == "kiosk"
    ]
    assert (
        len(kiosks) == 2
    )  # the demo's two kiosks share the one simulated printer: both are checked
    for kiosk_id in kiosks:
        page.wait_for_selector(f'[data-printer="{kiosk_id}"][data-state="online"][data-paper="ok"]')
    cell = f'[data-printer="{kiosks[0]}"]'
    text = page.inner_text(cell)
    assert (
        "在线" in text
        and "纸张正常" in text
        and "最近应答" in text
        and "80 毫米 · 中英双语" in text
    )
    screenshot(page, "admin-print-01-devices-online")
    sim.paper = "low"
    page.wait_for_selector(f'{cell}[data-paper="low"]', timeout=10000)  # pushed, no reload
    assert "纸将用完" in page.inner_text(cell)
    sim.paper = "out"
    page.wait_for_selector(f'{cell}[data-state="paper_out"]', timeout=10000)
    assert "缺纸" in page.inner_text(cell) and "纸已用完" in page.inner_text(cell)
    screenshot(page, "admin-print-02-devices-paper-out")
    sim.paper = "ok"
    sim.respond = False  # hangs: offline, last answered before
    try:
        page.wait_for_selector(f'{cell}[data-state="offline"]', timeout=15000)
        assert "timeout" in page.inner_text(cell) and "最近应答" in page.inner_text(cell)
    finally:
        sim.respond = True
    page.wait_for_selector(f'{cell}[data-state="online"]', timeout=15000)
    assert errors == []
    ctx.close()


def test_the_settings_page_previews_the_ticket_the_printer_would_get(
    browser: Any, server: LiveServer
) -> None:
    ctx, page, errors = signed_in(browser, server, "/admin/settings")
    page.wait_for_selector("#pv-img[data-paper='80']")
    page.wait_for_function("document.getElementById('pv-img').naturalWidth > 0")
    text = page.inner_text("#pv-text")
    assert text.splitlines()[0] == "新林区行政便民服务中心"
    assert "前面等候" in text and "People ahead" in text  # bilingual unless told otherwise
    wide = page.evaluate("document.getElementById('pv-img').naturalWidth")
    screenshot(page, "admin-print-03-preview-80")
    page.select_option("#pv-paper", "58")
    page.select_option("#pv-lang", "zh")
    page.wait_for_selector("#pv-img[data-paper='58'][data-lang='zh']")
    page.wait_for_function(
        f"document.getElementById('pv-img').naturalWidth > 0 && "
        f"document.getElementById('pv-img').naturalWidth < {wide}"
    )
    assert "People ahead" not in page.inner_text("#pv-text")
    page.locator("#ticket-preview").scroll_into_view_if_needed()
    # a new footer, saved, is on the previewed ticket at once
    page.fill("#s-ticket_footer", "午间12:00-13:30照常办理")
    page.click("#settings-save")
    page.wait_for_function(
        "document.getElementById('pv-text').textContent.includes('午间12:00-13:30照常办理')"
    )
    assert (
        page.request.get(server.url + "/api/v1/settings").json()["ticket_footer"]
        == "午间12:00-13:30照常办理"
    )
    screenshot(page, "admin-print-04-preview-58-footer")
    assert errors == []
    ctx.close()

    # in English, the panel speaks English
    ctx, page, errors = signed_in(browser, server, "/admin/settings?lang=en", locale="en-GB")
    page.wait_for_selector("#pv-img[data-paper='80']")
    assert page.inner_text("#ticket-preview h3") == "Ticket preview"
    assert "80 mm paper" in page.inner_text("#pv-status")
    assert errors == []
    ctx.close()
