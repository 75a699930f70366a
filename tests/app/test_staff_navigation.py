"""Supervisors and admins find the monitor, the reports and the audit log from /admin."""

from __future__ import annotations

import re

from tests.conftest import Hall


def _signed_in(hall: Hall, username: str):  # noqa: ANN202 - a Flask test client
    c = hall.client()
    assert (
        c.post(
            "/api/v1/auth/login", json={"username": username, "password": f"pw-{username}-123456"}
        ).status_code
        == 200
    )
    return c


def _sidebar(html: str) -> list[str]:
    nav = re.search(r'<nav class="adm-nav".*?</nav>', html, re.S)
    assert nav, "the /admin page has its sidebar"
    return re.findall(r'href="([^"]+)"', nav.group(0))


def test_the_admin_sidebar_leads_to_the_monitor_the_reports_and_the_audit_log(
    sqlite_hall: Hall,
) -> None:
    for who in ("super", "admin"):
        c = _signed_in(sqlite_hall, who)
        html = c.get("/admin/services").get_data(as_text=True)
        links = _sidebar(html)
        assert {"/admin/monitor", "/admin/reports", "/admin/audit"} <= set(links), links
        assert "实时监控" in html and "统计报表" in html and "审计日志" in html
        for page in ("/admin/monitor", "/admin/reports", "/admin/audit"):
            assert c.get(page).status_code == 200


def test_a_supervisor_lands_on_the_monitor_and_an_admin_on_the_configuration(
    sqlite_hall: Hall,
) -> None:
    sup = _signed_in(sqlite_hall, "super")
    r = sup.get("/admin")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/monitor")
    admin = _signed_in(sqlite_hall, "admin")
    assert admin.get("/admin").headers["Location"].endswith("/admin/services")
    # the way back from the oversight pages does not bounce a supervisor to the monitor again
    back = re.search(
        r'<nav class="ovs-nav".*?href="([^"]+)"',
        sup.get("/admin/monitor").get_data(as_text=True),
        re.S,
    )
    assert back and back.group(1) == "/admin/services"
    # signed out, /admin asks to sign in where it is, so the page reloaded after signing in lands by role
    anon = sqlite_hall.client()
    page = anon.get("/admin")
    assert page.status_code == 200 and 'id="adm-login"' in page.get_data(as_text=True)
    assert (
        anon.post(
            "/api/v1/auth/login", json={"username": "super", "password": "pw-super-123456"}
        ).status_code
        == 200
    )
    assert anon.get("/admin").headers["Location"].endswith("/admin/monitor")


def test_the_demo_prints_where_the_monitor_the_reports_and_the_audit_log_are(tmp_path) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    # argon2's cheapest profile: the demo's passwords at the production cost took 7 s of CPU
    env = {**os.environ, "QUEUEHALL_INSTANCE": str(tmp_path), "QUEUEHALL_PASSWORD_HASH": "cheapest"}
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "init", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    opened = out.split("\nOpen:", 1)[1]
    for path in ("/admin/monitor", "/admin/reports", "/admin/audit"):
        assert f"http://127.0.0.1:8000{path}" in opened, opened
    assert "supervisor" in opened
