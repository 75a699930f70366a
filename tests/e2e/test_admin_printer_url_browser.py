"""Issue 15.5 as an admin sees it: a printer URL outside the device folders is refused at its field, in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


def test_the_devices_page_refuses_a_file_printer_outside_the_device_folders(
    browser: Any, live_server: LiveServer
) -> None:
    srv = live_server
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(srv.url + "/admin/devices")
    page.fill("#login-username", "admin")
    page.fill("#login-password", srv.passwords["admin"])
    page.click("#login-submit")
    page.wait_for_selector("#adm-table tbody tr")
    row = page.locator(
        "#adm-table tbody tr", has=page.locator('td[data-col="kind"]', has_text="取号机")
    ).first
    row.locator('[data-action="edit"]').click()
    page.fill("#f-printer_url", "file:///etc/passwd")
    page.click("#adm-save")
    page.wait_for_selector('.adm-field.has-error[data-field="printer_url"]')
    said = page.inner_text('.adm-field[data-field="printer_url"] .adm-field-error')
    assert "允许的设备目录" in said
    screenshot(page, "admin-printer-url-refused")
    page.fill("#f-printer_url", "file:///dev/usb/lp0")
    page.click("#adm-save")
    page.wait_for_selector("#adm-modal", state="hidden")
    devices = page.request.get(srv.url + "/api/v1/devices").json()["items"]
    assert "file:///dev/usb/lp0" in [d["printer_url"] for d in devices]
    assert "file:///etc/passwd" not in [d["printer_url"] for d in devices]
    ctx.close()
