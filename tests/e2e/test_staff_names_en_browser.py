"""Staff pages in English name items, windows and departments by their English names and offer the
chips a clerk or visitor taps in English, while what is kept stays the hall's Chinese record: the
clerk's window and its 补正 materials, the counter's evaluator and its reason chips, the reports and
the complaints page (headless Chromium, the demo hall); the same pages in Chinese stay Chinese."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
MATERIAL_ZH = "不动产登记申请书（原件1份）"
MATERIAL_EN = "Real estate registration application form (original, 1)"


def _token(srv: LiveServer, user: str) -> dict[str, str]:
    r = requests.post(
        srv.url + "/api/v1/auth/login",
        json={"username": user, "password": srv.passwords[user]},
        timeout=10,
    )
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _serving(srv: LiveServer, clerk: dict[str, str]) -> tuple[dict[str, Any], int]:
    """A 不动产抵押权首次登记 ticket being served at window 4 (周敏)."""
    u = srv.url + "/api/v1"
    wins = {
        w["number"]: w["id"] for w in requests.get(u + "/windows", headers=clerk).json()["items"]
    }
    svcs = {s["code"]: s["id"] for s in requests.get(u + "/services").json()["items"]}
    requests.post(f"{u}/windows/{wins[4]}/open", json={}, headers=clerk, timeout=10)
    t = requests.post(
        u + "/tickets",
        json={"service_id": svcs["BDC-002"]},
        headers={"Authorization": f"Bearer {srv.token_of('kiosk')}"},
        timeout=10,
    ).json()
    called = requests.post(f"{u}/windows/{wins[4]}/call-next", headers=clerk, timeout=10).json()
    assert called["id"] == t["id"], called
    requests.post(f"{u}/tickets/{t['id']}/start", headers=clerk, timeout=10)
    return t, wins[4]


def _sign_in(page: Any, srv: LiveServer, path: str, user: str) -> None:
    page.goto(srv.url + path)
    if path.startswith("/admin"):
        page.fill("#login-username", user)
        page.fill("#login-password", srv.passwords[user])
        page.click("#login-submit")
    else:
        page.fill("#username", user)
        page.fill("#password", srv.passwords[user])
        page.click("#signin-btn")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_visit_in_english_names_things_in_english_and_keeps_the_chinese_record(
    browser: Any, live_server: LiveServer, lang: str
) -> None:
    srv, en = live_server, lang == "en"
    clerk = _token(srv, "zhoumin")
    t, w4 = _serving(srv, clerk)
    errors: list[str] = []
    ctx = browser.new_context(
        viewport={"width": 1360, "height": 900}, locale="en-GB" if en else "zh-CN"
    )
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the counter's evaluator, open on its tablet before the visit ends
    tab = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB" if en else "zh-CN"
    ).new_page()
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(f"{srv.url}/evaluator?token={srv.token_of('evaluator', window=4)}&lang={lang}")
    tab.wait_for_function("document.getElementById('conn').dataset.online === '1'")
    tab.wait_for_function("document.getElementById('card-window').textContent !== ''")
    card = tab.text_content("#card-window") or ""
    assert ("Real Estate Registration 1" in card) == en and ("不动产登记窗口" in card) != en

    # the clerk's page: their window, the queue's items and the 补正 materials in the page's language
    _sign_in(page, srv, f"/caller?lang={lang}&window={w4}", "zhoumin")
    page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_selector("[data-act=park]:not([disabled])")
    win = page.inner_text("#win-name")
    assert win == ("Real Estate Registration 1" if en else "不动产登记窗口（一）")
    option = page.locator(f"#window-select option[value='{w4}']").inner_text()
    assert ("Real Estate Registration 1" in option) == en and ("不动产登记窗口" in option) != en
    page.click("[data-act=park]")
    page.wait_for_selector("#mat-0")
    first = page.locator("#dlg-body label.qc-check").first.inner_text().strip()
    assert first == (MATERIAL_EN if en else MATERIAL_ZH)
    screenshot(page, f"staff-names-01-park-{lang}")
    page.check("#mat-0")
    page.click("#dlg-ok")
    page.wait_for_selector("[data-testid=print-notice]")
    # the 一次性告知书 is an official document: it lists the material in Chinese whatever the page
    notice = requests.get(f"{srv.url}/t/{t['public_id']}/notice", timeout=10).text
    assert MATERIAL_ZH in notice and MATERIAL_EN not in notice

    # the counter's evaluator rates the visit once it ends: the reason chips in the page's
    # language, the reason kept in Chinese
    tab.wait_for_selector("#rate:not([hidden])")
    tab.click(".qe-level[data-level='1']")
    tab.wait_for_selector("#reasons-box:not([hidden])")
    chips = tab.locator(".qe-chip").all_inner_texts()
    assert ("Curt manner" in chips) == en and ("态度生硬" in chips) != en
    assert chips[-1] == ("Other" if en else "其他")
    screenshot(tab, f"staff-names-02-evaluator-{lang}")
    tab.click(".qe-chip[data-reason='态度生硬']")
    tab.click("#submit")
    tab.wait_for_selector("#thanks:not([hidden])")

    sup = _token(srv, "qianzhonghua")
    # issued_at is UTC; the hall's day may be the next one: look at both
    day = date.fromisoformat(t["issued_at"][:10])
    bad = requests.get(
        f"{srv.url}/api/v1/reports/bad-ratings?from={day}&to={day + timedelta(days=1)}",
        headers=sup,
        timeout=10,
    ).json()["items"]
    mine = [b for b in bad if b["number"] == t["number"]]
    assert [b["reason"] for b in mine] == ["态度生硬"]

    # the reports page: item names in the table and the bad rating's item in the page's language
    adm = browser.new_context(
        viewport={"width": 1360, "height": 900}, locale="en-GB" if en else "zh-CN"
    ).new_page()
    adm.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(adm, srv, f"/admin/reports?lang={lang}", "qianzhonghua")
    adm.wait_for_selector("body[data-loaded='1']")
    adm.select_option("#rep-by", "service")
    adm.click("#rep-run")
    item = "First Mortgage Registration" if en else "不动产抵押权首次登记"
    adm.wait_for_selector(f"#rep-table td[data-col=name]:text-is('{item}')")
    table = adm.inner_text("#rep-table")
    assert ("First Mortgage Registration" in table) == en
    assert ("不动产抵押权首次登记" in table) != en
    row = adm.locator(f"[data-rect-row='{mine[0]['id']}']")
    assert ("First Mortgage Registration" in row.inner_text()) == en
    assert "态度生硬" in row.inner_text()  # what the visitor chose, as the hall keeps it
    # the assessment's score entry names its windows in the page's language too
    subjects = adm.locator("#score-subject option").all_inner_texts()
    assert ("Window 4 Real Estate Registration 1" in subjects) == en
    adm.locator("#bad-table").scroll_into_view_if_needed()  # its rows may be redrawn meanwhile
    screenshot(adm, f"staff-names-03-reports-{lang}")

    # the complaints page: departments by their English names
    adm.goto(f"{srv.url}/admin/complaints?lang={lang}")
    adm.wait_for_selector("body[data-loaded='1']")
    depts = adm.locator("#cmp-dept option").all_inner_texts()
    assert ("Real Estate Registration" in depts) == en and ("区不动产登记中心" in depts) != en
    screenshot(adm, f"staff-names-04-complaints-{lang}")
    assert errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_admin_tables_name_items_departments_and_windows_in_the_pages_language(
    browser: Any, live_server: LiveServer, lang: str
) -> None:
    srv, en = live_server, lang == "en"
    errors: list[str] = []
    page = browser.new_context(
        viewport={"width": 1360, "height": 900}, locale="en-GB" if en else "zh-CN"
    ).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    _sign_in(page, srv, f"/admin/services?lang={lang}", "admin")
    page.wait_for_selector("#adm-table tbody tr")
    row = page.locator("#adm-table tbody tr", has_text="BDC-002").inner_text()
    item, dept = (
        ("First Mortgage Registration", "Real Estate Registration")
        if en
        else ("不动产抵押权首次登记", "区不动产登记中心")
    )
    assert item in row and dept in row, row
    screenshot(page, f"staff-names-05-admin-services-{lang}")
    page.goto(f"{srv.url}/admin/windows?lang={lang}")
    page.wait_for_selector("#adm-table tbody tr")
    w4 = page.locator("#adm-table tbody tr td[data-col=number]", has_text="4").first
    row = w4.locator("xpath=..").inner_text()
    assert ("Real Estate Registration 1" in row) == en and ("不动产登记窗口（一）" in row) != en
    assert (item in row) and ("；" in row) != en  # its items, listed the page's way
    page.goto(f"{srv.url}/admin/booking?lang={lang}")
    page.wait_for_selector("tr[data-service]")
    assert item in page.inner_text("#adm-content")
    screenshot(page, f"staff-names-06-admin-booking-{lang}")
    assert errors == []
