"""The clerk workstation and the counter evaluator in headless Chromium against a real server.

The call is checked on the real hall screen page (/display/hall) and on a Socket.IO client
with the display token; the pause is checked through the window.changed event that the
window screen draws from (the demo has a window screen only for window 1).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import socketio

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


class Listener:
    """A Socket.IO client that records every event, like a hall screen."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._any)
        self.sio.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _any(self, name: str, payload: Any = None) -> None:
        with self.lock:
            self.events.append((name, payload))

    def wait_for(self, name: str, pred: Any, timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for n, p in self.events:
                    if n == name and pred(p):
                        return p
            time.sleep(0.05)
        raise AssertionError(f"no {name} event matched within {timeout}s")

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture(scope="module")
def hall_info(live_server: LiveServer) -> dict[str, Any]:
    """Window ids by number and service ids by code, from the public API."""
    h = {"Authorization": f"Bearer {live_server.token_of('display')}"}
    wins = requests.get(live_server.url + "/api/v1/windows", headers=h, timeout=10).json()["items"]
    svcs = requests.get(live_server.url + "/api/v1/services", timeout=10).json()["items"]
    return {"w": {w["number"]: w["id"] for w in wins}, "s": {s["code"]: s["id"] for s in svcs}}


@pytest.fixture
def listener(live_server: LiveServer) -> Iterator[Listener]:
    lst = Listener(live_server.url, live_server.token_of("display"))
    yield lst
    lst.close()


def issue(srv: LiveServer, service_id: int, n: int = 1) -> list[dict[str, Any]]:
    h = {"Authorization": f"Bearer {srv.token_of('kiosk')}"}
    out = []
    for _ in range(n):
        r = requests.post(
            srv.url + "/api/v1/tickets", json={"service_id": service_id}, headers=h, timeout=10
        )
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def api_token(srv: LiveServer, username: str) -> str:
    r = requests.post(
        srv.url + "/api/v1/auth/login",
        json={"username": username, "password": srv.passwords[username]},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def sup_headers(srv: LiveServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(srv, 'qianzhonghua')}"}


def clerk_page(
    browser: Any,
    srv: LiveServer,
    username: str,
    window_id: int | None = None,
    expect_desk: bool = True,
    timezone_id: str | None = None,
) -> Any:
    """A fresh browser context signed in through the page's own form (on the PC's own clock zone, if given)."""
    ctx = browser.new_context(
        viewport={"width": 1360, "height": 860}, locale="zh-CN", timezone_id=timezone_id
    )
    page = ctx.new_page()
    page.on("pageerror", lambda exc: pytest.fail(f"JS error on the clerk page: {exc}"))
    page.goto(srv.url + "/caller")
    page.fill("#username", username)
    page.fill("#password", srv.passwords[username])
    page.click("#signin-btn")
    page.wait_for_selector("#window-select")
    if window_id is not None:
        page.select_option("#window-select", str(window_id))
    if expect_desk:
        page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_function("document.getElementById('conn').dataset.online === '1'")
    return page


def open_window(page: Any) -> None:
    page.click("[data-act=open]")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'open'")


def press(page: Any, key: str) -> None:
    """Press a key once the page is idle (keys are ignored while a request runs, by design)."""
    page.wait_for_function("!window.QHCaller || (!window.QHCaller.state.busy)")
    page.locator("body").press(key)


def current_number(page: Any) -> str:
    page.wait_for_selector("#cur-body:not([hidden])")
    return str(page.text_content("#cur-number"))


def test_a_clerk_calls_starts_and_finishes_by_keyboard_and_the_hall_screen_gets_the_call(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any], listener: Listener
) -> None:
    hall_screen = browser.new_page(viewport={"width": 1280, "height": 720})
    hall_screen.goto(f"{live_server.url}/display/hall?token={live_server.token_of('display')}")
    [ticket] = issue(live_server, hall_info["s"]["SCJG-003"])
    page = clerk_page(
        browser, live_server, "zhangwei"
    )  # assigned to window 1 only: chosen by itself
    open_window(page)
    press(page, "F1")
    assert current_number(page) == ticket["number"]
    page.wait_for_function("document.getElementById('cur-state').dataset.state === 'called'")
    assert "有限责任公司设立登记" in page.text_content("#cur-service")
    assert page.text_content("#cur-first") == "本窗口（首问）"
    call = listener.wait_for("ticket.called", lambda p: p["ticket"]["id"] == ticket["id"])
    assert call["window"]["number"] == 1 and call["recall"] is False
    assert call["text"] == f"请{ticket['number']}号到1号窗口办理"
    hall_screen.wait_for_function("n => document.body.innerText.includes(n)", arg=ticket["number"])
    screenshot(hall_screen, "caller-hall-screen")
    hall_screen.close()
    press(page, "s")
    page.wait_for_function("document.getElementById('cur-state').dataset.state === 'serving'")
    screenshot(page, "caller-serving")
    press(page, "f")
    page.wait_for_selector("#cur-empty:not([hidden])")
    h = {"Authorization": f"Bearer {live_server.token_of('display')}"}
    t = requests.get(
        f"{live_server.url}/api/v1/tickets/{ticket['id']}", headers=h, timeout=10
    ).json()
    assert t["state"] == "done" and t["outcome"] == "done"
    page.context.close()


def test_two_clerk_pages_drain_a_queue_without_sharing_a_ticket_and_a_double_press_skips_nothing(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    w2, w3 = hall_info["w"][2], hall_info["w"][3]
    tickets = issue(live_server, hall_info["s"]["RSJ-004"], 6)  # served by windows 2 and 3
    a = clerk_page(browser, live_server, "wangfang", w2)
    b = clerk_page(browser, live_server, "lina", w3)
    open_window(a)
    open_window(b)
    # a double press (two key events at once) calls exactly one ticket
    a.evaluate("""() => { for (let i = 0; i < 2; i++)
        document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'F1', bubbles: true})); }""")
    first = current_number(a)
    a.wait_for_function("!window.QHCaller.state.busy")
    h = {"Authorization": f"Bearer {live_server.token_of('display')}"}
    called = [
        requests.get(f"{live_server.url}/api/v1/tickets/{t['id']}", headers=h, timeout=10).json()
        for t in tickets
    ]
    assert sum(1 for t in called if t["state"] == "called") == 1
    got = {"a": [first], "b": []}
    press(a, "s")
    a.wait_for_function("document.getElementById('cur-state').dataset.state === 'serving'")
    press(a, "f")
    a.wait_for_selector("#cur-empty:not([hidden])")
    mine = {t["number"] for t in tickets}
    for _ in range(6):
        for _name, page in (("a", a), ("b", b)):
            press(page, "F1")
        for name, page in (("a", a), ("b", b)):
            page.wait_for_function("!window.QHCaller.state.busy")
            if page.is_visible("#cur-body"):
                num = current_number(page)
                got[name].append(num)
                press(page, "s")
                page.wait_for_function(
                    "document.getElementById('cur-state').dataset.state === 'serving'"
                )
                press(page, "f")
                page.wait_for_selector("#cur-empty:not([hidden])")
        left = [
            t
            for t in tickets
            if requests.get(
                f"{live_server.url}/api/v1/tickets/{t['id']}", headers=h, timeout=10
            ).json()["state"]
            == "waiting"
        ]
        if not left:
            break
    served = got["a"] + got["b"]
    assert len(served) == len(set(served)), f"a ticket was handed out twice: {got}"
    assert mine <= set(served)
    assert set(got["a"]) & set(got["b"]) == set()
    assert got["b"], "the second clerk should have served some of the queue"
    screenshot(b, "caller-drained")
    a.context.close()
    b.context.close()


def test_a_transfer_appears_in_the_other_windows_list_with_its_history(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    w2, w3 = hall_info["w"][2], hall_info["w"][3]
    [ticket] = issue(live_server, hall_info["s"]["RSJ-002"])
    a = clerk_page(browser, live_server, "wangfang", w2)
    b = clerk_page(
        browser, live_server, "lina", w3, timezone_id="America/New_York"
    )  # a PC set to the wrong zone
    for p in (a, b):
        if p.get_attribute("#window-state", "data-state") != "open":
            open_window(p)
    press(a, "F1")
    assert current_number(a) == ticket["number"]
    press(a, "s")
    a.wait_for_function("document.getElementById('cur-state').dataset.state === 'serving'")
    press(a, "t")
    a.wait_for_selector("#dlg-back:not([hidden])")
    a.select_option("#transfer-kind", "window")
    a.select_option("#transfer-window", str(w3))
    a.fill("#transfer-note", "需核对医保缴费记录")
    screenshot(a, "caller-transfer-dialog")
    a.click("#dlg-ok")
    a.wait_for_selector("#cur-empty:not([hidden])")
    row = b.locator(f"#queue-list li[data-number='{ticket['number']}']")
    row.wait_for()
    assert "转入" in row.text_content()
    assert (
        b.locator("#queue-list li").first.get_attribute("data-number") == ticket["number"]
    )  # transfers go first
    press(b, "F1")
    assert current_number(b) == ticket["number"]
    b.locator("#cur-transfers li").first.wait_for()
    assert "2号窗口" in b.text_content("#cur-transfers") and "需核对医保缴费记录" in b.text_content(
        "#cur-transfers"
    )
    # the transfer time is the hall's clock, whatever zone the PC is set to
    staff = {"Authorization": f"Bearer {api_token(live_server, 'lina')}"}
    evs = requests.get(
        f"{live_server.url}/api/v1/tickets/{ticket['id']}/events", headers=staff, timeout=10
    ).json()
    at = datetime.fromisoformat(next(e["at"] for e in evs["items"] if e["type"] == "transferred"))
    hall_tz = requests.get(
        f"{live_server.url}/api/v1/settings", headers=sup_headers(live_server), timeout=10
    ).json()
    assert hall_tz["timezone"] == "Asia/Shanghai"
    shown = b.text_content("#cur-transfers li")
    assert at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M") in shown
    assert at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") not in shown
    assert b.text_content("#cur-first").startswith("2号窗口")
    screenshot(b, "caller-transferred-in")
    press(b, "s")
    b.wait_for_function("document.getElementById('cur-state').dataset.state === 'serving'")
    press(b, "x")  # 不予受理 needs a reason: OK stays disabled until one is written
    b.wait_for_selector("#dlg-back:not([hidden])")
    assert b.is_disabled("#dlg-ok")
    b.fill("#refuse-reason", "不属于本中心受理范围")
    b.click("#dlg-ok")
    b.wait_for_selector("#cur-empty:not([hidden])")
    a.context.close()
    b.context.close()


def test_pause_with_a_reason_reaches_the_window_screen_and_resume_clears_it(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any], listener: Listener
) -> None:
    w4 = hall_info["w"][4]
    page = clerk_page(browser, live_server, "sunhaoran", w4)
    open_window(page)
    press(page, "z")
    page.wait_for_selector("#dlg-back:not([hidden])")
    assert page.is_disabled("#dlg-ok")
    press(page, "1")  # 午休
    press(page, "Enter")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'paused'")
    assert page.text_content("#window-state") == "暂停服务 · 午休"
    assert page.is_disabled("[data-act=call-next]")
    # what the window screen draws from (its page is built by the display issue)
    ev = listener.wait_for(
        "window.changed", lambda p: p["window"]["id"] == w4 and p["window"]["state"] == "paused"
    )
    assert ev["window"]["pause_reason"] == "lunch"
    screenshot(page, "caller-paused")
    press(page, "u")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'open'")
    listener.wait_for(
        "window.changed", lambda p: p["window"]["id"] == w4 and p["window"]["state"] == "open"
    )
    page.context.close()


def test_the_evaluator_takes_one_rating_and_refuses_a_bad_one_without_a_reason(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    w1 = hall_info["w"][1]
    ev_token = live_server.token_of("evaluator", window=1)
    bad = browser.new_page()
    resp = bad.goto(live_server.url + "/evaluator?token=qhd_not-a-token")
    assert resp.status == 401
    assert "评价器未授权" in bad.text_content("h1")
    screenshot(bad, "evaluator-401")
    bad.close()

    # 张伟 holds window 1 (opened here, so the test does not lean on an earlier one): the card
    # shows him
    clerk = {"Authorization": f"Bearer {api_token(live_server, 'zhangwei')}"}
    u = live_server.url + "/api/v1"
    r = requests.post(f"{u}/windows/{w1}/open", json={}, headers=clerk, timeout=10)
    assert r.status_code == 200, r.text
    tab = browser.new_page(viewport={"width": 1280, "height": 800})
    tab.on("pageerror", lambda exc: pytest.fail(f"JS error on the evaluator: {exc}"))
    tab.goto(f"{live_server.url}/evaluator?token={ev_token}")
    tab.wait_for_function("document.getElementById('conn').dataset.online === '1'")
    tab.wait_for_function("document.getElementById('card-name').textContent === '张伟'")
    assert "XL-0101" in tab.text_content("#card-badge")
    screenshot(tab, "evaluator-card")

    [ticket] = issue(live_server, hall_info["s"]["SCJG-005"])
    for step in ("call-next",):
        r = requests.post(f"{u}/windows/{w1}/{step}", json={}, headers=clerk, timeout=10)
        assert r.status_code == 200 and r.json()["id"] == ticket["id"], r.text
    for step, body in (("start", None), ("finish", {"outcome": "done"})):
        r = requests.post(
            f"{u}/tickets/{ticket['id']}/{step}", json=body or {}, headers=clerk, timeout=10
        )
        assert r.status_code == 200, r.text

    tab.wait_for_selector("#rate:not([hidden])")
    assert ticket["number"] in tab.text_content("#rate-ticket")
    # five equal buttons, best first, none preselected
    levels = tab.locator(".qe-level")
    assert levels.count() == 5
    assert [levels.nth(i).text_content() for i in range(5)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    sizes = {
        (round(b["width"]), round(b["height"]))
        for b in (levels.nth(i).bounding_box() for i in range(5))
    }
    assert len(sizes) == 1
    assert tab.locator(".qe-level[aria-checked=true]").count() == 0
    tab.click(".qe-level[data-level='2']")
    tab.wait_for_selector("#reasons-box:not([hidden])")
    tab.click("#submit")
    tab.wait_for_selector("#rate-error:not([hidden])")
    assert "原因" in tab.text_content("#rate-error")
    # the API refuses it too
    ev_h = {"Authorization": f"Bearer {ev_token}"}
    r = requests.post(
        f"{u}/tickets/{ticket['id']}/evaluation", json={"level": 2}, headers=ev_h, timeout=10
    )
    assert r.status_code == 422
    tab.click(".qe-chip[data-reason='等候时间长']")
    tab.fill("#reason-text", "取号后等了很久")
    screenshot(tab, "evaluator-bad-rating")
    tab.click("#submit")
    tab.wait_for_selector("#thanks:not([hidden])")
    tab.wait_for_selector("#card:not([hidden])", timeout=8000)

    # one rating per ticket: the API and the page both refuse a second one
    r = requests.post(
        f"{u}/tickets/{ticket['id']}/evaluation", json={"level": 5}, headers=ev_h, timeout=10
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_evaluated"
    tab.evaluate("t => { window.QHEval.state.rated = {}; window.QHEval.invite(t); }", ticket)
    tab.click(".qe-level[data-level='5']")
    tab.click("#submit")
    tab.wait_for_selector("#thanks:not([hidden])")
    assert "已评价" in tab.text_content("#thanks-text")

    # only the visit just finished is rated: one left unrated is closed once the next one ends
    def serve() -> dict[str, Any]:
        [t] = issue(live_server, hall_info["s"]["SCJG-005"])
        r = requests.post(f"{u}/windows/{w1}/call-next", json={}, headers=clerk, timeout=10)
        assert r.status_code == 200 and r.json()["id"] == t["id"], r.text
        for step, body in (("start", None), ("finish", {"outcome": "done"})):
            assert (
                requests.post(
                    f"{u}/tickets/{t['id']}/{step}", json=body or {}, headers=clerk, timeout=10
                ).status_code
                == 200
            )
        return t

    def invited(number: str) -> None:
        tab.wait_for_function(
            "n => !document.getElementById('rate').hidden && "
            "document.getElementById('rate-ticket').textContent.includes(n)",
            arg=number,
        )

    older = serve()
    invited(older["number"])
    tab.click("#skip")  # the visitor walked away
    newer = serve()
    invited(newer["number"])
    tab.click(".qe-level[data-level='4']")
    tab.click("#submit")
    tab.wait_for_selector("#thanks:not([hidden])")
    tab.evaluate("t => window.QHEval.invite(t)", older)
    invited(older["number"])
    tab.click(".qe-level[data-level='5']")
    tab.click("#submit")
    tab.wait_for_function(
        "document.getElementById('thanks-text').textContent.includes('评价已结束')"
    )
    screenshot(tab, "evaluator-closed")
    r = requests.post(
        f"{u}/tickets/{older['id']}/evaluation", json={"level": 5}, headers=ev_h, timeout=10
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "evaluation_closed"

    # the bad rating opened a rectification that supervisors see
    sup = {"Authorization": f"Bearer {api_token(live_server, 'qianzhonghua')}"}
    rects = requests.get(f"{u}/rectifications", headers=sup, timeout=10).json()["items"]
    mine = [x for x in rects if x["ticket_id"] == ticket["id"]]
    assert mine and mine[0]["rectification"] == "open" and "等候时间长" in mine[0]["reason"]
    tab.close()


def test_a_clerk_cannot_act_at_a_window_not_assigned_to_them_nor_rate(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    w1, w5 = hall_info["w"][1], hall_info["w"][5]
    page = clerk_page(browser, live_server, "zhangwei")
    options = page.eval_on_selector_all(
        "#window-select option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert options == [str(w1)]
    page.goto(f"{live_server.url}/caller?window={w5}")
    page.wait_for_selector("#no-window:not([hidden])")
    assert "未被分配" in page.text_content("#no-window")
    assert page.is_hidden("#desk")
    screenshot(page, "caller-not-assigned")
    statuses = page.evaluate(
        """async (w) => [
        (await QH.api('/windows/' + w + '/open', {method: 'POST', body: {}})).status,
        (await QH.api('/windows/' + w + '/call-next', {method: 'POST', body: {}})).status,
        (await QH.api('/windows/' + w + '/pause', {method: 'POST', body: {reason: 'lunch'}})).status,
    ]""",
        w5,
    )
    assert statuses == [403, 403, 403]
    # nobody rates from the clerk's page: there is no rating control and the API refuses staff
    assert page.locator(".qe-level").count() == 0
    status = page.evaluate(
        "async () => (await QH.api('/tickets/1/evaluation', {method: 'POST', body: {level: 5}})).status"
    )
    assert status == 403
    page.context.close()


def test_a_supervisor_sees_all_windows_and_takes_one_over(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    w6 = hall_info["w"][6]
    page = clerk_page(browser, live_server, "qianzhonghua", None, expect_desk=False)
    page.wait_for_selector("#supervisor:not([hidden])")
    rows = page.locator("#sup-windows tr")
    assert rows.count() == 18
    page.click(f"[data-takeover='{w6}']")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'open'")
    assert page.input_value("#window-select") == str(w6)
    [ticket] = issue(live_server, hall_info["s"]["GAHZ-001"])
    row = page.locator(f"#queue-list li[data-number='{ticket['number']}']")
    row.wait_for()
    page.click(f"[data-cancel='{ticket['id']}']")  # a supervisor cancels a waiting ticket
    page.locator(f"#listed-list li[data-number='{ticket['number']}']").wait_for()
    page.click(f"[data-requeue='{ticket['id']}']")  # and reactivates it
    row.wait_for()
    page.click(f"[data-pick='{ticket['id']}']")  # supervisors may call a particular ticket
    assert current_number(page) == ticket["number"]
    screenshot(page, "caller-supervisor")
    press(page, "n")
    page.wait_for_selector("#cur-empty:not([hidden])")
    page.click(f"[data-closewin='{w6}']")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'closed'")
    page.context.close()


def test_a_button_held_down_while_the_queue_changes_still_acts(
    browser: Any, live_server: LiveServer, hall_info: dict[str, Any]
) -> None:
    """Events re-render the lists at any moment. A button pressed before one and released after
    it must still act: a row rebuilt or moved in between would take the click with it, without
    a word. Here the row above the pressed one goes, which moves the pressed one up."""
    w6 = hall_info["w"][6]
    service = hall_info["s"]["GAHZ-001"]
    page = clerk_page(browser, live_server, "qianzhonghua", None, expect_desk=False)
    page.wait_for_selector("#supervisor:not([hidden])")
    page.click(f"[data-takeover='{w6}']")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'open'")
    above, pressed = issue(live_server, service, 2)
    button = page.locator(f"[data-pick='{pressed['id']}']")
    button.wait_for()
    page.locator(f"#queue-list li[data-number='{above['number']}']").wait_for()
    page.wait_for_function(
        "document.getElementById('queue-list').children.length === "
        "Number(document.getElementById('count-window').textContent)"
    )
    waiting = int(page.text_content("#count-window") or "")
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    # an event meanwhile: the ticket above is cancelled, and the page has drawn the new count
    sup = sup_headers(live_server)
    url = f"{live_server.url}/api/v1/tickets"
    r = requests.post(f"{url}/{above['id']}/cancel", json={}, headers=sup, timeout=10)
    assert r.status_code == 200, r.text
    page.wait_for_function(
        "n => document.getElementById('count-window').textContent === String(n)", arg=waiting - 1
    )
    page.mouse.up()
    assert current_number(page) == pressed["number"]
    # and the list held back while the button was down is the hall's as it is now
    page.locator(f"#queue-list li[data-number='{above['number']}']").wait_for(state="detached")
    page.locator(f"#queue-list li[data-number='{pressed['number']}']").wait_for(state="detached")
    press(page, "n")
    page.wait_for_selector("#cur-empty:not([hidden])")
    page.click(f"[data-closewin='{w6}']")
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'closed'")
    page.context.close()


def window_of(srv: LiveServer, number: int) -> dict[str, Any]:
    h = {"Authorization": f"Bearer {srv.token_of('display')}"}
    wins = requests.get(srv.url + "/api/v1/windows", headers=h, timeout=10).json()["items"]
    return next(w for w in wins if w["number"] == number)


def test_a_supervisor_takes_over_a_window_whose_clerk_is_serving_and_finishes_the_visit(
    browser: Any, live_server: LiveServer
) -> None:
    w8 = window_of(live_server, 8)
    clerk = clerk_page(browser, live_server, "tangjun")  # window 8 only: chosen by itself
    open_window(clerk)
    issue(live_server, w8["service_ids"][0])
    press(clerk, "F1")
    number = current_number(clerk)
    press(clerk, "s")
    clerk.wait_for_function("document.getElementById('cur-state').dataset.state === 'serving'")

    sup = clerk_page(browser, live_server, "xiejuan", None, expect_desk=False)
    row = sup.locator(f"#sup-windows tr[data-window='{w8['id']}']")
    row.wait_for()
    sup.wait_for_function(
        "([w, n]) => document.querySelector(`#sup-windows tr[data-window='${w}']`)"
        ".innerText.includes(n)",
        arg=[w8["id"], number],
    )
    assert "唐军" in row.text_content() and "办理中" in row.text_content()
    sup.click(f"[data-takeover='{w8['id']}']")
    sup.wait_for_function(
        "n => !document.getElementById('cur-body').hidden && "
        "document.getElementById('cur-number').textContent === n",
        arg=number,
    )
    assert sup.input_value("#window-select") == str(w8["id"])
    assert sup.text_content("#msg") == "已接管8号窗口（原由唐军办理）"
    assert sup.get_attribute("#cur-state", "data-state") == "serving"
    assert sup.is_enabled("[data-act=finish]") and sup.is_enabled("[data-act=transfer]")
    screenshot(sup, "caller-supervisor-took-over")

    # the clerk's page learns it at once and offers nothing it could still do there
    clerk.wait_for_function("document.getElementById('win-owner').textContent.includes('谢娟')")
    assert "谢娟已接管本窗口" in clerk.text_content("#msg")
    for act in ("finish", "park", "refuse", "transfer", "call-next", "close", "open"):
        assert clerk.is_disabled(f"[data-act={act}]"), act
    screenshot(clerk, "caller-window-taken-over")

    press(sup, "f")
    sup.wait_for_selector("#cur-empty:not([hidden])")
    h = {"Authorization": f"Bearer {live_server.token_of('display')}"}
    done = window_of(live_server, 8)
    assert done["current"] is None and done["staff"]["name"] == "谢娟"
    sup.click(f"[data-closewin='{w8['id']}']")
    sup.wait_for_function("document.getElementById('window-state').dataset.state === 'closed'")
    assert (
        requests.get(f"{live_server.url}/api/v1/windows/{w8['id']}", headers=h, timeout=10).json()[
            "state"
        ]
        == "closed"
    )
    sup.context.close()
    clerk.context.close()


def test_a_clerk_taken_off_a_window_loses_it_on_screen_and_a_password_reset_signs_the_page_out(
    browser: Any, live_server: LiveServer
) -> None:
    w7 = window_of(live_server, 7)
    page = clerk_page(browser, live_server, "gaopeng")  # window 7 only
    open_window(page)
    admin = {"Authorization": f"Bearer {api_token(live_server, 'admin')}"}
    u = live_server.url + "/api/v1"
    staff = next(
        s
        for s in requests.get(f"{u}/staff", headers=admin, timeout=10).json()["items"]
        if s["username"] == "gaopeng"
    )
    r = requests.patch(
        f"{u}/staff/{staff['id']}", json={"window_ids": []}, headers=admin, timeout=10
    )
    assert r.status_code == 200, r.text
    page.wait_for_function("document.getElementById('window-state').dataset.state === 'closed'")
    assert "主管或管理员关闭" in page.text_content("#msg")
    assert page.is_disabled("[data-act=call-next]") and page.is_disabled("[data-act=pause]")
    status = page.evaluate(
        "async (w) => (await QH.api('/windows/' + w + '/open', {method: 'POST', body: {}})).status",
        w7["id"],
    )
    assert status == 403
    screenshot(page, "caller-window-released")

    # a password reset ends this page's sign-in at once: the server drops the page's socket, the
    # page's reconnect is refused, and the sign-in form comes back without the clerk touching it
    requests.patch(
        f"{u}/staff/{staff['id']}", json={"window_ids": [w7["id"]]}, headers=admin, timeout=10
    )
    r = requests.post(f"{u}/staff/{staff['id']}/reset-password", headers=admin, timeout=10)
    assert r.status_code == 200
    page.wait_for_selector("#signin")
    page.fill("#username", "gaopeng")
    page.fill("#password", r.json()["password"])
    page.click("#signin-btn")
    page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_function("document.getElementById('conn').dataset.online === '1'")
    live_server.passwords["gaopeng"] = r.json()["password"]

    # a sign-in that ends while the socket stays up (the cookie gone, as when it expires): the next
    # button pressed gets a 401, and the page brings the sign-in form back instead of failing
    page.context.clear_cookies()
    assert page.is_enabled("[data-act=open]")
    page.evaluate(
        "() => { const b = document.querySelector('[data-act=open]'); if (b) b.click(); }"
    )
    page.wait_for_selector("#signin")
    page.context.close()
