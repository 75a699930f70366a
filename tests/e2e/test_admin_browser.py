"""Headless Chromium through the admin pages of a real server, with the hall screen open."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


def _sign_in(page: Any, srv: LiveServer, username: str, path: str = "/admin") -> None:
    page.goto(srv.url + path)
    page.fill("#login-username", username)
    page.fill("#login-password", srv.passwords[username])
    page.click("#login-submit")
    page.wait_for_selector("#adm-content, #adm-forbidden")


def test_an_admin_configures_the_hall_and_the_hall_screen_follows(
    browser: Any, live_server: LiveServer
) -> None:
    srv = live_server
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # sign in: the session cookie and CSRF value come with the reload
    page.goto(srv.url + "/admin")
    page.wait_for_selector("#adm-login")
    screenshot(page, "admin-01-sign-in")
    _sign_in(page, srv, "admin")
    page.wait_for_selector("#adm-table tbody tr")
    screenshot(page, "admin-02-services")

    # create an item with its public guide; a bad prefix is named at its field first
    page.click("#adm-new")
    page.select_option("#f-department_id", index=1)
    page.fill("#f-name", "电子营业执照下载")
    page.fill("#f-prefix", "E")
    page.fill("#f-disclosure-materials", "经办人身份证\n营业执照副本")
    page.click("#adm-save")
    page.wait_for_selector('.adm-field.has-error[data-field="prefix"]')
    # said in Chinese with the field's own label, not pydantic's or the engine's English
    assert page.inner_text('.adm-field[data-field="prefix"] .adm-field-error').startswith(
        "不能用 E"
    )
    assert page.inner_text("#adm-form .adm-form-error").startswith("号码前缀：不能用 E")
    screenshot(page, "admin-03-item-error")
    page.fill("#f-prefix", "H")
    page.fill("#f-hours-mon", "09:00-12:00")  # this item is taken on Monday mornings only
    page.click("#adm-save")
    page.wait_for_selector("#adm-modal", state="hidden")
    page.wait_for_selector('#adm-table td[data-col="name"]:text-is("电子营业执照下载")')
    services = page.request.get(srv.url + "/api/v1/admin/services").json()["items"]
    item = next(s for s in services if s["name"] == "电子营业执照下载")
    assert item["prefix"] == "H" and item["disclosure"]["materials"] == [
        "经办人身份证",
        "营业执照副本",
    ]
    assert item["hours"] == {"mon": [["09:00", "12:00"]]}
    page.wait_for_selector('#adm-table td[data-col="hours"]:text-is("周一 09:00-12:00")')

    # give window 1 the new item with weight 7
    page.goto(srv.url + "/admin/windows")
    row = page.locator("#adm-table tbody tr").filter(
        has=page.locator('td[data-col="number"]:text-is("1")')
    )
    row.locator('[data-action="edit"]').click()
    page.check(f"#f-services-{item['id']}")
    page.fill(f'#f-services input[data-weight="{item["id"]}"]', "7")
    screenshot(page, "admin-04-window-items")
    page.click("#adm-save")
    page.wait_for_selector("#adm-modal", state="hidden")
    page.wait_for_selector('#adm-table td[data-col="service_ids"]:has-text("电子营业执照下载 ×7")')
    windows = page.request.get(srv.url + "/api/v1/admin/windows").json()["items"]
    w1 = next(w for w in windows if w["number"] == 1)
    assert w1["weights"][str(item["id"])] == 7

    # a device's token is shown once, then never again
    page.goto(srv.url + "/admin/devices")
    page.wait_for_selector("#adm-table")
    page.click("#adm-new")
    page.fill("#f-name", "二楼取号机")
    page.select_option("#f-kind", "kiosk")
    page.fill("#f-printer_url", "tcp://192.168.1.60:9100")
    page.click("#adm-save")
    page.wait_for_selector("#secret-value")
    token = page.input_value("#secret-value")
    assert token.startswith("qhd_")
    screenshot(page, "admin-05-device-token")
    page.click("#secret-done")
    page.wait_for_selector('#adm-table td[data-col="name"]:text-is("二楼取号机")')
    assert token not in page.content()
    page.reload()
    page.wait_for_selector('#adm-table td[data-col="name"]:text-is("二楼取号机")')
    assert token not in page.content()
    ok = page.request.get(
        srv.url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status == 200

    # the hall screen is open; a new publicity text appears on it without a reload
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    screen.goto(srv.url + "/display/hall?token=" + srv.token_of("display"))
    screen.wait_for_function("document.getElementById('ticker-text').textContent.length > 0")
    text = "本周六上午九点至十二点照常办公"
    page.goto(srv.url + "/admin/publicity")
    page.wait_for_selector("#adm-table")
    page.click("#adm-new")
    page.fill("#f-title", "温馨提示")
    page.fill("#f-body", text)
    page.fill("#f-sort", "-1")
    page.fill(
        "#f-daily_from", "08:00"
    )  # a start without an end is refused, in Chinese, at the end's field
    page.click("#adm-save")
    page.wait_for_selector('.adm-field.has-error[data-field="daily_to"]')
    assert "须同时填写" in page.inner_text('.adm-field[data-field="daily_to"] .adm-field-error')
    page.fill("#f-daily_from", "")
    page.click("#adm-save")
    page.wait_for_selector(f'#adm-table td[data-col="body"]:text-is("{text}")')
    assert (
        page.inner_text(f'#adm-table tr:has(td:text-is("{text}")) td[data-col="screens"]')
        == "大厅屏"
    )
    screenshot(page, "admin-06-publicity")
    screen.wait_for_function(
        f"document.getElementById('ticker-text').textContent.includes('{text}')", timeout=10000
    )
    screenshot(screen, "admin-07-hall-screen-publicity")
    screen.close()

    # settings: a template without {window} is refused at its field
    page.goto(srv.url + "/admin/settings")
    page.wait_for_selector("#settings-form")
    page.fill("#s-announce_template", "请{number}号办理")
    page.click("#settings-save")
    page.wait_for_selector('.adm-field.has-error[data-field="announce_template"]')
    page.fill("#s-announce_template", "请{number}号到{window}号窗口办理")
    page.fill("#s-hours-mon", "08:30-12:00, 13:30-17:30")
    page.click("#settings-save")
    page.wait_for_selector("#adm-flash.show.ok")
    screenshot(page, "admin-08-settings")
    hours = page.request.get(srv.url + "/api/v1/settings").json()["hours"]
    assert hours["mon"] == [["08:30", "12:00"], ["13:30", "17:30"]]

    # window 2 has a history (opened by its clerk): deleting it is refused with the reason, in Chinese
    counter = browser.new_context()  # the clerk's own PC, not the admin's signed-in browser
    login = counter.request.post(
        srv.url + "/api/v1/auth/login",
        data={"username": "wangfang", "password": srv.passwords["wangfang"]},
    ).json()
    w2 = next(w for w in windows if w["number"] == 2)
    opened = counter.request.post(
        srv.url + f"/api/v1/windows/{w2['id']}/open",
        data={},
        headers={"Authorization": "Bearer " + login["access_token"]},
    )
    assert opened.status == 200, opened.text()
    counter.close()
    page.goto(srv.url + "/admin/windows")
    row = page.locator("#adm-table tbody tr").filter(
        has=page.locator('td[data-col="number"]:text-is("2")')
    )
    page.once("dialog", lambda d: d.accept())
    row.locator('[data-action="delete"]').click()
    page.wait_for_selector("#adm-flash.show.error")
    assert "请改为“停用”" in page.inner_text("#adm-flash")
    assert any(
        w["number"] == 2
        for w in page.request.get(srv.url + "/api/v1/admin/windows").json()["items"]
    )

    # a catalogue file with a bad row: every problem named by row and column, in Chinese, nothing imported
    page.goto(srv.url + "/admin/catalogue")
    page.wait_for_selector("#import-form")
    page.set_input_files(
        "#import-file",
        files=[
            {
                "name": "bad.xlsx",
                "buffer": _bad_catalogue(),
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ],
    )
    page.click("#import-submit")
    page.wait_for_selector("#import-errors tbody tr")
    rows = [
        r.locator("td").all_inner_texts() for r in page.locator("#import-errors tbody tr").all()
    ]
    assert [r[1:3] for r in rows] == [["2", "B（单位编码）"], ["2", "D（号码前缀）"]]
    assert rows[0][3] == "没有编码为 nowhere 的单位" and rows[1][3].startswith("不能用 O（")
    screenshot(page, "admin-09-import-errors")
    assert errors == []
    ctx.close()


def _bad_catalogue() -> bytes:
    """An items sheet whose one row uses the prefix O (looks like 0) for an unknown department."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "事项"
    ws.append(["事项编码", "单位编码", "事项名称", "号码前缀"])
    ws.append(["X001", "nowhere", "测试事项", "O"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_clerks_are_refused_and_supervisors_only_read(
    browser: Any, live_server: LiveServer
) -> None:
    srv = live_server
    clerk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = clerk.new_page()
    _sign_in(page, srv, "zhangwei")
    assert page.is_visible("#adm-forbidden")
    screenshot(page, "admin-10-clerk-refused")
    clerk.close()

    sup = browser.new_context(viewport={"width": 1280, "height": 800})
    page = sup.new_page()
    _sign_in(page, srv, "qianzhonghua", "/admin/windows")
    page.wait_for_selector("#adm-table tbody tr")
    assert page.is_visible("#adm-readonly")
    assert (
        page.locator("#adm-new").count() == 0 and page.locator('[data-action="edit"]').count() == 0
    )
    screenshot(page, "admin-11-supervisor-readonly")
    sup.close()
