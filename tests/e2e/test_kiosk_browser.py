"""The kiosk and the ticket's status page in headless Chromium, against a real server and printer simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import requests

from hardware.printer_sim import PrinterSimulator
from tests.conftest import LiveServer, screenshot, start_live_server

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def printer() -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(port=0, paper="ok").start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, printer: PrinterSimulator
) -> Iterator[LiveServer]:
    # The status page polls only every ten minutes here, so its test sees the live socket or nothing;
    # printers are polled every second so paper changes reach the kiosk quickly.
    env = {"QUEUEHALL_STATUS_POLL_S": "600", "QUEUEHALL_PRINTER_POLL_S": "1"}
    srv = start_live_server(
        tmp_path_factory.mktemp("kiosk"),
        extra_env=env,
        init_args=("--printer", f"tcp://127.0.0.1:{printer.port}"),
    )
    yield srv
    srv.stop()


class Page:
    """A touch page that records every request it makes."""

    def __init__(self, browser: Any, viewport: dict[str, int], **kw: Any) -> None:
        self.context = browser.new_context(viewport=viewport, has_touch=True, locale="zh-CN", **kw)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def tap(self, selector: str) -> None:
        loc = self.page.locator(selector).first
        for _ in range(3):  # a live list may redraw between finding a button and tapping it
            loc.wait_for(state="visible")
            loc.scroll_into_view_if_needed()
            box = loc.bounding_box()
            if box is not None:
                self.page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                return
        raise AssertionError(f"could not tap {selector}")

    def assert_local(self) -> None:
        assert self.requests, "the page made no request at all"
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            assert parsed.hostname == "127.0.0.1", f"request left the server: {url}"

    def close(self) -> None:
        self.assert_local()
        assert not self.errors, f"script errors on the page: {self.errors}"
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def make(viewport: dict[str, int], **kw: Any) -> Page:
        p = Page(browser, viewport, **kw)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


def kiosk_url(server: LiveServer, name: str | None = None) -> str:
    token = server.devices[name] if name else server.token_of("kiosk")
    return f"{server.url}/kiosk?token={token}"


def staff_session(server: LiveServer, username: str) -> requests.Session:
    s = requests.Session()
    r = s.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": username, "password": server.passwords[username]},
    )
    assert r.status_code == 200, r.text
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return s


def window_id(s: requests.Session, server: LiveServer, number: int) -> int:
    items = s.get(f"{server.url}/api/v1/windows").json()["items"]
    return next(w["id"] for w in items if w["number"] == number)


def take_by_touch(p: Page, server: LiveServer, dept: str, item: str, shot: str) -> str:
    p.page.goto(kiosk_url(server))
    p.page.locator(".k-tile").first.wait_for()
    screenshot(p.page, f"{shot}-1-departments")
    p.tap(f".k-tile:has-text('{dept}')")
    p.page.locator(".k-item").first.wait_for()
    screenshot(p.page, f"{shot}-2-items")
    p.tap(f".k-item:has-text('{item}')")
    p.page.locator("[data-testid=guide] dt:has-text('申报材料')").wait_for()
    screenshot(p.page, f"{shot}-3-guide")
    p.tap("[data-testid=take]")
    number = p.page.locator("[data-testid=ticket-number]")
    number.wait_for(state="visible")
    p.page.wait_for_function("document.querySelector('[data-testid=ticket-qr]').naturalWidth > 0")
    p.page.wait_for_function(
        "document.querySelector('[data-testid=ticket-wait]').textContent !== '…'"
    )
    return number.inner_text().strip()


def wait_print_state(p: Page, states: tuple[str, ...], timeout_s: float = 8.0) -> str:
    deadline = time.monotonic() + timeout_s
    state = ""
    while time.monotonic() < deadline:
        state = p.page.get_attribute("[data-testid=print-state]", "data-state") or ""
        if state in states:
            return state
        time.sleep(0.2)
    return state


@pytest.mark.parametrize("orientation,viewport", [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_a_visitor_takes_a_ticket_by_touch_and_it_is_printed(
    server: LiveServer,
    printer: PrinterSimulator,
    open_page: Any,
    orientation: str,
    viewport: dict[str, int],
) -> None:
    p = open_page(viewport)
    item = "个体工商户设立登记" if orientation == "portrait" else "个体工商户变更登记"
    number = take_by_touch(p, server, "市场监管", item, f"kiosk-{orientation}")
    assert number.startswith("A")
    assert p.page.locator("[data-testid=ticket-item]").inner_text() == item
    assert p.page.locator("[data-testid=ticket-ahead]").inner_text().strip().endswith("人")
    state = wait_print_state(p, ("printed", "failed"))
    screenshot(p.page, f"kiosk-{orientation}-4-ticket")
    assert state == "printed", p.page.locator("[data-testid=print-state]").inner_text()
    printed = [tk.text() for tk in printer.wait_for_tickets(1, 5)]
    assert any(number in text for text in printed), printed


def test_paper_out_shows_the_on_screen_ticket_with_a_plain_failure_message(
    server: LiveServer, printer: PrinterSimulator, open_page: Any
) -> None:
    printer.paper = "out"
    try:
        p = open_page(PORTRAIT)
        number = take_by_touch(p, server, "市场监管", "营业执照遗失补领", "kiosk-paper-out")
        state = wait_print_state(p, ("failed",), 12)
        screenshot(p.page, "kiosk-paper-out-4-ticket")
        assert state == "failed"
        assert "打印失败" in p.page.locator("[data-testid=print-state]").inner_text()
        assert p.page.locator("[data-testid=ticket-number]").inner_text().strip() == number
        assert p.page.locator("[data-testid=ticket-qr]").is_visible()
        assert not any(number in tk.text() for tk in printer.tickets)
    finally:
        printer.paper = "ok"


def test_search_with_the_on_screen_keyboard_finds_items_by_pinyin_initials(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(LANDSCAPE)
    p.page.goto(kiosk_url(server))
    p.page.locator(".k-tile").first.wait_for()
    p.tap("[data-testid=open-search]")
    for key in "shbzk":
        p.tap(f"#k-keyboard [data-key={key}]")
    p.page.locator("#k-results .k-item:has-text('社会保障卡补换')").wait_for()
    screenshot(p.page, "kiosk-search-pinyin")
    p.tap("#k-keyboard [data-key=clear]")


def test_search_by_chinese_keywords_by_touch_alone(server: LiveServer, open_page: Any) -> None:
    p = open_page(PORTRAIT)
    p.page.goto(kiosk_url(server))
    p.page.locator(".k-tile").first.wait_for()
    p.tap("[data-testid=open-search]")
    chips = p.page.locator("[data-testid=keywords] .k-chip")
    chips.first.wait_for()
    labels = chips.all_inner_texts()
    for word in ("营业执照", "社保", "医保", "户口", "公积金", "不动产", "税务"):
        assert word in labels, labels
    p.tap("[data-testid=keywords] .k-chip:has-text('公积金')")
    results = p.page.locator("#k-results .k-item")
    p.page.locator("#k-results .k-item:has-text('住房公积金提取（购房）')").wait_for()
    assert all("公积金" in name for name in results.locator(".k-item-name").all_inner_texts())
    assert p.page.input_value("[data-testid=search]") == "公积金"
    screenshot(p.page, "kiosk-search-keyword")
    p.tap("[data-testid=keywords] .k-chip:has-text('营业执照')")
    p.page.locator("#k-results .k-item:has-text('营业执照遗失补领')").wait_for()
    p.page.locator("#k-results .k-item:has-text('个体工商户设立登记')").wait_for()
    assert not p.page.locator("#k-results .k-item:has-text('住房公积金')").count()
    # typing a letter leaves the keyword for a pinyin search
    for key in "bdc":
        p.tap(f"#k-keyboard [data-key={key}]")
    p.page.locator("#k-results .k-item:has-text('不动产')").first.wait_for()
    assert p.page.input_value("[data-testid=search]") == "bdc"
    p.tap("#k-results .k-item:has-text('不动产登记资料查询')")
    p.page.locator("[data-testid=guide-name]:has-text('不动产登记资料查询')").wait_for()


def staff_makes_a_code(
    browser: Any, server: LiveServer, username: str, button: str
) -> tuple[Any, str]:
    """A staff member signs in on their own PC, opens the code page from the caller page and makes a code."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{server.url}/caller")
    page.fill("#username", username)
    page.fill("#password", server.passwords[username])
    page.click("#signin-btn")
    page.locator("[data-testid=codes-link]").click()
    page.wait_for_url("**/caller/codes")
    page.click(f"[data-testid={button}]")
    value = page.locator("[data-testid=code-value]")
    value.wait_for(state="visible")
    page.locator("[data-testid=code-left]:has-text('剩余有效时间')").wait_for()
    return ctx, value.inner_text().strip()


def test_a_consulting_desk_clerk_makes_a_green_channel_code_and_the_visitor_uses_it_by_touch(
    server: LiveServer, browser: Any, open_page: Any
) -> None:
    staff, code = staff_makes_a_code(browser, server, "shenqian", "make-green")
    try:
        assert len(code) == 6 and code.isdigit()
        screenshot(staff.pages[0], "codes-staff-page")
        p = open_page(PORTRAIT)
        p.page.goto(kiosk_url(server))
        p.tap(".k-tile:has-text('公安户政')")
        p.tap(".k-item:has-text('居民身份证换领')")
        p.tap("[data-testid=take-priority]")
        p.tap(".k-kind[data-kind=green]")
        wrong = "".join(str((int(ch) + 1) % 10) for ch in code)
        for ch in wrong:
            p.tap(f"#k-keypad [data-key='{ch}']")
        assert p.page.get_attribute("[data-testid=code]", "data-value") == wrong
        p.tap("[data-testid=priority-confirm]")
        p.page.locator("[data-testid=priority-error]:has-text('不正确')").wait_for()
        screenshot(p.page, "kiosk-priority-code-wrong")
        for ch in code:
            p.tap(f"#k-keypad [data-key='{ch}']")
        screenshot(p.page, "kiosk-priority-code")
        p.tap("[data-testid=priority-confirm]")
        p.page.locator("[data-testid=ticket-number]").wait_for(state="visible")
        assert p.page.locator("#k-t-prio").inner_text() == "绿色通道"
        number = p.page.locator("[data-testid=ticket-number]").inner_text().strip()
        screenshot(p.page, "kiosk-green-ticket")
        assert not {c["name"] for c in p.context.cookies()} & {
            "session"
        }  # nothing of the staff's stays on the kiosk
        # the staff page shows what became of the code
        page = staff.pages[0]
        page.reload()
        page.locator(f"[data-testid=code-list] tr[data-state=used]:has-text('{number}')").wait_for()
        assert (
            "已使用"
            in page.locator("[data-testid=code-list] tr[data-state=used]").first.inner_text()
        )
    finally:
        staff.close()


def test_items_that_need_advice_send_the_visitor_to_the_consulting_desk(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(LANDSCAPE)
    p.page.goto(kiosk_url(server))
    p.tap(".k-tile:has-text('人社')")
    p.tap(".k-item:has-text('退休')")
    p.tap("[data-testid=take]")
    msg = p.page.locator("[data-testid=message]")
    msg.wait_for(state="visible")
    assert "咨询台" in msg.inner_text() and "18号窗口" in msg.inner_text()
    screenshot(p.page, "kiosk-consult")


def test_a_full_item_says_so_plainly(server: LiveServer, open_page: Any) -> None:
    kiosk = {"Authorization": "Bearer " + server.token_of("kiosk")}
    services = requests.get(f"{server.url}/api/v1/services", timeout=5).json()["items"]
    capped = next(s for s in services if s["code"] == "JTJ-001")
    for _ in range(capped["daily_cap"]):
        r = requests.post(
            f"{server.url}/api/v1/tickets",
            json={"service_id": capped["id"]},
            headers=kiosk,
            timeout=5,
        )
        assert r.status_code == 201
    p = open_page(PORTRAIT)
    p.page.goto(kiosk_url(server))
    p.tap(".k-tile:has-text('交通运输')")
    card = p.page.locator(f".k-item:has-text('{capped['name']}')")
    card.locator(
        "[data-testid=full-badge]:has-text('今日已满')"
    ).wait_for()  # said before anyone taps 取号
    assert card.get_attribute("aria-disabled") == "true"
    other = p.page.locator(".k-item").filter(has_not_text=capped["name"]).first
    assert (
        other.get_attribute("aria-disabled") == "false"
        and not other.locator("[data-testid=full-badge]").is_visible()
    )
    screenshot(p.page, "kiosk-daily-cap")
    p.tap(f".k-item:has-text('{capped['name']}')")
    note = p.page.locator("[data-testid=guide-unavailable]")
    note.wait_for(state="visible")
    assert "号源已取完" in note.inner_text()
    assert not p.page.locator("[data-testid=take]").is_visible()
    assert not p.page.locator("[data-testid=take-priority]").is_visible()
    p.page.locator(
        "[data-testid=guide] dt:has-text('申报材料')"
    ).wait_for()  # the guide stays readable
    screenshot(p.page, "kiosk-daily-cap-guide")


def test_outside_business_hours_the_kiosk_says_when_numbers_are_issued_again(
    server: LiveServer, open_page: Any
) -> None:
    admin = staff_session(server, "admin")
    before = admin.get(f"{server.url}/api/v1/settings").json()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    every_day = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    closed = {
        "enforce_hours": True,
        "hours": every_day,
        "holidays": [today.isoformat(), (today + timedelta(days=1)).isoformat()],
    }
    assert admin.patch(f"{server.url}/api/v1/settings", json=closed).status_code == 200
    try:
        opens = today + timedelta(days=2)
        weekday = "一二三四五六日"[opens.weekday()]
        expected = f"本中心将于{opens.month}月{opens.day}日（周{weekday}）09:00开始取号"
        p = open_page(LANDSCAPE)
        p.page.goto(kiosk_url(server))
        banner = p.page.locator("[data-testid=closed-banner]")
        banner.wait_for(state="visible")
        assert expected in banner.inner_text(), banner.inner_text()
        screenshot(p.page, "kiosk-outside-hours")
        p.tap(".k-tile:has-text('市场监管')")
        p.tap(".k-item:has-text('个体工商户设立登记')")
        note = p.page.locator("[data-testid=guide-unavailable]")
        note.wait_for(state="visible")
        assert expected in note.inner_text() and "办事指南" in note.inner_text()
        assert not p.page.locator("[data-testid=take]").is_visible()
        screenshot(p.page, "kiosk-outside-hours-guide")
        # the admin opens the hall again: the kiosk follows without a reload
        assert (
            admin.patch(f"{server.url}/api/v1/settings", json={"enforce_hours": False}).status_code
            == 200
        )
        banner.wait_for(state="hidden", timeout=5000)
        p.page.locator("[data-testid=take]").wait_for(state="visible", timeout=5000)
    finally:
        restore = {k: before[k] for k in ("enforce_hours", "hours", "holidays")}
        assert admin.patch(f"{server.url}/api/v1/settings", json=restore).status_code == 200


def test_the_kiosk_shows_its_own_printer_state_before_anyone_takes_a_number(
    server: LiveServer, printer: PrinterSimulator, open_page: Any
) -> None:
    p = open_page(PORTRAIT)
    p.page.goto(kiosk_url(server))
    p.page.locator(".k-tile").first.wait_for()
    down, low = (
        p.page.locator("[data-testid=printer-down]"),
        p.page.locator("[data-testid=printer-low]"),
    )
    assert down.is_hidden() and low.is_hidden()
    try:
        printer.paper = "low"
        low.wait_for(state="visible", timeout=8000)
        assert "即将用完" in low.inner_text() and down.is_hidden()
        screenshot(p.page, "kiosk-printer-low")
        printer.paper = "out"
        down.wait_for(state="visible", timeout=8000)
        assert "只在屏幕上显示" in down.inner_text() and low.is_hidden()
        screenshot(p.page, "kiosk-printer-out")
    finally:
        printer.paper = "ok"
    down.wait_for(state="hidden", timeout=8000)
    assert low.is_hidden()


def test_large_text_and_english_are_one_touch_away(server: LiveServer, open_page: Any) -> None:
    p = open_page(PORTRAIT)
    p.page.goto(kiosk_url(server))
    p.page.locator(".k-tile").first.wait_for()
    normal = p.page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.k-tile-name')).fontSize)"
    )
    p.tap("[data-testid=large]")
    large = p.page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.k-tile-name')).fontSize)"
    )
    assert large > normal * 1.25
    screenshot(p.page, "kiosk-large-text")
    p.tap("[data-testid=lang]")
    p.page.wait_for_url("**lang=en**")
    p.page.locator(".k-tile:has-text('Market Regulation')").wait_for()
    assert "Choose the service you need" in p.page.inner_text("body")
    assert p.page.evaluate(
        "document.documentElement.classList.contains('large')"
    )  # kept across the switch
    p.tap(".k-tile:has-text('Market Regulation')")
    p.tap(".k-item:has-text('Sole Proprietorship Registration')")
    p.page.locator("[data-testid=guide] dt:has-text('Documents to bring')").wait_for()
    screenshot(p.page, "kiosk-english-large-guide")


def test_the_kiosk_returns_to_the_start_when_left_alone(server: LiveServer, open_page: Any) -> None:
    p = open_page(LANDSCAPE)
    p.page.goto(kiosk_url(server))
    p.page.evaluate("window.QH_CONFIG.idleSeconds = 1")
    p.tap(".k-tile:has-text('税务')")
    p.tap("[data-testid=large]")
    p.page.locator("[data-screen=home]").wait_for(state="visible", timeout=5000)
    assert not p.page.evaluate("document.documentElement.classList.contains('large')")


def test_a_countdown_warns_before_the_idle_reset_and_a_touch_keeps_the_visitor_s_place(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(PORTRAIT)
    p.page.goto(kiosk_url(server))
    p.page.evaluate("window.QH_CONFIG.idleSeconds = 6; window.QH_CONFIG.idleWarnSeconds = 4")
    p.tap(".k-tile:has-text('税务')")
    warning = p.page.locator("[data-testid=idle-warning]")
    warning.wait_for(state="visible", timeout=6000)
    text = warning.inner_text()
    assert "即将返回首页" in text and "秒后将返回首页" in text
    seconds = int("".join(ch for ch in text.split("秒后")[0] if ch.isdigit())[-1])
    assert 1 <= seconds <= 4
    screenshot(p.page, "kiosk-idle-warning")
    card = p.page.locator(".k-item").first.bounding_box()  # under the warning's backdrop
    assert card is not None
    p.page.touchscreen.tap(card["x"] + card["width"] / 2, card["y"] + card["height"] / 2)
    warning.wait_for(state="hidden", timeout=2000)
    assert p.page.locator("[data-screen=items]").is_visible()  # the touch kept the place
    assert p.page.locator("[data-screen=guide]").is_hidden()  # and tapped nothing under the warning
    warning.wait_for(state="visible", timeout=6000)  # left alone again: warned again, then reset
    p.page.locator("[data-screen=home]").wait_for(state="visible", timeout=6000)
    assert warning.is_hidden()


def test_a_bad_token_gets_a_clear_message(server: LiveServer, open_page: Any) -> None:
    p = open_page(LANDSCAPE)
    resp = p.page.goto(f"{server.url}/kiosk?token=qhd_not-a-token")
    assert resp is not None and resp.status == 401
    assert "设备令牌无效" in p.page.inner_text("[data-testid=denied]")
    screenshot(p.page, "kiosk-bad-token")


def test_the_status_page_follows_the_ticket_until_the_visit_ends(
    server: LiveServer, open_page: Any
) -> None:
    kiosk = {"Authorization": "Bearer " + server.token_of("kiosk")}
    services = requests.get(f"{server.url}/api/v1/services", timeout=5).json()["items"]
    svc = next(s for s in services if s["code"] == "GJJ-002")
    tk = requests.post(
        f"{server.url}/api/v1/tickets", json={"service_id": svc["id"]}, headers=kiosk, timeout=5
    ).json()
    p = open_page(PHONE, is_mobile=True)
    p.page.add_init_script(
        "navigator.vibrate = function (p) { window.__vibrated = p; return true; }"
    )
    p.page.goto(f"{server.url}/t/{tk['public_id']}")
    assert (
        p.page.evaluate("window.QH_CONFIG.pollSeconds") == 600
    )  # no poll in this test's time: only the socket
    assert p.page.inner_text("[data-testid=status-number]") == tk["number"]
    assert "排队等候中" in p.page.inner_text("[data-testid=status-state]")
    p.page.locator("[data-testid=status-live]:has-text('实时更新中')").wait_for()
    screenshot(p.page, "status-waiting")
    clerk = staff_session(server, "xuting")
    wid = window_id(clerk, server, 10)
    assert clerk.post(f"{server.url}/api/v1/windows/{wid}/open", json={}).status_code == 200
    called = clerk.post(f"{server.url}/api/v1/windows/{wid}/call-next")
    assert called.status_code == 200 and called.json()["id"] == tk["id"]
    p.page.locator("[data-testid=status-window]:has-text('10号窗口')").wait_for(timeout=5000)
    assert p.page.evaluate("window.__vibrated !== undefined")
    screenshot(p.page, "status-called")
    clerk.post(f"{server.url}/api/v1/tickets/{tk['id']}/start")
    clerk.post(f"{server.url}/api/v1/tickets/{tk['id']}/finish", json={"outcome": "done"})
    p.page.locator("[data-testid=status-outcome]:has-text('已办结')").wait_for(timeout=5000)
    screenshot(p.page, "status-done")
