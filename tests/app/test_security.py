"""Security: every non-public operation needs credentials, rate limits, cookies, secrets, masked logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.conftest import Hall, build_hall

# API.md: "Only the service and department lists, the OpenAPI document and a ticket's own public
# status page are open to everyone" (and signing in, which is how one gets a token)
PUBLIC = {
    ("get", "/api/v1/departments"),
    ("get", "/api/v1/services"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/public/tickets/{public_id}"),
    # issue 17: the case lookup (number + last four of the phone, rate-limited) and the progress of
    # the case a ticket opened (part of the ticket's own page)
    ("post", "/api/v1/public/cases/lookup"),
    ("get", "/api/v1/public/tickets/{public_id}/case"),
    # issue 18: a visitor rates and complains from the ticket's page, with or without a ticket
    ("post", "/api/v1/public/tickets/{public_id}/evaluation"),
    ("post", "/api/v1/public/complaints"),
    ("get", "/api/v1/public/complaints/{public_id}"),
    # issue 19: booking from the visitor's phone (slots, book, cancel with code + last four digits),
    # each rate-limited per client address, and the list of bookable items with their materials
    ("get", "/api/v1/public/services/{service_id}/slots"),
    ("post", "/api/v1/public/appointments"),
    ("delete", "/api/v1/public/appointments/{code}"),
    ("get", "/api/v1/public/bookable-services"),
    # issue 19: 到号前短信提醒我 from the ticket's own page (its unguessable id is on the paper),
    # counted against the public-write budget per address
    ("post", "/api/v1/public/tickets/{public_id}/notify"),
}


def test_every_operation_but_the_public_ones_answers_401_without_credentials(
    sqlite_hall: Hall,
) -> None:
    client = sqlite_hall.client()
    doc = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            url = re.sub(r"\{[a-z_]+\}", "1", path)
            if (method, path) in PUBLIC:
                assert op["security"] == [], f"{method} {path} is public but documented as secured"
                continue
            assert op["security"] == [{"bearerAuth": []}], (
                f"{method.upper()} {path} is documented as public"
            )
            r = client.open(url, method=method.upper(), json={})
            assert r.status_code == 401, (
                f"{method.upper()} {path} answered {r.status_code} without credentials"
            )
            assert r.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked > 40
    assert {
        (m, p) for p, ops in doc["paths"].items() for m, o in ops.items() if o["security"] == []
    } <= PUBLIC


def _app_with(tmp_path: Path, **config: object) -> Hall:
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    hall.app.config.update(config)
    return hall


def test_a_kiosk_issuing_past_its_budget_gets_429_with_retry_after(tmp_path: Path) -> None:
    hall = _app_with(tmp_path, RATE_LIMIT_TICKETS_PER_MIN=5)
    try:
        kiosk, clerk = hall.client("kiosk"), hall.client("clerk1")
        codes = [
            kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code
            for _ in range(7)
        ]
        assert codes[:5] == [201] * 5 and codes[5:] == [429, 429]
        r = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
        assert r.get_json()["error"]["code"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # staff issuing at the counter is not a kiosk and is not limited per device
        assert clerk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).status_code == 201
    finally:
        hall.ctx.db.dispose()


def test_failed_sign_ins_from_one_address_are_limited_on_top_of_the_account_lockout(
    tmp_path: Path,
) -> None:
    hall = _app_with(tmp_path, RATE_LIMIT_LOGIN_FAILURES=8)
    try:
        c = hall.client()
        codes = []
        for i in range(10):  # spread over accounts, so no single account locks
            user = ["clerk1", "clerk2", "clerk3", "clerk4"][i % 4]
            codes.append(
                c.post(
                    "/api/v1/auth/login", json={"username": user, "password": "wrong"}
                ).status_code
            )
        assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": "pw-admin-123456"})
        assert r.status_code == 429 and "Retry-After" in r.headers  # even the right password waits
        other = hall.app.test_client()
        other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert (
            other.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "pw-admin-123456"}
            ).status_code
            == 200
        )
    finally:
        hall.ctx.db.dispose()


def test_the_account_lockout_still_applies_after_five_failures(sqlite_hall: Hall) -> None:
    c = sqlite_hall.client()
    for _ in range(5):
        assert (
            c.post("/api/v1/auth/login", json={"username": "clerk2", "password": "x"}).status_code
            == 401
        )
    r = c.post("/api/v1/auth/login", json={"username": "clerk2", "password": "pw-clerk2-123456"})
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "locked_out"


def test_session_cookies_are_httponly_lax_and_secure_when_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUEUEHALL_SESSION_COOKIE_SECURE", "true")
    hall = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    try:
        assert hall.app.config["SESSION_COOKIE_SECURE"] is True
        r = hall.client().post(
            "/api/v1/auth/login", json={"username": "admin", "password": "pw-admin-123456"}
        )
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    finally:
        hall.ctx.db.dispose()


def test_cookie_authenticated_writes_need_the_csrf_header(sqlite_hall: Hall) -> None:
    c = sqlite_hall.client()
    login = c.post(
        "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
    ).get_json()
    url = f"/api/v1/windows/{sqlite_hall.ids['w1']}/open"
    assert c.post(url, json={}).status_code == 403
    assert c.post(url, json={}, headers={"X-CSRF-Token": login["csrf_token"]}).status_code == 200


def test_no_secret_has_a_built_in_default(tmp_path: Path) -> None:
    from server.app import create_app
    from server.config import DEFAULTS

    assert not any(k in DEFAULTS for k in ("SECRET_KEY", "PASSWORD", "TOKEN"))
    src = "\n".join(p.read_text() for p in Path("server").rglob("*.py"))
    assert not re.search(r"SECRET_KEY\"?\]?\s*=\s*[\"'][^\"']+[\"']", src)
    a = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "PRINTER_SPOOLER": False})
    b = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "PRINTER_SPOOLER": False})
    assert len(a.config["SECRET_KEY"]) >= 32 and a.config["SECRET_KEY"] != b.config["SECRET_KEY"]
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o077 == 0
    for app in (a, b):
        app.extensions["queuehall"].db.dispose()


def test_mobile_and_id_numbers_are_masked_in_every_log_record(
    sqlite_hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything.at.all").info(
            "visitor %s id %s called", "13812345678", "11010119900307123X"
        )
        logging.getLogger("other").warning("phone 15900001111, not 123456789012")
    text = caplog.text
    assert "13812345678" not in text and "138****5678" in text
    assert "11010119900307123X" not in text and "110101********123X" in text
    assert "159****1111" in text and "123456789012" in text
