"""The kiosk on a public holiday and on an adjusted working Saturday (issue 19 item 6 follow-up),
in headless Chromium, Chinese and English: on National Day it says the hall is closed for the
holiday and names 8 October as the next opening; on Saturday 10 October (调休上班) it shows the
weekday hours and issues tickets.

The app runs in this process on a werkzeug server with the test's clock and the State Council's
2026 calendar as shipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.app.test_hours_calendar import _at, _setup
from tests.conftest import Hall, build_hall, free_port, screenshot


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hall, str]]:
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    _setup(hall)
    port = free_port()
    srv = make_server("127.0.0.1", port, hall.app, threaded=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield hall, f"http://127.0.0.1:{port}"
    srv.shutdown()
    hall.ctx.db.dispose()


def _kiosk(browser: Any, hall: Hall, url: str, lang: str) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(
        viewport={"width": 1080, "height": 1920}, locale="zh-CN", has_touch=True
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/kiosk?token={hall.tokens['kiosk']}&lang={lang}")
    page.locator("[data-testid=departments] .k-tile").first.wait_for()
    return ctx, page, errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kiosk_on_national_day_says_closed_for_the_holiday_until_8_october(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    _at(hall, 2026, 10, 1, 10)  # Thursday, National Day, inside the weekday hours
    ctx, page, errors = _kiosk(browser, hall, url, lang)
    banner = page.locator("[data-testid=closed-banner]")
    banner.wait_for(state="visible")
    hours = page.inner_text("[data-testid=hours]")
    if lang == "zh":
        assert hours == "今日法定节假日休息，不取号"
        assert "10月8日" in banner.inner_text() and "09:00" in banner.inner_text()
    else:
        assert hours == "Closed today for a public holiday: no tickets"
        assert "2026-10-08 at 09:00" in banner.inner_text()
    screenshot(page, f"kiosk-holiday-{lang}")
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kiosk_on_an_adjusted_working_saturday_shows_the_weekday_hours(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    _at(hall, 2026, 10, 10, 10)  # Saturday 10 October, a working day
    ctx, page, errors = _kiosk(browser, hall, url, lang)
    page.wait_for_function("() => document.getElementById('k-hours').textContent.length > 0")
    hours = page.inner_text("[data-testid=hours]")
    if lang == "zh":
        assert hours == "今日调休上班 09:00-12:00、13:30-17:00"
    else:
        assert hours.startswith("Adjusted working day 09:00-12:00")
    assert page.locator("[data-testid=closed-banner]").is_hidden()
    screenshot(page, f"kiosk-adjusted-workday-{lang}")
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_kiosk_names_for_each_item_of_a_period_the_windows_that_call_it(
    served: tuple[Hall, str], browser: Any, lang: str
) -> None:
    hall, url = served
    body = {
        "kind": "extended",
        "name": "午间延时服务",
        "name_en": "Lunchtime service",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "12:00",
        "end": "13:30",
        "window_ids": [hall.ids["w1"], hall.ids["w3"]],  # window 1 serves A only
        "service_ids": [hall.ids["A"], hall.ids["B"]],
    }
    assert hall.client("admin").post("/api/v1/service-periods", json=body).status_code == 201
    _at(hall, 2026, 11, 30, 12, 10)  # Monday lunchtime
    ctx, page, errors = _kiosk(browser, hall, url, lang)
    banner = page.locator("[data-testid=extended-banner]")
    banner.wait_for(state="visible")
    text = banner.inner_text()
    if lang == "zh":
        assert "个体工商户设立登记（1、3号窗口）、社会保障卡补换（3号窗口）" in text
    else:
        assert "(windows 1, 3)" in text and "(window 3)" in text
    screenshot(page, f"kiosk-period-windows-{lang}")
    assert not errors, errors
    ctx.close()
