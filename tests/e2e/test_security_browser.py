"""Every page under the app's strict Content-Security-Policy, in headless Chromium: no violation, no
script error, realtime connected; device pages drop their token from the address and survive a reload."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM_ARGS, LiveServer, screenshot

pytestmark = pytest.mark.browser

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture(scope="module")
def chromium(playwright_driver: Any) -> Iterator[Any]:
    """A Chromium of its own that enforces the pages' policy (the shared one bypasses it)."""
    b = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    yield b
    b.close()


def _until(page: Any, expression: str, timeout_s: float = 10.0) -> None:
    """Wait until `expression` is true in the page; polled from here, as the policy forbids the
    string evaluation `page.wait_for_function` does inside the page."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout_s} s: {expression}"
        time.sleep(0.1)


def _issue(srv: LiveServer) -> dict[str, Any]:
    with urllib.request.urlopen(srv.url + "/api/v1/services", timeout=10) as r:
        service = json.loads(r.read())["items"][0]
    req = urllib.request.Request(
        srv.url + "/api/v1/tickets",
        method="POST",
        data=json.dumps({"service_id": service["id"]}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer " + srv.token_of("kiosk"),
        },
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return dict(json.loads(r.read()))


class Watched:
    """A page whose CSP violations, console errors and script errors are collected."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.page.add_init_script(WATCH)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self, what: str) -> None:
        violations = self.page.evaluate("window.__csp")
        csp_console = [
            m for m in self.console if "Content Security Policy" in m or "Refused to" in m
        ]
        assert not violations and not csp_console, (what, violations, csp_console)
        assert not self.errors, (what, self.errors)


def _sign_in(context: Any, srv: LiveServer, username: str) -> None:
    r = context.request.post(
        srv.url + "/api/v1/auth/login",
        data={"username": username, "password": srv.passwords[username]},
    )
    assert r.ok, r.text()


def test_device_pages_work_under_the_policy_and_drop_their_token_from_the_address(
    chromium: Any, live_server: LiveServer
) -> None:
    srv = live_server
    ticket = _issue(srv)
    pages = [
        ("kiosk", f"/kiosk?token={srv.token_of('kiosk')}", "#k-offline", (1080, 1920)),
        (
            "hall",
            f"/display/hall?token={srv.token_of('display')}&sound=1",
            "#offline",
            (1920, 1080),
        ),
        (
            "led",
            f"/display/hall?layout=led&w=384&h=192&token={srv.token_of('display')}",
            "#offline",
            (384, 192),
        ),
        (
            "window",
            f"/display/window/1?token={srv.token_of('display', 1)}",
            "#offline",
            (1280, 720),
        ),
        ("evaluator", f"/evaluator?token={srv.token_of('evaluator', 1)}", None, (1280, 800)),
        ("status", f"/t/{ticket['public_id']}", None, (390, 844)),
    ]
    for name, path, offline, size in pages:
        context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
        w = Watched(context)
        w.visit(srv.url + path)
        assert "token=" not in w.page.url, (name, w.page.url)
        if offline:
            _until(w.page, f"document.querySelector('{offline}').hidden")
        w.page.reload()
        w.page.wait_for_load_state("networkidle")
        assert "token=" not in w.page.url
        if offline:  # the reload found its token in the cookie: the page is there and connected
            _until(w.page, f"document.querySelector('{offline}').hidden")
        if name == "led":
            assert w.page.evaluate("document.body.getBoundingClientRect().width") == 384
        assert w.page.evaluate("history.length") >= 1
        screenshot(w.page, f"csp-{name}")
        w.assert_clean(name)
        context.close()


def test_a_visitor_takes_a_ticket_at_the_kiosk_under_the_policy(
    chromium: Any, live_server: LiveServer
) -> None:
    context = chromium.new_context(viewport={"width": 1080, "height": 1920})
    w = Watched(context)
    w.visit(f"{live_server.url}/kiosk?token={live_server.token_of('kiosk')}")
    w.page.locator(".k-tile").first.click()
    w.page.locator(".k-item").first.click()
    w.page.locator("[data-testid=guide]").wait_for()
    w.page.locator("[data-testid=take]").click()
    w.page.locator("[data-testid=ticket-number]").wait_for(state="visible")
    _until(w.page, "document.querySelector('[data-testid=ticket-qr]').naturalWidth > 0")
    screenshot(w.page, "csp-kiosk-ticket")
    w.assert_clean("kiosk ticket")
    context.close()


def test_staff_pages_work_under_the_policy(chromium: Any, live_server: LiveServer) -> None:
    srv = live_server
    for username, paths in (
        ("zhangwei", ["/caller", "/caller/codes"]),
        (
            "admin",
            [
                "/admin/services",
                "/admin/departments",
                "/admin/windows",
                "/admin/staff",
                "/admin/devices",
                "/admin/publicity",
                "/admin/settings",
                "/admin/catalogue",
                "/admin/monitor",
                "/admin/reports",
                "/admin/reports/print",
                "/admin/audit",
            ],
        ),
        ("qianzhonghua", ["/admin"]),
    ):
        context = chromium.new_context(viewport={"width": 1440, "height": 900})
        signin = Watched(context)
        signin.visit(srv.url + paths[0].split("?")[0])
        signin.assert_clean("sign-in " + paths[0])
        _sign_in(context, srv, username)
        for path in paths:
            w = Watched(context)
            w.visit(srv.url + path)
            if path == "/admin/reports":
                w.page.wait_for_selector("#ovs-reports canvas", timeout=10000)
            screenshot(w.page, "csp" + path.replace("/", "-"))
            w.assert_clean(path)
            if username == "qianzhonghua":  # a supervisor lands on the monitor
                assert w.page.url.endswith("/admin/monitor")
            w.page.close()
        context.close()


def test_a_supervisor_signing_in_at_admin_lands_on_the_monitor(
    chromium: Any, live_server: LiveServer
) -> None:
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    w = Watched(context)
    w.visit(live_server.url + "/admin")
    w.page.fill("#login-username", "xiejuan")
    w.page.fill("#login-password", live_server.passwords["xiejuan"])
    w.page.click("#login-submit")
    w.page.wait_for_selector("#ovs-monitor")
    assert w.page.url.endswith("/admin/monitor")
    w.page.click("#ovs-nav a[href='/admin/services']")
    w.page.wait_for_selector("#adm-readonly")
    assert w.page.locator(".adm-nav a[href='/admin/reports']").is_visible()
    screenshot(w.page, "supervisor-admin-sidebar")
    w.assert_clean("supervisor sign-in")
    context.close()
