"""The visitor's phone: rating a finished visit, filing a complaint and reading the reply (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _token(srv: LiveServer, username: str) -> dict[str, str]:
    r = requests.post(
        srv.url + "/api/v1/auth/login",
        json={"username": username, "password": srv.passwords[username]},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _served(srv: LiveServer) -> dict[str, Any]:
    """A ticket issued at the kiosk and served to the end at window 1 by its clerk."""
    u = srv.url + "/api/v1"
    wins = requests.get(
        u + "/windows", headers={"Authorization": f"Bearer {srv.token_of('display')}"}, timeout=10
    )
    w1 = next(w for w in wins.json()["items"] if w["number"] == 1)
    kiosk = {"Authorization": f"Bearer {srv.token_of('kiosk')}"}
    t = requests.post(
        u + "/tickets", json={"service_id": w1["service_ids"][0]}, headers=kiosk, timeout=10
    ).json()
    clerk = _token(srv, "zhangwei")
    requests.post(f"{u}/windows/{w1['id']}/open", json={}, headers=clerk, timeout=10)
    called = requests.post(f"{u}/windows/{w1['id']}/call-next", headers=clerk, timeout=10).json()
    assert called["id"] == t["id"], called
    requests.post(f"{u}/tickets/{t['id']}/start", headers=clerk, timeout=10)
    assert (
        requests.post(
            f"{u}/tickets/{t['id']}/finish", json={"outcome": "done"}, headers=clerk, timeout=10
        ).status_code
        == 200
    )
    return t


def test_a_visitor_rates_on_the_phone_complains_and_reads_the_reply(
    browser: Any, live_server: LiveServer
) -> None:
    u = live_server.url + "/api/v1"
    admin, sup = _token(live_server, "admin"), _token(live_server, "qianzhonghua")
    assert (
        requests.patch(
            u + "/settings/ratings",
            json={"supervision_phone": "0457-12345"},
            headers=admin,
            timeout=10,
        ).status_code
        == 200
    )
    t = _served(live_server)
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{live_server.url}/t/{t['public_id']}")
    page.wait_for_selector("[data-testid=rate]:visible")
    assert page.inner_text("[data-testid=supervision-phone]") == "监督电话：0457-12345"
    page.click("[data-testid=level-2]")
    page.click("[data-testid=rate-send]")
    assert "请选择或填写原因" in page.inner_text("#st-rate-err")  # a bad rating needs its reason
    screenshot(page, "phone-rating-reason")
    page.click(".st-chip >> nth=0")
    page.fill("[data-testid=rate-text]", "叫号后窗口无人")
    page.click("[data-testid=rate-send]")
    page.wait_for_selector("[data-testid=rated]:visible")
    assert page.inner_text("[data-testid=rated]").startswith("您已评价：不满意")
    assert page.is_hidden("[data-testid=rate]")
    screenshot(page, "phone-rating-done")

    rect = [
        r
        for r in requests.get(u + "/rectifications", headers=sup, timeout=10).json()["items"]
        if r["ticket_id"] == t["id"]
    ]
    assert rect and rect[0]["channel"] == "phone" and rect[0]["reason"].endswith("叫号后窗口无人")
    again = requests.post(
        f"{u}/tickets/{t['id']}/evaluation",
        json={"level": 5},
        headers={"Authorization": f"Bearer {live_server.token_of('evaluator', 1)}"},
        timeout=10,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_evaluated"

    page.click("[data-testid=feedback-open]")
    page.check("input[name=fb-cat][value=complaint]")
    page.fill("[data-testid=feedback-content]", "1号窗口叫号后无人，等了二十分钟")
    page.fill("[data-testid=feedback-phone]", "13812345678")
    page.click("[data-testid=feedback-send]")
    page.wait_for_selector("[data-testid=feedback-done]:visible")
    assert "已收到，编号 TS" in page.inner_text("[data-testid=feedback-done]")
    screenshot(page, "phone-complaint-sent")

    mine = requests.get(u + "/complaints", headers=sup, timeout=10).json()["items"][0]
    assert (
        mine["phone"] == "138****5678"
        and mine["ticket"] == t["number"]
        and mine["source"] == "phone"
    )
    assert (
        requests.post(
            f"{u}/complaints/{mine['id']}/reply",
            json={"reply": "已约谈窗口负责人，加强在岗管理"},
            headers=sup,
            timeout=10,
        ).status_code
        == 200
    )
    page.reload()
    page.wait_for_selector("[data-testid=complaint-reply]")
    assert (
        page.inner_text("[data-testid=complaint-reply]") == "答复：已约谈窗口负责人，加强在岗管理"
    )
    screenshot(page, "phone-complaint-reply")
    ctx.close()


def test_a_complaint_without_a_ticket_gets_a_link_to_its_reply(
    browser: Any, live_server: LiveServer
) -> None:
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{live_server.url}/feedback")
    page.check("input[name=fb-cat][value=suggestion]")
    page.fill("[data-testid=feedback-content]", "建议增加周六上午的社保窗口")
    page.click("[data-testid=feedback-send]")
    page.wait_for_selector("[data-testid=complaint-link]")
    screenshot(page, "feedback-no-ticket")
    page.click("[data-testid=complaint-link]")
    page.wait_for_selector("[data-testid=complaint]")
    assert "建议 JY" in page.inner_text("[data-testid=complaint]")
    assert "答复期限" in page.inner_text("[data-testid=complaint]")
    ctx.close()


def test_a_supervisor_registers_a_call_routes_and_answers_it_on_the_complaints_page(
    browser: Any, live_server: LiveServer
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/admin/complaints")
    page.fill("#login-username", "qianzhonghua")
    page.fill("#login-password", live_server.passwords["qianzhonghua"])
    page.click("#login-submit")
    page.wait_for_selector('body[data-loaded="1"]')
    page.select_option("#cmp-source", "call")
    page.fill("#cmp-phone", "13712345678")
    page.fill("#cmp-content", "来电反映不动产窗口中午无人")
    page.click("#cmp-save")
    row = page.locator("#cmp-table tbody tr").filter(has_text="来电反映不动产窗口中午无人")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert (
        "来电" in cells
        and "137****5678" in cells
        and "未转办" in cells
        and "13712345678" not in page.content()
    )
    row.locator(".cmp-row-dept").select_option(index=1)
    row.locator("[data-assign]").click()
    page.wait_for_selector(
        '#cmp-table tbody tr:has-text("来电反映不动产窗口中午无人") :text("已转办")'
    )
    row = page.locator("#cmp-table tbody tr").filter(has_text="来电反映不动产窗口中午无人")
    row.locator(".cmp-reply").fill("已要求午间轮岗")
    row.locator("[data-reply]").click()
    page.wait_for_selector(
        '#cmp-table tbody tr:has-text("来电反映不动产窗口中午无人") :text("已答复")'
    )
    assert page.is_disabled(
        "#rs-save"
    )  # a supervisor reads the settings; only an admin changes them
    assert (
        page.input_value("#rs-callback_days") == "1"
        and page.input_value("#rs-feedback_days") == "5"
    )
    assert page.inner_text("#rs-def") == "满意率 =（非常满意 + 满意）÷ 评价数"
    screenshot(page, "complaints-page")
    assert errors == []
    ctx.close()


def test_the_hall_screen_shows_the_supervision_phone(browser: Any, live_server: LiveServer) -> None:
    admin = _token(live_server, "admin")
    assert (
        requests.patch(
            live_server.url + "/api/v1/settings/ratings",
            json={"supervision_phone": "0457-12345"},
            headers=admin,
            timeout=10,
        ).status_code
        == 200
    )
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{live_server.url}/display/hall?token={live_server.token_of('display')}")
    hotline = page.locator("[data-testid=hotline]")
    hotline.wait_for()
    assert hotline.inner_text() == "监督电话：0457-12345"
    box = hotline.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0.1 * 1080 + 1  # inside the header band
    screenshot(page, "hall-hotline")
    ctx.close()
