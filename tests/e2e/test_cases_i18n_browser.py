"""A case's progress in Chinese and English on the ticket's page and the lookup page, and 办件送达后评价
from the lookup page (number + last four of the phone), in headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot
from tests.e2e.test_case_rating_browser import PHONE, _accepted_case

pytestmark = pytest.mark.browser


def _look_up(page: Any, url: str, number: str, lang: str) -> None:
    page.goto(f"{url}/cases/lookup?lang={lang}")
    page.fill("[data-testid=lookup-number]", number)
    page.fill("[data-testid=lookup-last4]", "1234")
    page.click("[data-testid=lookup-submit]")
    page.wait_for_selector("[data-testid=case-progress]")


def test_case_progress_in_both_languages_and_the_lookup_rates_the_delivered_case(
    browser: Any, live_server: LiveServer
) -> None:
    url, u = live_server.url, live_server.url + "/api/v1"
    t, case, clerk = _accepted_case(live_server)
    errors: list[str] = []
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{url}/t/{t['public_id']}")
    page.wait_for_selector("[data-testid=case-progress]")
    assert page.inner_text("[data-testid=case-state]") == "已受理"
    assert page.inner_text("[data-testid=case-due]").startswith("承诺办结日期：")
    assert "尚未办结" in page.inner_text(
        "[data-testid=status-outcome]"
    )  # accepted, not yet decided
    page.locator("[data-testid=case-progress]").scroll_into_view_if_needed()
    screenshot(page, "case-i18n-01-accepted-zh")
    page.goto(f"{url}/t/{t['public_id']}?lang=en")
    page.wait_for_selector("[data-testid=case-progress]")
    assert page.inner_text("[data-testid=case-state]") == "Accepted"
    due = page.inner_text("[data-testid=case-due]")
    assert (
        due.startswith("Promised by ") and "working days, not counting the day of acceptance" in due
    )
    assert page.locator("[data-testid=case-steps] li").all_inner_texts()[0].endswith("Accepted")
    page.locator("[data-testid=case-progress]").scroll_into_view_if_needed()
    screenshot(page, "case-i18n-02-accepted-en")

    # the lookup page in English: progress in English, nothing to rate before delivery
    _look_up(page, url, case["number"], "en")
    assert page.inner_text("[data-testid=case-state]") == "Accepted"
    assert page.inner_text("[data-testid=case-due]").startswith("Promised by ")
    assert page.locator("[data-testid=lookup-rate]").count() == 0
    screenshot(page, "case-i18n-03-lookup-accepted-en")

    for move, body in (("review", {}), ("approve", {}), ("deliver", {"method": "window"})):
        r = requests.post(f"{u}/cases/{case['id']}/{move}", json=body, headers=clerk)
        assert r.status_code == 200, (move, r.text)

    page.goto(f"{url}/t/{t['public_id']}")
    page.wait_for_selector("[data-testid=case-progress]")
    assert page.inner_text("[data-testid=case-state]") == "已送达"
    page.locator("[data-testid=case-progress]").scroll_into_view_if_needed()
    screenshot(page, "case-i18n-04-delivered-zh")
    page.goto(f"{url}/t/{t['public_id']}?lang=en")
    page.wait_for_selector("[data-testid=case-progress]")
    assert page.inner_text("[data-testid=case-state]") == "Delivered"
    steps = page.locator("[data-testid=case-steps] li").all_inner_texts()
    assert steps[-1].endswith("Delivered (collected at the window)")
    assert "Completed: please collect it at window 4" in steps[-2]
    # no stale "accepted, not finished": the outcome line says the case was delivered
    outcome = page.inner_text("[data-testid=status-outcome]")
    assert "delivered" in outcome and "not finished" not in outcome
    box = page.locator("[data-testid=level-1]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]  # English levels fit
    page.locator("[data-testid=case-progress]").scroll_into_view_if_needed()
    screenshot(page, "case-i18n-05-delivered-en")

    # the lookup page rates the delivered case: a reason is asked for 不满意
    _look_up(page, url, case["number"], "en")
    page.wait_for_selector("[data-testid=lookup-rate]:visible")
    page.click("[data-testid=lookup-level-2]")
    page.click("[data-testid=lookup-rate-send]")
    assert page.inner_text("[data-testid=lookup-rate-err]") == (
        "Please give a reason for a dissatisfied rating"
    )
    page.click("[data-testid=lookup-rate] .cs-chip >> nth=0")
    page.fill("[data-testid=lookup-rate-text]", "pickup took two visits")
    page.locator("[data-testid=lookup-rate]").scroll_into_view_if_needed()
    screenshot(page, "case-i18n-06-lookup-rating-en")
    page.click("[data-testid=lookup-rate-send]")
    page.wait_for_selector("[data-testid=lookup-rated]:visible")
    assert page.inner_text("[data-testid=lookup-rated]").startswith(
        "You rated this case: Dissatisfied"
    )
    assert page.is_hidden("[data-testid=lookup-rate]")
    screenshot(page, "case-i18n-07-lookup-rated-en")

    # once per case on any channel: the ticket's page shows it given; the lookup in Chinese too
    page.goto(f"{url}/t/{t['public_id']}")
    page.wait_for_selector("[data-testid=case-rated]:visible")
    assert page.inner_text("[data-testid=case-rated]").startswith("您已评价本次办件：不满意")
    _look_up(page, url, case["number"], "zh")
    assert page.inner_text("[data-testid=case-state]") == "已送达"
    page.wait_for_selector("[data-testid=lookup-rated]:visible")
    assert page.locator("[data-testid=lookup-rate]").count() == 0
    screenshot(page, "case-i18n-08-lookup-rated-zh")
    again = requests.post(
        f"{u}/public/tickets/{t['public_id']}/evaluation", json={"level": 5, "subject": "case"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_evaluated"
    assert errors == []


def test_the_one_time_notice_stays_chinese_in_an_english_page_and_prints(
    browser: Any, live_server: LiveServer
) -> None:
    srv = live_server
    u = srv.url + "/api/v1"
    h = {"Authorization": f"Bearer {srv.token_of('display')}"}
    wins = {w["number"]: w["id"] for w in requests.get(u + "/windows", headers=h).json()["items"]}
    svcs = {s["code"]: s["id"] for s in requests.get(u + "/services").json()["items"]}
    r = requests.post(
        u + "/auth/login", json={"username": "zhoumin", "password": srv.passwords["zhoumin"]}
    )
    clerk = {"Authorization": f"Bearer {r.json()['access_token']}"}
    requests.post(f"{u}/windows/{wins[4]}/open", json={}, headers=clerk)
    t = requests.post(
        u + "/tickets",
        json={"service_id": svcs["BDC-002"]},
        headers={"Authorization": f"Bearer {srv.token_of('kiosk')}"},
    ).json()
    assert requests.post(f"{u}/windows/{wins[4]}/call-next", headers=clerk).json()["id"] == t["id"]
    requests.post(f"{u}/tickets/{t['id']}/start", headers=clerk)
    r = requests.post(
        f"{u}/tickets/{t['id']}/finish",
        headers=clerk,
        json={"outcome": "parked", "materials": ["抵押合同"]},
    )
    assert r.status_code == 200, r.text
    errors: list[str] = []
    page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{srv.url}/t/{t['public_id']}/notice?lang=en")
    page.wait_for_selector("[data-testid=notice]")
    assert page.inner_text("[data-testid=notice-title]") == "一次性告知书"
    assert page.inner_text("[data-testid=notice-official]") == (
        "The One-time notice of missing materials is an official document, issued in Chinese."
    )
    assert "抵押合同" in page.inner_text("[data-testid=notice-materials]")
    page.evaluate("window.print = function () { document.body.dataset.printed = '1'; }")
    page.click("[data-testid=notice-print]")  # wired by notice.js: the CSP refuses inline handlers
    page.wait_for_selector("body[data-printed='1']")
    screenshot(page, "case-i18n-09-notice-en")
    assert errors == []
