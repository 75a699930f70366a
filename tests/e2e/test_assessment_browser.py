"""Staff pages in words (issue 15 item 21, issue 18): the assessment explained, scores entered on the
page, the monthly 通报, the monitor's deadlines and the audit log's actions."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot
from tests.e2e.test_feedback_browser import _served, _token

pytestmark = pytest.mark.browser


def test_supervisors_read_scores_deadlines_and_actions_in_words(
    browser: Any, live_server: LiveServer
) -> None:
    u = live_server.url + "/api/v1"
    t = _served(live_server)
    r = requests.post(
        f"{u}/public/tickets/{t['public_id']}/evaluation",
        json={"level": 2, "reason": "等候时间长"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/admin/monitor")
    page.fill("#login-username", "qianzhonghua")
    page.fill("#login-password", live_server.passwords["qianzhonghua"])
    page.click("#login-submit")
    row = page.locator(f'#mon-rect tbody tr:has(td:text-is("{t["number"]}"))')
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert "不满意" in cells and "2" not in cells  # the level in words
    assert any(c.startswith("回访期限 ") and "整改反馈期限 " in c for c in cells)
    row.locator(".ovs-rect-edit").click()
    page.fill("#cb-note", "群众表示理解")
    page.check("#cb-accepted")
    screenshot(page, "monitor-callback")
    page.click("#cb-save")
    page.wait_for_selector(
        f'#mon-rect tbody tr:has(td:text-is("{t["number"]}")) :text("已回访1次")'
    )

    page.goto(live_server.url + "/admin/reports")
    page.wait_for_selector('body[data-loaded="1"]', timeout=20000)
    formula = page.inner_text("#ass-formula")
    assert "{" not in formula and "满意度 30、" in formula  # weights in words, not JSON
    assert "满意率 =（非常满意 + 满意）÷ 评价数" in page.inner_text("#def-satisfaction")
    w1 = page.locator("#ass-table tbody tr").filter(has_text="1号")
    w1.first.wait_for()
    assert "群众满意度 0.0 = 100 × 0 条满意 ÷ 1 条评价" in w1.first.inner_text()
    page.select_option("#score-rater", "center")
    page.fill("#score-value", "90")
    page.fill("#score-comment", "窗口服务规范")
    page.select_option("#score-subject", label=w1.first.locator("td").first.inner_text())
    page.click("#score-save")
    page.wait_for_selector('#ass-table tbody tr :text("中心评分 90（钱忠华：窗口服务规范）")')
    page.locator("#ass-card").scroll_into_view_if_needed()
    screenshot(page, "reports-assessment")

    page.select_option("#ass-by", "department")
    page.wait_for_selector("#bulletin-link:not([hidden])")
    page.select_option("#score-subject", index=0)
    page.locator("#score-subject").dispatch_event("change")
    href = page.get_attribute("#bulletin-link", "href")
    assert href and "department=" in href
    page.goto(live_server.url + href)
    title = page.inner_text("[data-testid=bulletin-title]")
    assert "月度通报" in title
    screenshot(page, "bulletin")

    # the English reports page explains every score in English (issue 18): no Chinese in any line
    # but the rater's name and comment; the exports it offers are English too
    page.goto(live_server.url + "/admin/reports?lang=en")
    page.wait_for_selector('body[data-loaded="1"]', timeout=20000)
    lines = page.locator("#ass-table .ovs-explain li").all_inner_texts()
    assert lines and "Satisfaction 0.0 = 100 × 0 satisfied ÷ 1 ratings" in lines
    assert "Center score 90 (钱忠华: 窗口服务规范)" in lines
    assert any(x.startswith("Score ") for x in lines)
    for line in lines:
        rest = line.replace("钱忠华", "").replace("窗口服务规范", "")
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in rest), line
    assert "lang=en" in (page.get_attribute("#export-assessment-csv", "href") or "")
    page.locator("#ass-card").scroll_into_view_if_needed()
    screenshot(page, "reports-assessment-en")
    page.goto(live_server.url + href + "&lang=en")
    bl = page.locator("[data-testid=bulletin-explain] li").all_inner_texts()
    assert bl and all(not any("\u4e00" <= ch <= "\u9fff" for ch in x) for x in bl), bl

    page.goto(live_server.url + "/admin/audit")
    page.wait_for_selector('#audit-table tbody tr[data-action="call_next"]')
    said = page.inner_text('#audit-table tbody tr[data-action="call_next"] td:nth-child(3)')
    assert said == "叫号"
    assert (
        page.inner_text('#audit-table tbody tr[data-action="public_evaluation"] td:nth-child(3)')
        == "手机评价"
    )
    screenshot(page, "audit-words")
    assert errors == []
    ctx.close()
    sup = _token(live_server, "qianzhonghua")
    assert (
        requests.get(
            f"{u}/reports/assessment?by=department&month=2026-13", headers=sup, timeout=10
        ).status_code
        == 422
    )
