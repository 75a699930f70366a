"""显示完整信息 on the cases page, in Chinese and English: the applicant is masked in the list and the
detail; the clerk of the case reveals them, the audit log (and its page) records who and which case,
a clerk without rights on the case is not offered it, and the server's log never holds the number."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot
from tests.e2e.test_case_rating_browser import _accepted_case

pytestmark = pytest.mark.browser
FULL, MASKED = "孙丽丽 13700001234", "孙*丽 137****1234"


def _signed_in(browser: Any, srv: LiveServer, user: str, lang: str) -> Any:
    ctx = browser.new_context(
        viewport={"width": 1360, "height": 860}, locale="en-GB" if lang == "en" else "zh-CN"
    )
    page = ctx.new_page()
    page.goto(f"{srv.url}/cases?lang={lang}")
    page.fill("#username", user)
    page.fill("#password", srv.passwords[user])
    page.click("#signin-btn")  # the page reloads signed in
    return page


def _open(page: Any, case_id: int) -> str:
    page.wait_for_selector(f"[data-testid=cw-row][data-id='{case_id}']")
    page.click(f"[data-testid=cw-row][data-id='{case_id}']")
    page.wait_for_selector("[data-testid=cw-applicant]")
    return str(page.inner_text("[data-testid=cw-applicant-text]"))


def _reveals(srv: LiveServer, case_id: int) -> list[tuple[str, int]]:
    r = requests.post(
        srv.url + "/api/v1/auth/login",
        json={"username": "qianzhonghua", "password": srv.passwords["qianzhonghua"]},
        timeout=10,
    )
    sup = {"Authorization": f"Bearer {r.json()['access_token']}"}
    rows = requests.get(
        srv.url + "/api/v1/audit?action=reveal_case_applicant", headers=sup, timeout=10
    ).json()["items"]
    return [(a["actor_name"], a["status"]) for a in rows if a["target"] == f"case_id={case_id}"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_clerk_reveals_the_applicant_on_purpose_and_the_audit_log_records_it(
    browser: Any, live_server: LiveServer, lang: str
) -> None:
    srv = live_server
    _t, case, _clerk = _accepted_case(srv)  # window 4 (周敏) accepts it for 孙丽丽 13700001234
    words = {
        "zh": ("显示完整信息", "隐藏", "已记入审计日志", "查看申请人完整信息"),
        "en": ("Show in full", "Hide", "recorded in the audit log", "Show applicant in full"),
    }[lang]
    errors: list[str] = []
    page = _signed_in(browser, srv, "zhoumin", lang)
    page.on("pageerror", lambda e: errors.append(str(e)))
    row = page.locator(f"[data-testid=cw-row][data-id='{case['id']}']")
    assert _open(page, case["id"]) == MASKED
    assert "孙*丽" in row.inner_text() and "孙丽丽" not in page.inner_text("body")
    button = page.locator("[data-testid=cw-reveal]")
    assert button.inner_text() == words[0]
    assert page.is_hidden("[data-testid=cw-revealed]")
    screenshot(page, f"case-privacy-01-masked-{lang}")
    assert _reveals(srv, case["id"]) == []  # opening the case revealed nothing

    button.click()
    page.wait_for_function(
        "t => document.querySelector('[data-testid=cw-applicant-text]').textContent === t", arg=FULL
    )
    assert button.inner_text() == words[1]
    assert words[2] in page.inner_text("[data-testid=cw-revealed]")
    assert "孙丽丽" not in row.inner_text()  # the list stays masked
    screenshot(page, f"case-privacy-02-revealed-{lang}")
    assert _reveals(srv, case["id"]) == [("周敏", 200)]
    button.click()  # hide it again: masked, and hiding asks nothing of the server
    assert page.inner_text("[data-testid=cw-applicant-text]") == MASKED
    assert button.inner_text() == words[0]
    assert _reveals(srv, case["id"]) == [("周敏", 200)]

    # a clerk of the 社保 window (2) may not: no button, and the API would refuse
    other = _signed_in(browser, srv, "wangfang", lang)
    assert _open(other, case["id"]) == MASKED
    assert other.locator("[data-testid=cw-reveal]").count() == 0
    screenshot(other, f"case-privacy-03-no-rights-{lang}")

    # the supervisor reads the reveal in the audit log's own words
    sup = browser.new_context(viewport={"width": 1360, "height": 860}).new_page()
    sup.goto(f"{srv.url}/admin/audit?lang={lang}")
    sup.fill("#login-username", "qianzhonghua")
    sup.fill("#login-password", srv.passwords["qianzhonghua"])
    sup.click("#login-submit")
    sup.wait_for_selector("[data-action=reveal_case_applicant]")
    line = sup.locator("[data-action=reveal_case_applicant]").first.inner_text()
    assert words[3] in line and "周敏" in line and f"case_id={case['id']}" in line
    assert "13700001234" not in sup.inner_text("body")
    screenshot(sup, f"case-privacy-04-audit-{lang}")
    log = (srv.instance / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "13700001234" not in log
    assert errors == []
