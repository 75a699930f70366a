"""A page whose realtime library does not load says it is offline instead of looking normal."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser


def _api(srv: LiveServer, method: str, path: str, token: str, body: Any = None) -> Any:
    req = urllib.request.Request(
        srv.url + "/api/v1" + path,
        method=method,
        data=json.dumps(body if body is not None else {}).encode() if method == "POST" else None,
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def test_pages_without_their_realtime_library_say_they_are_offline(
    browser: Any, live_server: LiveServer
) -> None:
    srv = live_server
    clerk = _api(
        srv,
        "POST",
        "/auth/login",
        "",
        {"username": "zhangwei", "password": srv.passwords["zhangwei"]},
    )
    token = clerk["access_token"]
    window = next(w for w in _api(srv, "GET", "/windows", token)["items"] if w["number"] == 1)
    ticket = _api(
        srv, "POST", "/tickets", srv.token_of("kiosk"), {"service_id": window["service_ids"][0]}
    )
    _api(srv, "POST", f"/windows/{window['id']}/open", token)
    called = _api(srv, "POST", f"/windows/{window['id']}/call-next", token)

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.route(
        "**/vendor/socket.io.min.js", lambda route: route.fulfill(status=404, body="not installed")
    )
    errors: list[str] = []
    checks = [
        ("hall", f"/display/hall?token={srv.token_of('display')}", "#offline"),
        ("window", f"/display/window/1?token={srv.token_of('display', 1)}", "#offline"),
        ("kiosk", f"/kiosk?token={srv.token_of('kiosk')}", "#k-offline"),
    ]
    for name, path, banner in checks:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(srv.url + path)
        page.wait_for_selector(banner, state="visible", timeout=10000)
        if name == "hall":  # it still draws the hall as it is, from one snapshot over HTTP
            page.wait_for_function(
                f"document.getElementById('latest-number').textContent === '{called['number']}'",
                timeout=10000,
            )
        screenshot(page, f"offline-{name}")
        page.close()

    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{srv.url}/t/{ticket['public_id']}")
    page.wait_for_function(
        "document.getElementById('st-live').textContent.indexOf('连接中断') >= 0", timeout=10000
    )
    page.close()

    r = context.request.post(
        srv.url + "/api/v1/auth/login",
        data={"username": "zhangwei", "password": srv.passwords["zhangwei"]},
    )
    assert r.ok
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(srv.url + "/caller")
    page.wait_for_function(
        "document.getElementById('conn').dataset.online === '0' && "
        "document.getElementById('conn').textContent.length > 0",
        timeout=10000,
    )
    screenshot(page, "offline-caller")
    context.close()
    assert not errors, errors
