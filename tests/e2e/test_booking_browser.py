"""预约 in headless Chromium (issue 19): the public booking page (zh and en, phone masked once
entered, the item's materials before confirming) and the kiosk's 预约取号 with too_early and a ticket.

The app runs in this process on a werkzeug server with the test's clock (Monday 30 Nov 2026,
09:00 in the hall), so slots and check-in windows do not depend on when the test runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import Hall, build_hall, free_port, screenshot

API = "/api/v1"
MATERIALS = ["申请人身份证原件", "个体工商户登记（备案）申请书", "经营场所使用证明"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hall, str]]:
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    admin = hall.client("admin")
    r = admin.patch(
        f"{API}/services/{hall.ids['A']}", json={"disclosure": {"materials": MATERIALS}}
    )
    assert r.status_code == 200, r.get_json()
    r = admin.put(
        f"{API}/booking-rules/{hall.ids['A']}",
        json={"periods": [["09:00", "11:30"], ["13:30", "17:00"]], "slot_min": 30, "capacity": 2},
    )
    assert r.status_code == 200
    port = free_port()
    srv = make_server("127.0.0.1", port, hall.app, threaded=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield hall, f"http://127.0.0.1:{port}"
    srv.shutdown()
    hall.ctx.db.dispose()


def _page(browser: Any, width: int, height: int) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return ctx, page, errors


def test_a_visitor_books_on_the_phone_page_and_cancels(
    served: tuple[Hall, str], browser: Any
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 390, 844)
    page.goto(f"{url}/book")
    page.click("#bk-items button:has-text('个体工商户设立登记')")
    mats = page.locator("[data-testid=booking-materials] li")
    mats.first.wait_for()
    assert mats.all_inner_texts() == MATERIALS  # 一次性告知 before anything is confirmed
    page.click("#bk-days [data-day='2026-12-01']")
    page.locator("#bk-slots button[data-start='2026-12-01T10:00:00+08:00']").wait_for()
    assert page.locator("#bk-slots button").count() == 12
    page.click("#bk-slots button[data-start='2026-12-01T10:00:00+08:00']")
    page.fill("[data-testid=booking-name]", "张小明")
    page.fill("[data-testid=booking-phone]", "13812345678")
    page.click("[data-testid=booking-name]")  # leaving the phone field masks it
    assert page.input_value("[data-testid=booking-phone]") == "138****5678"
    assert "138****5678" in page.inner_text("[data-testid=booking-summary]")
    page.click("[data-testid=booking-submit]")
    assert "请先阅读" in page.inner_text(
        "[data-testid=booking-error]"
    )  # the materials must be acknowledged
    page.check("[data-testid=booking-read]")
    screenshot(page, "booking-phone-1-form")
    page.click("[data-testid=booking-submit]")
    page.locator("[data-testid=booking-done]").wait_for(state="visible")
    code = page.inner_text("[data-testid=booking-code]").strip()
    assert len(code) == 8 and code.isdigit()
    assert "138****5678" in page.inner_text("[data-testid=booking-done-text]")
    assert "前30分钟" in page.inner_text(
        "#bk-code-hint"
    )  # the hall's check-in window, from its settings
    assert "13812345678" not in page.content()
    screenshot(page, "booking-phone-2-done")
    day = hall.client("super").get(f"{API}/appointments?date=2026-12-01").get_json()["items"]
    assert [(a["code"], a["state"], a["start"]) for a in day] == [
        (code, "booked", "2026-12-01T10:00:00+08:00")
    ]
    page.fill("[data-testid=cancel-code]", code)
    page.fill("[data-testid=cancel-last4]", "5678")
    page.click("[data-testid=cancel-submit]")
    page.locator("[data-testid=cancel-result]:has-text('已取消')").wait_for()
    day = hall.client("super").get(f"{API}/appointments?date=2026-12-01").get_json()["items"]
    assert day[0]["state"] == "cancelled"
    assert not errors, errors
    ctx.close()


def test_the_booking_page_in_english(served: tuple[Hall, str], browser: Any) -> None:
    _hall, url = served
    ctx, page, errors = _page(browser, 390, 844)
    page.goto(f"{url}/book?lang=en")
    page.locator("#bk-items button").first.click()
    page.locator("[data-testid=booking-materials] li").first.wait_for()
    page.click("#bk-days [data-day='2026-12-01']")
    page.locator("#bk-slots button").first.wait_for()
    assert "Bring these documents" in page.content() and "2 left" in page.inner_text("#bk-slots")
    screenshot(page, "booking-phone-en")
    assert not errors, errors
    ctx.close()


def _type_code(page: Any, code: str) -> None:
    for ch in code:
        page.click(f"#k-bkeypad [data-key='{ch}']")


def test_kiosk_check_in_by_booking_code(served: tuple[Hall, str], browser: Any) -> None:
    hall, url = served
    book = hall.client()
    early = book.post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "name": "王五",
            "start": "2026-11-30T11:00:00+08:00",
            "phone": "13912345678",
        },
    ).get_json()["code"]
    now = book.post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "name": "赵六",
            "start": "2026-11-30T09:30:00+08:00",
            "phone": "13712345678",
        },
    ).get_json()["code"]
    ctx, page, errors = _page(browser, 1080, 1920)
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    screenshot(page, "kiosk-booking-home")
    page.click("[data-testid=open-booking]")
    _type_code(page, early)
    assert page.get_attribute("[data-testid=booking-code]", "data-value") == early
    page.click("[data-testid=booking-confirm]")
    page.locator("[data-testid=booking-error]:has-text('10:30')").wait_for()
    screenshot(page, "kiosk-booking-too-early")
    _type_code(page, now)
    page.click("[data-testid=booking-confirm]")
    page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    number = page.inner_text("[data-testid=ticket-number]").strip()
    assert number.startswith("A")
    assert (
        page.inner_text("#k-t-prio") == "预约 09:30"
    )  # the ticket says it is booked, and for when
    assert "个体工商户设立登记" in page.inner_text("[data-testid=ticket-item]")
    screenshot(page, "kiosk-booking-ticket")
    day = {
        a["code"]: a
        for a in hall.client("super").get(f"{API}/appointments?date=2026-11-30").get_json()["items"]
    }
    assert day[now]["state"] == "checked_in" and day[early]["state"] == "booked"
    assert not errors, errors
    ctx.close()


def test_an_admin_makes_an_item_bookable_at_admin_booking(
    served: tuple[Hall, str], browser: Any
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 1400, 900)
    page.goto(f"{url}/admin/booking")
    page.fill("#login-username", "admin")
    page.fill("#login-password", "pw-admin-123456")
    page.click("#login-submit")
    row = page.locator(f"#bk-rules tr[data-service='{hall.ids['B']}']")
    row.wait_for()
    assert page.locator(
        f"#bk-rules tr[data-service='{hall.ids['A']}'] input[type=checkbox]"
    ).is_checked()
    row.locator("input[type=checkbox]").check()
    row.locator(".bk-periods").fill("09:00-10:00")
    row.locator("button").click()
    page.locator("#adm-flash:has-text('已保存')").wait_for()
    page.fill("#bk-set-days_ahead", "3")
    page.click("#bk-save-settings")
    page.locator("#adm-flash:has-text('预约设置已保存')").wait_for()
    screenshot(page, "admin-booking")
    slots = (
        hall.client()
        .get(f"{API}/public/services/{hall.ids['B']}/slots?date=2026-12-01")
        .get_json()["items"]
    )
    assert [s["start"][11:16] for s in slots] == ["09:00", "09:30"]
    assert hall.client("admin").get(f"{API}/booking-settings").get_json()["days_ahead"] == 3
    assert not errors, errors
    ctx.close()


def test_kiosk_check_in_by_swiping_the_id_card_on_the_reader_agent(
    served: tuple[Hall, str], browser: Any
) -> None:
    from kiosk.idcard_agent import LineReader, relay

    hall, url = served
    number = "11010519491231002X"
    r = hall.client().post(
        f"{API}/public/appointments",
        json={
            "service_id": hall.ids["A"],
            "name": "张小明",
            "start": "2026-11-30T09:30:00+08:00",
            "phone": "13812345678",
            "id_number": number,
        },
    )
    assert r.status_code == 201
    ctx, page, errors = _page(browser, 1080, 1920)
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    page.wait_for_function("document.getElementById('k-offline').hidden")  # its socket is up
    answers = relay(url, hall.tokens["kiosk"], LineReader([f"张小明 {number}"]))  # the reader agent
    assert answers == [{"ok": True, "number": "110105********002X"}]
    page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    assert page.inner_text("#k-t-prio") == "预约 09:30"
    assert number not in page.content()
    screenshot(page, "kiosk-booking-idcard-ticket")
    assert not errors, errors
    ctx.close()


def test_a_half_typed_booking_code_is_cleared_when_the_kiosk_is_left_alone(
    served: tuple[Hall, str], browser: Any
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 1080, 1920)
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    page.evaluate("window.QH_CONFIG.idleSeconds = 2; window.QH_CONFIG.idleWarnSeconds = 0")
    page.click("[data-testid=open-booking]")
    _type_code(page, "123")
    page.locator("#m-booking").wait_for(state="hidden", timeout=10000)
    assert page.get_attribute("[data-testid=booking-code]", "data-value") == ""
    assert not errors, errors
    ctx.close()
