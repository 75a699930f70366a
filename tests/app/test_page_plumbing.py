"""What every page relies on: the icon, the vendored browser assets, the security headers."""

from __future__ import annotations

import io

from tests.conftest import Hall


def test_the_favicon_is_served_as_an_icon(sqlite_hall: Hall) -> None:
    from PIL import Image

    r = sqlite_hall.client().get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(r.get_data()))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]


HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _pages(hall: Hall) -> list[str]:
    t = hall.tokens
    return [
        f"/kiosk?token={t['kiosk']}",
        f"/display/hall?token={t['display']}",
        f"/display/hall?layout=led&w=384&h=192&token={t['display']}",
        f"/display/window/1?token={t['display']}",
        f"/evaluator?token={t['eval1']}",
        "/caller",
        "/caller/codes",
        "/admin/services",
        "/admin/monitor",
        "/admin/reports",
        "/admin/reports/print",
        "/admin/audit",
        "/kiosk",
        "/t/abcdefgh12345678",
    ]


def test_every_answer_carries_the_security_headers_with_a_same_origin_only_policy(
    sqlite_hall: Hall,
) -> None:
    c = sqlite_hall.client()
    for path in [
        *_pages(sqlite_hall),
        "/api/v1/services",
        "/api/v1/openapi.json",
        "/api/v1/nothing-here",
        "/static/qh/client.js",
        "/favicon.ico",
        "/no-such-page",
    ]:
        r = c.get(path)
        for name, value in HEADERS.items():
            assert r.headers.get(name) == value, (path, name)
        csp = {
            d.split()[0]: d.split()[1:] for d in r.headers["Content-Security-Policy"].split("; ")
        }
        assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"], path
        assert csp["style-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], path
        assert not [
            s for d in csp.values() for s in d if s.startswith("http") or "unsafe" in s or s == "*"
        ], path


def test_no_page_carries_inline_script_or_style_that_the_policy_would_block(
    sqlite_hall: Hall,
) -> None:
    import re

    admin = sqlite_hall.client()
    assert (
        admin.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "pw-admin-123456"}
        ).status_code
        == 200
    )
    for client in (sqlite_hall.client(), admin):
        for path in _pages(sqlite_hall):
            html = client.get(path).get_data(as_text=True)
            scripts = re.findall(r"<script\b([^>]*)>", html)
            assert all("src=" in a or 'type="application/json"' in a for a in scripts), (
                path,
                scripts,
            )
            assert "<style" not in html, path
            assert not re.search(r"<[^>]+\sstyle=", html), path
            assert not re.search(r"<[^>]+\son[a-z]+=", html), path


def test_a_device_page_keeps_its_token_in_a_cookie_for_its_own_path_after_the_first_load(
    sqlite_hall: Hall,
) -> None:
    t = sqlite_hall.tokens
    for first, then in (
        (f"/kiosk?token={t['kiosk']}", "/kiosk"),
        (f"/display/hall?token={t['display']}&sound=1", "/display/hall?sound=1"),
        (f"/display/window/2?token={t['display']}", "/display/window/2"),
        (f"/evaluator?token={t['eval1']}", "/evaluator"),
    ):
        c = sqlite_hall.client()
        r = c.get(first)
        assert r.status_code == 200, first
        cookie = r.headers["Set-Cookie"]
        assert (
            cookie.startswith("qh_device=qhd_")
            and "HttpOnly" in cookie
            and "SameSite=Strict" in cookie
        )
        assert f"Path={first.split('?')[0]}" in cookie
        again = c.get(then)  # a reload after the page dropped ?token= from its address
        assert again.status_code == 200, then
        assert t[
            "kiosk" if "kiosk" in then else "eval1" if "evaluator" in then else "display"
        ] in again.get_data(as_text=True)
        assert (
            sqlite_hall.client().get(then).status_code == 401
        )  # without the cookie: no token, no page
    # the cookie of one page is not sent to another device's page
    c = sqlite_hall.client()
    assert c.get(f"/display/hall?token={t['display']}").status_code == 200
    assert c.get("/kiosk").status_code == 401
    # a token in the address wins over the remembered one
    c = sqlite_hall.client()
    c.get(f"/kiosk?token={t['kiosk']}")
    assert c.get("/kiosk?token=qhd_not-a-real-token").status_code == 401


def test_the_shipped_nginx_site_logs_no_query_string_and_no_referrer() -> None:
    import re

    from tests.conftest import ROOT

    conf = (ROOT / "deploy" / "queuehall.nginx.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    formats = dict(re.findall(r"log_format\s+(\S+)\s+((?:'[^']*'\s*)+);", code))
    logs = re.findall(r"access_log\s+([^;]+);", code)
    servers = code.count("server {")
    assert len(logs) == servers, (
        "every server block names its access log (nginx's default one logs $request)"
    )
    for spec in logs:
        parts = spec.split()
        assert parts[0] == "off" or (len(parts) >= 2 and parts[1] in formats), spec
        if parts[0] != "off":
            fmt = formats[parts[1]]
            for leaky in (
                "$request ",
                '$request"',
                "$request_uri",
                "$args",
                "$query_string",
                "$http_referer",
                "$arg_",
            ):
                assert leaky not in fmt, (parts[1], leaky)
    assert (
        "add_header X-Frame-Options" not in code
    )  # the app sends DENY; a second value would conflict
