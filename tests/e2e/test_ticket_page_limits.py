"""A ticket page past its socket limit, against a real server: the socket is refused as busy, and the
page in Chromium says "refreshing every few seconds" (not "connection lost") and still follows the
ticket by polling; screens still get in (issue 16 item 2)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import LiveServer, screenshot, start_live_server
from tests.e2e.hallkit import Screen, bearer, clerks_sharing_a_service, issue

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"QUEUEHALL_TICKET_SOCKETS_PER_TICKET": "1", "QUEUEHALL_STATUS_POLL_S": "1"}
    srv = start_live_server(Path(tmp_path_factory.mktemp("limits")), extra_env=env)
    yield srv
    srv.stop()


def page_socket(url: str, public_id: str) -> tuple[socketio.Client, dict[str, Any]]:
    """A ticket page's socket from Python: (client, what its connect or refusal said)."""
    said: dict[str, Any] = {}
    done = threading.Event()
    c = socketio.Client(reconnection=False)
    c.on("connect", lambda: (said.update(connected=True), done.set()))
    c.on(
        "connect_error", lambda data=None: (said.update(connected=False, refusal=data), done.set())
    )
    try:
        c.connect(url, auth={"ticket": public_id}, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        pass
    assert done.wait(10)
    return c, said


def test_a_page_past_the_limit_is_told_busy_polls_quietly_and_still_sees_its_call(
    server: LiveServer, browser: Any
) -> None:
    service, [(_, clerk, window)] = clerks_sharing_a_service(server, 1)
    tk = issue(server.url, server.token_of("kiosk"), service).json()
    holder, said = page_socket(server.url, tk["public_id"])
    try:
        assert said == {"connected": True}
        second, said = page_socket(server.url, tk["public_id"])
        assert said["connected"] is False and said["refusal"]["data"]["code"] == "busy", said
        screen = Screen(server.url, server.token_of("display"))  # devices are never turned away
        screen.wait(lambda: screen.named("snapshot"), what="a screen's snapshot")
        screen.close()

        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
        )
        page = ctx.new_page()
        try:
            page.goto(f"{server.url}/t/{tk['public_id']}")
            page.wait_for_function(
                "document.querySelector('[data-testid=status-live]').textContent"
                ".startsWith('每隔几秒自动刷新')",
                timeout=10000,
            )
            assert "连接中断" not in page.inner_text("body")
            screenshot(page, "status-busy-polling")
            assert requests.post(f"{server.url}/api/v1/windows/{window['id']}/open", json={},
                                 headers=bearer(clerk), timeout=10).ok  # fmt: skip
            called = requests.post(f"{server.url}/api/v1/windows/{window['id']}/call-next", headers=bearer(clerk),
                                   timeout=10).json()  # fmt: skip
            assert called["id"] == tk["id"]
            page.locator(
                f"[data-testid=status-window]:has-text('{window['number']}号窗口')"
            ).wait_for(timeout=15000)
            assert "连接中断" not in page.inner_text("body")
            screenshot(page, "status-busy-called")
        finally:
            ctx.close()
    finally:
        holder.disconnect()


def test_a_refused_page_that_keeps_its_transport_open_is_closed_by_the_server(
    server: LiveServer,
) -> None:
    import engineio

    service, _ = clerks_sharing_a_service(server, 1)
    tk = issue(server.url, server.token_of("kiosk"), service).json()
    holder, said = page_socket(server.url, tk["public_id"])
    assert said == {"connected": True}
    heard: list[str] = []
    gone = threading.Event()
    raw = engineio.Client()  # speaks Socket.IO by hand and, unlike a browser, never hangs up
    raw.on("message", lambda data: heard.append(str(data)))
    raw.on("disconnect", lambda *_: gone.set())
    try:
        raw.connect(server.url, transports=["websocket"], engineio_path="/socket.io")
        raw.send("0" + json.dumps({"ticket": tk["public_id"]}))  # Socket.IO CONNECT with the ticket
        assert gone.wait(15), "the server left a refused transport open"
        assert any(m.startswith("4") and '"busy"' in m for m in heard), heard  # CONNECT_ERROR, busy
    finally:
        if not gone.is_set():
            raw.disconnect()
        holder.disconnect()
