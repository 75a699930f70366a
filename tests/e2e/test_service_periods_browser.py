"""延时 / 错时服务 and the booking QR in headless Chromium (issue 19): the kiosk's banner and its
word on an item not served in the lunchtime period, the hall screen's strip and booking QR code,
and /admin/hours, in Chinese and English.

The app runs in this process on a werkzeug server with the test's clock, set to Monday 30 Nov 2026
12:30 in the hall: the lunch break, when only the lunchtime period's item A is issued."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.app.test_service_periods import _setup
from tests.conftest import Hall, build_hall, free_port, screenshot

API = "/api/v1"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hall, str]]:
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    _setup(hall)
    r = hall.client("admin").put(
        f"{API}/booking-rules/{hall.ids['A']}",
        json={"periods": [["09:00", "11:30"], ["13:30", "17:00"]], "slot_min": 30, "capacity": 2},
    )
    assert r.status_code == 200
    hall.clock.advance(hours=3, minutes=30)  # Monday 12:30
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kiosk_shows_the_lunchtime_period_and_why_another_item_waits(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 1080, 1920)
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}&lang={lang}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    banner = page.locator("[data-testid=extended-banner]")
    banner.wait_for(state="visible")
    text = banner.inner_text()
    if lang == "zh":
        assert "延时服务进行中 12:00–13:30" in text and "（1号窗口）" in text
    else:
        assert "Extended hours now, 12:00–13:30" in text and "(window 1)" in text
    assert page.locator("[data-testid=closed-banner]").is_hidden()  # tickets are taken
    screenshot(page, f"kiosk-extended-{lang}")
    # item B is not in the period: its guide stays readable, says so and when it is next issued
    page.locator(f"[data-testid=departments] .k-tile[data-dept='{hall.ids['dept2']}']").click()
    page.locator(f".k-item[data-service='{hall.ids['B']}']").click()
    note = page.locator("[data-testid=guide-unavailable]")
    note.wait_for(state="visible")
    if lang == "zh":
        assert "延时/错时服务时间" in note.inner_text() and "今天13:30起可取号" in note.inner_text()
    else:
        assert "today at 13:30" in note.inner_text()
    assert page.locator("[data-testid=take]").is_hidden()
    screenshot(page, f"kiosk-extended-item-waits-{lang}")
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_hall_screen_shows_the_periods_and_the_booking_qr(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 1920, 1080)
    page.goto(f"{url}/display/hall?token={hall.tokens['display']}&lang={lang}")
    strip = page.locator("[data-testid=hall-extended]")
    strip.wait_for(state="visible")
    lines = strip.locator(".hall-extended-line").all_inner_texts()
    assert len(lines) == 1 and "12:00–13:30" in lines[0]  # Saturday's is not today's
    assert ("延时服务进行中" if lang == "zh" else "Extended hours now") in lines[0]
    qr = page.locator("[data-testid=booking-qr] img")
    qr.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=booking-qr] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    caption = page.inner_text("[data-testid=booking-qr] figcaption")
    assert caption == ("扫码预约办事" if lang == "zh" else "Scan to book a visit")
    screenshot(page, f"hall-extended-qr-{lang}")
    assert not errors, errors
    ctx.close()
    # the QR code holds the booking page's public address (the hall's, else this server's)
    svg = hall.client().get("/book/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_adds_a_period_at_admin_hours(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    ctx, page, errors = _page(browser, 1400, 1000)
    page.goto(f"{url}/admin/hours?lang={lang}")
    page.fill("#login-username", "admin")
    page.fill("#login-password", "pw-admin-123456")
    page.click("#login-submit")
    page.locator(".hp-card").first.wait_for()
    assert page.locator(".hp-card").count() == 2
    page.click("#hp-new")
    card = page.locator(".hp-card[data-period=new]")
    card.locator("[data-testid=period-kind]").select_option("staggered")
    card.locator(".hp-name").first.fill("周日上午错时服务")
    for d in ("mon", "tue", "wed", "thu", "fri"):
        card.locator(f".hp-days input[value={d}]").uncheck()
    card.locator(".hp-days input[value=sun]").check()
    card.locator("[data-testid=period-start]").fill("09:00")
    card.locator("[data-testid=period-end]").fill("11:00")
    card.locator(f".hp-items input[value='{hall.ids['C']}']").check()
    card.locator("[data-testid=period-save]").click()
    page.locator(".hp-card").nth(2).wait_for()
    screenshot(page, f"admin-hours-{lang}")
    periods = hall.client("admin").get(f"{API}/service-periods").get_json()["items"]
    sunday = next(p for p in periods if p["days"] == ["sun"])
    assert sunday["kind"] == "staggered" and sunday["start"] == "09:00" and sunday["end"] == "11:00"
    assert sunday["service_ids"] == [hall.ids["C"]]
    assert not errors, errors
    ctx.close()
