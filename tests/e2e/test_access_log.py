"""The server's own access log (QUEUEHALL_ACCESS_LOG) keeps paths, never a device token."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from tests.conftest import start_live_server


def test_the_access_log_writes_the_path_without_the_query_string(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    srv = start_live_server(tmp_path / "live", {"QUEUEHALL_ACCESS_LOG": str(log)})
    try:
        token = srv.token_of("kiosk")
        with urllib.request.urlopen(f"{srv.url}/kiosk?token={token}", timeout=10) as r:
            assert r.status == 200
        deadline = time.monotonic() + 10
        while (
            "/kiosk" not in (log.read_text() if log.exists() else "")
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        text = log.read_text()
        line = next(x for x in text.splitlines() if "/kiosk" in x)
        assert '"GET /kiosk HTTP/1.1" 200' in line, line
        assert token not in text and "token=" not in text
    finally:
        srv.stop()
