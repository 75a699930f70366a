"""What visitors see (issue 15, part C) in headless Chromium against a real demo server: hours,
search, kiosk layout at the hall's sizes, English mode, the hall screen from across the hall."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import LiveServer, screenshot, start_live_server
from tests.e2e.test_kiosk_browser import (
    LANDSCAPE,
    PORTRAIT,
    Page,
    kiosk_url,
    staff_session,
    window_id,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    srv = start_live_server(tmp_path_factory.mktemp("visitor"))
    yield srv
    srv.stop()


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


def hall_url(server: LiveServer) -> str:
    return f"{server.url}/display/hall?token={server.token_of('display')}"


def open_kiosk(p: Page, server: LiveServer, lang: str = "") -> None:
    p.page.goto(kiosk_url(server) + (f"&lang={lang}" if lang else ""))
    p.page.locator(".k-tile").first.wait_for()


def open_guide(p: Page, dept: str, item: str) -> None:
    p.tap(f".k-tile:has-text('{dept}')")
    p.tap(f".k-item:has-text('{item}')")
    p.page.locator("[data-testid=guide] .k-field").first.wait_for()


def inside_viewport(p: Page, selector: str) -> bool:
    """True when the element is wholly on screen and not covered where a finger would tap it."""
    return bool(
        p.page.evaluate(
            """(sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit === el || el.contains(hit);
    }""",
            selector,
        )
    )


# ---- item 15: hours said on the kiosk and the hall screen ---------------------------------------


def test_the_demo_kiosk_and_hall_screen_say_tickets_are_issued_around_the_clock(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(LANDSCAPE)
    open_kiosk(p, server)
    hours = p.page.locator("[data-testid=hours]")
    p.page.wait_for_function("document.querySelector('[data-testid=hours]').textContent.length > 0")
    assert hours.inner_text() == "全天24小时可取号"
    assert p.page.locator("[data-testid=closed-banner]").is_hidden()
    screenshot(p.page, "visitor-kiosk-around-the-clock")
    screen = open_page(LANDSCAPE)
    screen.page.goto(hall_url(server))
    screen.page.wait_for_function(
        "document.querySelector('[data-testid=hall-hours]').textContent.length > 0"
    )
    assert screen.page.locator("[data-testid=hall-hours]").inner_text() == "全天24小时可取号"
    screenshot(screen.page, "visitor-hall-around-the-clock")
    assert inside_viewport(screen, "[data-testid=hall-hours]")


def test_an_item_with_its_own_hours_shows_them_in_its_guide_and_refuses_by_them(
    server: LiveServer, open_page: Any
) -> None:
    admin = staff_session(server, "admin")
    items = admin.get(f"{server.url}/api/v1/services").json()["items"]
    item = next(s for s in items if s["name"] == "诊所备案")
    # hours that are never "now": a day that is not today, at an hour no test runs at
    closed = {"mon": [["03:00", "03:01"]], "tue": [["03:00", "03:01"]]}
    assert (
        admin.patch(
            f"{server.url}/api/v1/services/{item['id']}", json={"hours": closed}
        ).status_code
        == 200
    )
    try:
        p = open_page(PORTRAIT)
        open_kiosk(p, server)
        open_guide(p, "卫健", "诊所备案")
        own = p.page.locator("[data-testid=item-hours]")
        own.wait_for()
        assert own.inner_text() == "本事项取号时间：周一至周二 03:00-03:01"
        note = p.page.locator("[data-testid=guide-unavailable]")
        note.wait_for(state="visible")
        assert (
            "周一至周二 03:00-03:01" in note.inner_text()
            and not p.page.locator("[data-testid=take]").is_visible()
        )
        screenshot(p.page, "visitor-kiosk-item-hours")
        # a tap that raced the hours (the kiosk still thought the item open) gets the server's refusal,
        # and the message names the item's hours
        r = requests.post(
            f"{server.url}/api/v1/tickets",
            json={"service_id": item["id"]},
            headers={"Authorization": "Bearer " + server.token_of("kiosk")},
            timeout=10,
        )
        assert r.status_code == 409 and r.json()["error"]["hours"] == closed
        p.page.evaluate("(sid) => { window.QHKiosk.state.est[sid].open_now = true; }", item["id"])
        p.page.evaluate("() => { document.getElementById('k-guide-actions').hidden = false; }")
        p.page.evaluate("() => document.getElementById('k-take').click()")
        msg = p.page.locator("[data-testid=message]")
        msg.wait_for(state="visible")
        assert "“诊所备案”只在以下时间取号：周一至周二 03:00-03:01" in msg.inner_text(), (
            msg.inner_text()
        )
        assert "本中心办公时间" not in msg.inner_text()
        screenshot(p.page, "visitor-kiosk-item-hours-refused")
    finally:
        assert (
            admin.patch(
                f"{server.url}/api/v1/services/{item['id']}", json={"hours": {}}
            ).status_code
            == 200
        )


# ---- item 18: search ---------------------------------------------------------------------------


def search_results(p: Page) -> list[str]:
    p.page.wait_for_timeout(50)
    return p.page.locator("#k-results .k-item .k-item-name").all_inner_texts()


def type_keys(p: Page, keys: str) -> None:
    p.tap("#k-keyboard [data-key=clear]")
    for key in keys:
        p.tap(f"#k-keyboard [data-key={key}]")


def test_pinyin_initials_of_a_common_word_find_its_items_first(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(PORTRAIT)
    open_kiosk(p, server)
    p.tap("[data-testid=open-search]")
    p.page.locator("[data-testid=keywords] .k-chip").first.wait_for()
    type_keys(p, "sb")
    p.page.locator("#k-results .k-item:has-text('社会保障卡补换')").wait_for()
    names = search_results(p)
    social = [
        n
        for n in names
        if n
        in (
            "社会保障卡补换",
            "灵活就业人员参保登记",
            "失业保险金申领",
            "企业职工基本养老保险关系转移接续",
        )
    ]
    assert len(social) == 4, names
    assert names[:4] == social, names  # before anything that merely holds s…b in its initials
    screenshot(p.page, "visitor-search-sb")
    for keys, expected in (
        ("yb", "城乡居民医保参保登记"),
        ("gjj", "住房公积金提取（购房）"),
        ("bdc", "不动产抵押权首次登记"),
        ("hk", "户口迁移（投靠类）"),
    ):
        type_keys(p, keys)
        p.page.locator(f"#k-results .k-item:has-text('{expected}')").wait_for()


def test_a_typed_keyword_finds_the_same_items_as_its_chip(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(LANDSCAPE)
    open_kiosk(p, server)
    p.tap("[data-testid=open-search]")
    p.page.locator("[data-testid=keywords] .k-chip").first.wait_for()
    for word, must in (
        ("营业执照", "个体工商户设立登记"),
        ("社保", "社会保障卡补换"),
        ("医保", "异地就医备案"),
        ("公积金", "住房公积金单位缴存登记"),
        ("不动产", "不动产登记资料查询"),
        ("户口", "户口迁移（投靠类）"),
    ):
        p.tap(f"[data-testid=keywords] .k-chip:text-is('{word}')")
        p.page.locator(f"#k-results .k-item:has-text('{must}')").wait_for()
        tapped = search_results(p)
        p.tap(f"[data-testid=keywords] .k-chip:text-is('{word}')")  # tap again: off
        p.page.fill("[data-testid=search]", word)
        p.page.locator(f"#k-results .k-item:has-text('{must}')").wait_for()
        typed = search_results(p)
        assert typed == tapped and len(tapped) >= 2, (word, typed, tapped)
        p.page.fill("[data-testid=search]", "")
    screenshot(p.page, "visitor-search-typed-keyword")


# ---- item 17: kiosk layout at the hall's sizes ---------------------------------------------------


def uncovered(p: Page, selector: str) -> bool:
    """True when the element's first line is on screen and nothing lies over its start."""
    return bool(
        p.page.evaluate(
            """(sel) => {
        const el = document.querySelector(sel);
        const r = el.getBoundingClientRect();
        if (r.top < 0 || r.bottom > innerHeight) return false;
        const hit = document.elementFromPoint(r.left + 4, r.top + 4);
        return hit === el || el.contains(hit);
    }""",
            selector,
        )
    )


@pytest.mark.parametrize("large", [False, True])
def test_landscape_priority_dialog_shows_its_confirm_button(
    server: LiveServer, open_page: Any, large: bool
) -> None:
    p = open_page(LANDSCAPE)
    open_kiosk(p, server)
    if large:
        p.tap("[data-testid=large]")
    open_guide(p, "市场监管", "个体工商户设立登记")
    p.tap("[data-testid=take-priority]")
    p.page.locator("[data-testid=priority-dialog]").wait_for(state="visible")
    screenshot(p.page, "visitor-layout-landscape-priority" + ("-large" if large else ""))
    assert inside_viewport(p, "[data-testid=priority-confirm]")
    # the whole dialog fits: the last code cell and the keypad's bottom row need no scrolling either
    assert inside_viewport(p, "#k-code .k-code-cell:last-child")
    assert inside_viewport(p, "#k-keypad [data-key='0']")
    assert inside_viewport(p, "#k-priority-cancel")
    p.tap("#k-priority-cancel")


def test_portrait_guide_priority_hint_is_not_under_the_take_bar(
    server: LiveServer, open_page: Any
) -> None:
    p = open_page(PORTRAIT)
    open_kiosk(p, server)
    open_guide(p, "不动产登记", "不动产转移登记（二手房）")  # a long guide: the page scrolls
    p.page.evaluate(
        "() => { const m = document.querySelector('.k-main'); m.scrollTop = m.scrollHeight; }"
    )
    p.page.wait_for_timeout(100)
    screenshot(p.page, "visitor-layout-portrait-guide-bottom")
    assert uncovered(p, "#s-guide .k-hint.k-small")
    assert inside_viewport(p, "[data-testid=take]") and inside_viewport(
        p, "[data-testid=take-priority]"
    )


@pytest.mark.parametrize("orientation,viewport", [("portrait", PORTRAIT), ("landscape", LANDSCAPE)])
def test_large_text_ticket_screen_keeps_done_on_screen(
    server: LiveServer, open_page: Any, orientation: str, viewport: dict[str, int]
) -> None:
    p = open_page(viewport)
    open_kiosk(p, server)
    p.tap("[data-testid=large]")
    open_guide(p, "市场监管", "个体工商户变更登记")
    p.tap("[data-testid=take]")
    p.page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    p.page.wait_for_function("document.querySelector('[data-testid=ticket-qr]').naturalWidth > 0")
    screenshot(p.page, f"visitor-layout-large-ticket-{orientation}")
    assert inside_viewport(p, "[data-testid=done]")
    assert inside_viewport(p, "[data-testid=ticket-number]")
    p.tap("[data-testid=done]")


# ---- item 20: the hall screen from across the hall ---------------------------------------------


def issue(server: LiveServer, name: str) -> dict[str, Any]:
    kiosk = {"Authorization": "Bearer " + server.token_of("kiosk")}
    items = requests.get(f"{server.url}/api/v1/services", headers=kiosk, timeout=10).json()["items"]
    sid = next(s["id"] for s in items if s["name"] == name)
    r = requests.post(
        f"{server.url}/api/v1/tickets", json={"service_id": sid}, headers=kiosk, timeout=10
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_the_hall_screen_reads_from_across_the_hall(server: LiveServer, open_page: Any) -> None:
    screen = open_page(LANDSCAPE)
    screen.page.goto(hall_url(server))
    screen.page.locator(".dept").first.wait_for()
    # before any call: words, no dash that reads as 一
    latest = screen.page.locator(".latest-call")
    assert latest.inner_text().strip() == "等待叫号", latest.inner_text()
    assert screen.page.locator(".latest-arrow").is_hidden()
    for _ in range(3):
        issue(server, "个体工商户设立登记")
    issue(server, "社会保障卡补换")
    screen.page.wait_for_function("document.getElementById('waiting').dataset.total >= '4'")
    screenshot(screen.page, "visitor-hall-waiting")
    sizes = screen.page.evaluate("""() => Array.from(document.querySelectorAll('.dept-name')).map((el) => ({
        name: el.textContent, px: parseFloat(getComputedStyle(el).fontSize),
        clipped: el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis',
        below: el.getBoundingClientRect().bottom > document.getElementById('waiting').getBoundingClientRect().bottom + 0.5}))""")
    assert len(sizes) == 14, sizes
    for d in sizes:
        assert d["px"] >= 28 and not d["clipped"] and not d["below"], (
            d
        )  # ~2.6vh and more on 1080 lines
    assert any(d["name"] == "人社" for d in sizes)  # the short name the hall uses
    # recalls and later calls: every number once in the recent list
    clerk = staff_session(server, "zhangwei")
    w1 = window_id(clerk, server, 1)
    assert clerk.post(f"{server.url}/api/v1/windows/{w1}/open", json={}).status_code == 200
    numbers = []
    for _ in range(3):
        tk = clerk.post(f"{server.url}/api/v1/windows/{w1}/call-next").json()
        numbers.append(tk["number"])
        assert clerk.post(f"{server.url}/api/v1/tickets/{tk['id']}/recall").status_code == 200
        if len(numbers) < 3:
            assert clerk.post(f"{server.url}/api/v1/tickets/{tk['id']}/no-show").status_code == 200
    screen.page.wait_for_function(
        f"document.querySelector('#latest-number').textContent === '{numbers[-1]}'"
    )
    screen.page.wait_for_function("document.querySelectorAll('#recent .recent-item').length >= 2")
    shown = screen.page.locator("#recent .recent-number").all_inner_texts()
    screenshot(screen.page, "visitor-hall-recent")
    assert shown == [numbers[1], numbers[0]], shown
    # after a reload (a snapshot of the same calls) still once each
    screen.page.reload()
    screen.page.wait_for_function("document.querySelectorAll('#recent .recent-item').length >= 2")
    assert screen.page.locator("#recent .recent-number").all_inner_texts() == [
        numbers[1],
        numbers[0],
    ]
    assert screen.page.locator("#latest-number").inner_text() == numbers[-1]


def test_no_slide_asks_people_to_scan_a_code_that_is_not_on_screen(
    server: LiveServer, open_page: Any
) -> None:
    display = {"Authorization": "Bearer " + server.token_of("display")}
    slides = requests.get(f"{server.url}/api/v1/publicity", headers=display, timeout=10).json()[
        "items"
    ]
    assert slides
    for p in slides:
        asks = "扫码" in p["body"] or "二维码" in p["title"]
        # scanning is asked for only with an image on the slide, or of the QR code printed on one's ticket
        assert not asks or p["media"] or "号票上的二维码" in p["body"], p


# ---- item 19: English mode ---------------------------------------------------------------------


def test_english_mode_shows_the_guide_in_english_with_chinese_where_none_is_set(
    server: LiveServer, open_page: Any
) -> None:
    admin = staff_session(server, "admin")
    items = admin.get(f"{server.url}/api/v1/services").json()["items"]
    clinic = next(s for s in items if s["name"] == "诊所备案")
    no_basis = {**clinic["disclosure"], "basis_en": ""}
    assert (
        admin.patch(
            f"{server.url}/api/v1/services/{clinic['id']}", json={"disclosure": no_basis}
        ).status_code
        == 200
    )
    try:
        p = open_page(LANDSCAPE)
        open_kiosk(p, server, lang="en")
        centre = p.page.locator(".k-top .k-centre")
        assert centre.inner_text() == "Xinlin District Government Service Center"
        assert p.page.evaluate("""() => { const el = document.querySelector('.k-top .k-centre');
            return el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1; }""")
        screenshot(p.page, "visitor-english-home")
        tall = open_page(PORTRAIT)
        open_kiosk(tall, server, lang="en")
        tall.page.wait_for_function(
            "document.querySelector('[data-testid=hours]').textContent.length > 0"
        )
        assert tall.page.evaluate("""() => { const el = document.querySelector('.k-top .k-centre');
            return el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1; }""")
        assert inside_viewport(tall, "[data-testid=lang]") and inside_viewport(
            tall, "[data-testid=large]"
        )
        screenshot(tall.page, "visitor-english-home-portrait")
        open_guide(p, "Market Regulation", "Sole Proprietorship Registration")
        guide = p.page.locator("[data-testid=guide]")
        assert (
            guide.locator(".k-field-basis")
            .inner_text()
            .startswith("Regulations on the Registration of Market Entities")
        )
        assert (
            guide.locator(".k-field-materials li").first.inner_text()
            == "Registration (filing) application form (original, 1)"
        )
        assert guide.locator(".k-field-procedure li").first.inner_text() == "Apply"
        assert guide.locator(".k-field-time_limit").inner_text() == "On the spot"
        assert guide.locator(".k-field-fees").inner_text() == "Free of charge"
        screenshot(p.page, "visitor-english-guide")
        p.tap("#s-guide [data-back]")
        p.tap("#s-items [data-back]")  # back to the departments, still in English
        open_guide(p, "Health Commission", "Clinic Filing")
        # no English basis set: the Chinese one, the rest in English
        assert guide.locator(".k-field-basis").inner_text() == clinic["disclosure"]["basis"]
        assert (
            guide.locator(".k-field-conditions")
            .inner_text()
            .startswith("Run by a qualified practising doctor")
        )
    finally:
        assert (
            admin.patch(
                f"{server.url}/api/v1/services/{clinic['id']}",
                json={"disclosure": clinic["disclosure"]},
            ).status_code
            == 200
        )


def test_the_window_screen_shows_words_not_a_dash_before_its_first_call(
    server: LiveServer, open_page: Any
) -> None:
    clerk = staff_session(server, "caoyu")
    w9 = window_id(clerk, server, 9)
    assert clerk.post(f"{server.url}/api/v1/windows/{w9}/open", json={}).status_code == 200
    screen = open_page(LANDSCAPE)
    screen.page.goto(f"{server.url}/display/window/9?token={server.token_of('display')}")
    screen.page.wait_for_function("document.body.dataset.state === 'open'")
    screen.page.wait_for_function("document.getElementById('pause-reason').textContent.length > 0")
    assert screen.page.locator("#serving-number").inner_text() == ""
    assert screen.page.locator("#pause-reason").inner_text() == "等待叫号"
    screenshot(screen.page, "visitor-window-idle")


def test_a_new_item_that_no_window_handles_says_so_on_the_kiosk(
    server: LiveServer, open_page: Any
) -> None:
    admin = staff_session(server, "admin")
    dept = next(
        d
        for d in admin.get(f"{server.url}/api/v1/departments").json()["items"]
        if d["short_name"] == "卫健"
    )
    r = admin.post(
        f"{server.url}/api/v1/services",
        json={"department_id": dept["id"], "name": "母婴设施备案", "prefix": "M"},
    )
    assert r.status_code == 201, r.text
    try:
        p = open_page(PORTRAIT)
        open_kiosk(p, server)
        p.tap(".k-tile:has-text('卫健')")
        card = p.page.locator(".k-item:has-text('母婴设施备案') .k-wait-min")
        p.page.wait_for_function(
            "(name) => Array.from(document.querySelectorAll('.k-item')).some((n) =>"
            " n.textContent.includes(name) && n.querySelector('.k-wait-min').textContent.length > 0)",
            arg="母婴设施备案",
        )
        assert card.inner_text() == "暂无窗口办理此事项"
        other = p.page.locator(".k-item:has-text('诊所备案') .k-wait-min").inner_text()
        assert other == "窗口暂未开放"  # its windows exist but none is open
        screenshot(p.page, "visitor-kiosk-no-window")
    finally:
        assert admin.delete(f"{server.url}/api/v1/services/{r.json()['id']}").status_code in (
            200,
            204,
        )


def test_the_hall_screen_refits_its_waiting_list_when_the_extended_hours_strip_arrives(
    tmp_path_factory: pytest.TempPathFactory, open_page: Any
) -> None:
    """Today's 延时 strip under the head takes room from the waiting list. Configured while the
    screen runs (or arriving after the list's first fit), the list must fit again, not lose its
    last row under the panel's edge."""
    srv = start_live_server(tmp_path_factory.mktemp("strip"))
    try:
        admin = staff_session(srv, "admin")
        api = f"{srv.url}/api/v1/service-periods"
        for p in admin.get(api, timeout=10).json()["items"]:  # no strip to begin with
            assert admin.delete(f"{api}/{p['id']}", timeout=10).status_code in (200, 204)
        screen = open_page(LANDSCAPE)
        screen.page.goto(hall_url(srv))
        screen.page.locator(".dept").first.wait_for()
        screen.page.wait_for_function("!!document.getElementById('waiting').dataset.fitted")
        assert screen.page.locator("#hall-extended").is_hidden()
        w1 = window_id(admin, srv, 1)
        service = admin.get(f"{srv.url}/api/v1/windows/{w1}", timeout=10).json()["service_ids"][0]
        r = admin.post(
            api,
            json={
                "kind": "extended",
                "name": "午间延时服务",
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": "12:00",
                "end": "13:30",
                "window_ids": [w1],
                "service_ids": [service],
            },
            timeout=10,
        )
        assert r.status_code == 201, r.text
        screen.page.locator("#hall-extended").wait_for()  # pushed to the screen: no reload
        rows = screen.page.locator(".dept-name")
        assert rows.count() == 14
        screen.page.wait_for_function(
            # the grid clips what overflows it: every department's row within its box
            """() => { const edge = document.getElementById('waiting').getBoundingClientRect().bottom;
                 return Array.from(document.querySelectorAll('.dept')).every((el) =>
                   el.getBoundingClientRect().bottom <= edge + 0.5); }""",
            timeout=10000,
        )
        screenshot(screen.page, "visitor-hall-extended-strip")
        px = screen.page.evaluate(
            "() => Math.min(...Array.from(document.querySelectorAll('.dept-name'))"
            ".map((el) => parseFloat(getComputedStyle(el).fontSize)))"
        )
        assert px >= 28  # still read from across the hall
    finally:
        srv.stop()
