"""投诉/建议/咨询 at the kiosk (issue 18) in headless Chromium: chips, digit pads and a Latin note only,
the complaint's number, reply deadline and reply QR code on screen, landscape and portrait, zh and en."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}


def _staff(srv: LiveServer, username: str) -> dict[str, str]:
    r = requests.post(
        srv.url + "/api/v1/auth/login",
        json={"username": username, "password": srv.passwords[username]},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _kiosk(browser: Any, srv: LiveServer, viewport: dict[str, int], lang: str) -> Any:
    ctx = browser.new_context(viewport=viewport, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{srv.url}/kiosk?token={srv.token_of('kiosk')}&lang={lang}")
    page.locator(".k-tile").first.wait_for()
    return page


def _pad(page: Any, digits: str) -> None:
    for d in digits:
        page.click(f"#k-cpad-keys [data-key='{d}']")


def test_a_visitor_complains_at_the_kiosk_with_chips_and_pads_and_gets_a_number(
    browser: Any, live_server: LiveServer
) -> None:
    u = live_server.url + "/api/v1"
    admin, sup = _staff(live_server, "admin"), _staff(live_server, "qianzhonghua")
    assert (
        requests.patch(
            u + "/settings/ratings", json={"supervision_phone": "0457-12345"}, headers=admin
        ).status_code
        == 200
    )
    page = _kiosk(browser, live_server, LANDSCAPE, "zh")
    screenshot(page, "kiosk-home-landscape")
    page.click("[data-testid=open-complaint]")
    page.wait_for_selector("[data-testid=complaint-form]:visible")
    assert "监督电话：0457-12345" in page.inner_text("[data-testid=complaint-intro]")
    page.click("[data-testid=complaint-send]")  # nothing chosen: told what to do first
    assert page.inner_text("[data-testid=complaint-error]") == "请先选择投诉、建议或咨询"
    page.click("[data-cat=complaint]")
    page.click("[data-testid=complaint-send]")
    assert page.inner_text("[data-testid=complaint-error]") == "请至少点选一个问题"
    page.click("[data-topic=wait]")
    page.click("[data-topic=attitude]")
    dept = page.locator("[data-testid=complaint-departments] .k-chip").nth(1)
    dept_name, dept_id = dept.inner_text(), int(dept.get_attribute("data-dept"))
    dept.click()
    page.click("[data-testid=complaint-window]")
    _pad(page, "03")
    page.click("[data-testid=complaint-pad-ok]")
    assert page.inner_text("#k-cmp-window-v") == "3号窗口"
    page.click("[data-testid=complaint-phone]")
    _pad(page, "1381")
    page.click("[data-testid=complaint-pad-ok]")  # too short for a call back
    assert page.inner_text("#k-cpad-error") == "请输入完整的电话号码（7位以上）"
    _pad(page, "2345678")
    assert page.get_attribute("[data-testid=complaint-pad-value]", "data-value") == "13812345678"
    screenshot(page, "kiosk-complaint-phone-pad")
    page.click("[data-testid=complaint-pad-ok]")
    assert page.inner_text("#k-cmp-phone-v") == "138****5678"  # masked once entered
    assert "13812345678" not in page.inner_text("body")
    page.click("[data-testid=complaint-note]")
    for ch in "deng le yi xiaoshi":
        page.click(f"#k-cnote-keys [data-key='{ch}']")
    screenshot(page, "kiosk-complaint-note")
    page.click("[data-testid=complaint-note-ok]")
    assert page.inner_text("#k-cmp-note-v") == "deng le yi xiaoshi"
    # the whole form, send button included, fits a 1920×1080 screen without scrolling
    sizes = page.evaluate(
        "(() => { const m = document.querySelector('.k-main'); return [m.scrollHeight, m.clientHeight]; })()"
    )
    assert sizes[0] <= sizes[1], sizes
    screenshot(page, "kiosk-complaint-filled-landscape")
    page.click("[data-testid=complaint-send]")
    page.wait_for_selector("[data-testid=complaint-done]:visible")
    number = page.inner_text("[data-testid=complaint-number]")
    assert re.fullmatch(r"TS\d{12}", number), number
    due = page.inner_text("[data-testid=complaint-due]")
    assert re.fullmatch(r"我们将于 \d{4}-\d{2}-\d{2} 前答复", due), due
    summary = page.inner_text("[data-testid=complaint-summary]")
    assert summary == f"投诉 · 等候时间长 · 服务态度 · {dept_name} · 3号窗口 · 回电 138****5678"
    page.wait_for_function("document.querySelector('[data-testid=complaint-qr]').naturalWidth > 0")
    screenshot(page, "kiosk-complaint-done-landscape")
    # what the hall received: the kiosk's words in Chinese, routed to the department, phone masked
    got = requests.get(u + "/complaints", headers=sup).json()["items"]
    c = next(x for x in got if x["number"] == number)
    assert (c["category"], c["source"], c["phone"], c["department"]["id"]) == (
        "complaint",
        "kiosk",
        "138****5678",
        dept_id,
    )
    assert c["content"] == (
        f"问题：等候时间长、服务态度；单位：{dept_name}；窗口：3号窗口；留言：deng le yi xiaoshi"
    )
    assert c["state"] == "assigned"
    # 完成 goes back to the start, and the next visitor finds an empty form
    page.click("[data-testid=complaint-finish]")
    page.wait_for_selector("[data-testid=departments]:visible")
    page.click("[data-testid=open-complaint]")
    assert page.locator("#k-cmp-cats .on").count() == 0
    assert page.inner_text("#k-cmp-phone-v") == "选填"
    page.context.close()


def test_the_kiosk_complaint_form_in_english_on_a_portrait_screen(
    browser: Any, live_server: LiveServer
) -> None:
    sup = _staff(live_server, "qianzhonghua")
    page = _kiosk(browser, live_server, PORTRAIT, "en")
    assert page.inner_text("[data-testid=open-complaint]") == "Complaint / suggestion / question"
    screenshot(page, "kiosk-home-portrait-en")
    page.click("[data-testid=open-complaint]")
    page.click("[data-cat=consultation]")
    topics = page.locator("[data-testid=complaint-topics] .k-chip").all_inner_texts()
    assert topics[:3] == ["How to apply", "Documents needed", "How long it takes"]
    page.click("[data-topic=progress]")
    screenshot(page, "kiosk-complaint-filled-portrait-en")
    # the send button stays on screen, below the form
    box = page.locator("[data-testid=complaint-send]").bounding_box()
    assert box is not None and box["y"] + box["height"] <= PORTRAIT["height"]
    page.click("[data-testid=complaint-send]")
    page.wait_for_selector("[data-testid=complaint-done]:visible")
    number = page.inner_text("[data-testid=complaint-number]")
    assert re.fullmatch(r"ZX\d{12}", number), number
    assert page.inner_text("[data-testid=complaint-due]").startswith("We will answer by ")
    assert page.inner_text("[data-testid=complaint-summary]") == "Question · Progress of my case"
    page.wait_for_function("document.querySelector('[data-testid=complaint-qr]').naturalWidth > 0")
    screenshot(page, "kiosk-complaint-done-portrait-en")
    c = next(
        x
        for x in requests.get(live_server.url + "/api/v1/complaints", headers=sup).json()["items"]
        if x["number"] == number
    )
    # the record is in the hall's language whatever the screen's; no phone, no department given
    assert (c["content"], c["phone"], c["department"], c["state"]) == (
        "问题：办件进度",
        None,
        None,
        "received",
    )
    page.context.close()
