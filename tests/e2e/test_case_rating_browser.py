"""办件送达后评价 on the visitor's phone (issue 18): the ticket's page offers the case's rating once the
case is delivered, beside the visit's own rating, and keeps the answer; Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _accepted_case(srv: LiveServer) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """A 不动产抵押权首次登记 visit at window 4 that ends in 受理: its ticket, case and clerk."""
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
    case = requests.post(
        f"{u}/tickets/{t['id']}/finish",
        headers=clerk,
        json={"outcome": "accepted", "applicant": {"name": "孙丽丽", "phone": "13700001234"}},
    ).json()["case"]
    return t, case, clerk


def test_the_phone_rates_a_delivered_case_beside_the_visit(
    browser: Any, live_server: LiveServer
) -> None:
    u = live_server.url + "/api/v1"
    t, case, clerk = _accepted_case(live_server)
    errors: list[str] = []
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/t/{t['public_id']}")
    page.wait_for_selector("[data-testid=rate]:visible")  # the visit can be rated at once
    assert page.is_hidden("[data-testid=case-rate]")  # the case only once delivered
    page.click("[data-testid=level-4]")
    page.click("[data-testid=rate-send]")
    page.wait_for_selector("[data-testid=rated]:visible")
    live = "[data-testid=status-live]:has-text('实时更新中')"
    for move, body in (("review", {}), ("approve", {}), ("deliver", {"method": "window"})):
        # each step's case.updated reloads the page; the next step waits until the reloaded page is
        # live again (its socket in the ticket's room). Steps sent during a reload were heard by no
        # one and left to the page's slow case poll: 30 s of this test, most runs.
        page.wait_for_selector(live)
        with page.expect_navigation():
            r = requests.post(f"{u}/cases/{case['id']}/{move}", json=body, headers=clerk)
            assert r.status_code == 200, (move, r.text)
    # the page heard the delivery's case.updated and reloaded: now the case's own rating is offered
    page.wait_for_selector("[data-testid=case-rate]:visible")
    assert page.inner_text("[data-testid=case-rate] h2") == "办件已送达，请对本次办件作出评价"
    assert case["number"] in page.inner_text("[data-testid=case-rate]")
    assert page.inner_text("[data-testid=rated]").startswith("您已评价：满意")  # the visit's stays
    page.click("[data-testid=case-level-2]")
    page.click("[data-testid=case-rate-send]")
    assert "请选择或填写原因" in page.inner_text("#sc-rate-err")
    page.click("#sc-reasons .st-chip >> nth=0")
    page.fill("[data-testid=case-rate-text]", "领证时又让补材料")
    assert page.inner_text("#sc-rate-err") == ""  # a reason given: the prompt goes
    page.locator("[data-testid=case-rate]").scroll_into_view_if_needed()
    screenshot(page, "phone-case-rating")
    page.click("[data-testid=case-rate-send]")
    page.wait_for_selector("[data-testid=case-rated]:visible")
    assert page.inner_text("[data-testid=case-rated]").startswith("您已评价本次办件：不满意")
    assert page.is_hidden("[data-testid=case-rate]")
    screenshot(page, "phone-case-rated")
    # reloaded, and in English: both ratings stay given, none offered again
    page.goto(f"{live_server.url}/t/{t['public_id']}?lang=en")
    page.wait_for_selector("[data-testid=case-rated]:visible")
    assert page.inner_text("[data-testid=case-rated]").startswith(
        "You rated this case: Dissatisfied"
    )
    assert page.inner_text("[data-testid=rated]").startswith("You rated: Satisfied")
    assert page.is_hidden("[data-testid=case-rate]") and page.is_hidden("[data-testid=rate]")
    screenshot(page, "phone-case-rated-en")
    again = requests.post(
        f"{u}/public/tickets/{t['public_id']}/evaluation", json={"level": 5, "subject": "case"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_evaluated"
    assert errors == []
