"""The `queuehall` command as API.md gives it, run as a user would on a fresh PostgreSQL hall."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, _spawn, free_port, make_pg_database, wait_http


def run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def http(
    base: str, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, Any]:
    headers = {
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {token}"} if token else {}),
    }
    data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def fresh_hall(pg_server: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """`queuehall init` on an empty PostgreSQL database given as a plain postgresql:// URL, then serve."""
    url, drop = make_pg_database(pg_server)
    import os

    env = {**os.environ, "QUEUEHALL_INSTANCE": str(tmp_path), "QUEUEHALL_DATABASE_URL": url}
    out = run(env, "init")
    assert out.returncode == 0, out.stderr
    assert "schema is up to date" in out.stdout and url.rsplit("/", 1)[1] in out.stdout
    port = free_port()
    proc = _spawn(port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/v1/health")
        yield env, base
    finally:
        proc.terminate()
        proc.wait(30)
        drop()


def test_an_admin_made_on_the_command_line_sets_up_a_hall_that_clerks_and_devices_then_use(
    fresh_hall: tuple[dict[str, str], str],
) -> None:
    env, base = fresh_hall
    made = run(env, "users", "add", "director", "--role", "admin")
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip().splitlines()[-1].removeprefix("password: ")
    assert len(password) >= 10 and password not in ("admin", "password")
    status, body = http(
        base, "POST", "/auth/login", body={"username": "director", "password": password}
    )
    assert status == 200, body
    admin = body["access_token"]
    dep = http(base, "POST", "/departments", admin, {"name": "市场监管局"})[1]
    svc = http(
        base,
        "POST",
        "/services",
        admin,
        {"department_id": dep["id"], "name": "营业执照办理", "prefix": "A"},
    )[1]
    status, win = http(
        base,
        "POST",
        "/windows",
        admin,
        {"number": 3, "name": "3号窗口", "service_ids": [svc["id"]]},
    )
    assert status == 201 and win["service_ids"] == [svc["id"]], (
        win
    )  # the shape GET /windows answers

    # a clerk with a chosen password, at window 3
    made = run(
        env,
        "users",
        "add",
        "wangfang",
        "--role",
        "clerk",
        "--windows",
        "3",
        "--password-stdin",
        stdin="a-long-secret-42\n",
    )
    assert made.returncode == 0 and "a-long-secret-42" not in made.stdout, made
    clerk = http(
        base, "POST", "/auth/login", body={"username": "wangfang", "password": "a-long-secret-42"}
    )[1]
    assert http(base, "POST", f"/windows/{win['id']}/open", clerk["access_token"])[0] == 200

    # devices: the token is alone on the last line and works at once
    kiosk = run(
        env, "devices", "add", "大厅取号机", "--kind", "kiosk", "--printer", "tcp://127.0.0.1:9"
    )
    evaluator = run(env, "devices", "add", "3号评价器", "--kind", "evaluator", "--window", "3")
    assert kiosk.returncode == 0 and evaluator.returncode == 0, (kiosk.stderr, evaluator.stderr)
    kiosk_token = kiosk.stdout.strip().splitlines()[-1]
    assert " " not in kiosk_token
    status, ticket = http(base, "POST", "/tickets", kiosk_token, {"service_id": svc["id"]})
    assert status == 201 and ticket["number"] == "A001" and ticket["print_state"] == "queued"
    devices = http(base, "GET", "/devices", admin)[1]["items"]
    ev = next(d for d in devices if d["name"] == "3号评价器")
    assert ev["kind"] == "evaluator" and ev["window_id"] == win["id"]


def test_the_command_line_refuses_bad_input_with_a_message_and_writes_nothing(
    fresh_hall: tuple[dict[str, str], str],
) -> None:
    env, base = fresh_hall
    for args, stdin, says in [
        (("users", "add", "x1", "--role", "clerk", "--windows", "3,x"), None, "window numbers"),
        (
            ("users", "add", "x2", "--role", "clerk", "--windows", "99"),
            None,
            "no window numbered 99",
        ),
        (("users", "add", "x3", "--role", "boss"), None, "boss"),
        (("users", "add", "x4", "--role", "clerk", "--password-stdin"), "short\n", "at least 10"),
        (("devices", "add", "k", "--kind", "kiosk", "--printer", "lpt://nowhere"), None, "printer"),
        (
            ("devices", "add", "e", "--kind", "evaluator", "--window", "42"),
            None,
            "no window numbered 42",
        ),
    ]:
        out = run(env, *args, stdin=stdin)
        assert out.returncode != 0, args
        assert says in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr, out.stderr
    made = run(env, "users", "add", "only", "--role", "admin")
    again = run(env, "users", "add", "only", "--role", "clerk")
    assert made.returncode == 0 and again.returncode != 0 and "exists already" in again.stderr
    admin = http(
        base,
        "POST",
        "/auth/login",
        body={
            "username": "only",
            "password": made.stdout.strip().splitlines()[-1].removeprefix("password: "),
        },
    )[1]
    staff = http(base, "GET", "/staff", admin["access_token"])[1]["items"]
    assert [s["username"] for s in staff] == ["only"]
    assert http(base, "GET", "/devices", admin["access_token"])[1]["items"] == []
