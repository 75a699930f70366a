"""Issue 15: `init --demo` spares a live hall, `users unlock`, and printer URLs checked on the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.cli import main


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {
        "QUEUEHALL_DATABASE_URL": db_url,
        "QUEUEHALL_INSTANCE": str(tmp_path / "instance"),
        "QUEUEHALL_PASSWORD_HASH": "cheapest",
        "QUEUEHALL_PRINTER_SPOOLER": "false",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _demo_password(out: str, username: str) -> str:
    line = next(x for x in out.splitlines() if f" {username} " in x and x.startswith("  "))
    return line.split()[2]


def _app(env: dict[str, str]):  # type: ignore[no-untyped-def]
    from server.app import create_app

    return create_app(
        {
            "DATABASE_URL": env["QUEUEHALL_DATABASE_URL"],
            "INSTANCE_PATH": env["QUEUEHALL_INSTANCE"],
            "TESTING": True,
            "PRINTER_SPOOLER": False,
            "PASSWORD_HASH": "cheapest",
        }
    )


def test_init_demo_refuses_a_hall_with_tickets_unless_forced(env: dict[str, str]) -> None:
    first = run(env, "init", "--demo")
    assert first.exit_code == 0, first.output
    app = _app(env)
    try:
        c = app.test_client(use_cookies=False)
        pw = _demo_password(first.output, "admin")
        token = c.post("/api/v1/auth/login", json={"username": "admin", "password": pw}).get_json()[
            "access_token"
        ]
        bearer = {"Authorization": f"Bearer {token}"}
        sid = c.get("/api/v1/services").get_json()["items"][0]["id"]
        assert (
            c.post("/api/v1/tickets", json={"service_id": sid}, headers=bearer).status_code == 201
        )

        again = run(env, "init", "--demo")
        assert again.exit_code != 0
        assert "1 tickets" in again.output and "--force" in again.output
        # nothing changed: the admin's password still works
        assert (
            c.post("/api/v1/auth/login", json={"username": "admin", "password": pw}).status_code
            == 200
        )

        forced = run(env, "init", "--demo", "--force")
        assert forced.exit_code == 0, forced.output
        assert (
            c.post("/api/v1/auth/login", json={"username": "admin", "password": pw}).status_code
            == 401
        )
        assert run(env, "init").exit_code == 0  # a plain upgrade never refuses
    finally:
        app.extensions["queuehall"].db.dispose()


def test_an_admin_unlocks_an_account_from_the_command_line(env: dict[str, str]) -> None:
    first = run(env, "init", "--demo")
    pw = _demo_password(first.output, "admin")
    app = _app(env)
    try:
        c = app.test_client(use_cookies=False)
        for _ in range(5):
            assert (
                c.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": "wrong-123456"}
                ).status_code
                == 401
            )
        assert (
            c.post("/api/v1/auth/login", json={"username": "admin", "password": pw}).status_code
            == 429
        )
        done = run(env, "users", "unlock", "admin")
        assert done.exit_code == 0 and "unlocked admin" in done.output
        assert (
            c.post("/api/v1/auth/login", json={"username": "admin", "password": pw}).status_code
            == 200
        )
        missing = run(env, "users", "unlock", "nobody")
        assert missing.exit_code != 0 and "no user named nobody" in missing.output
    finally:
        app.extensions["queuehall"].db.dispose()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///dev/usb/../../tmp/x", "tcp://"])
def test_devices_add_and_init_refuse_a_dangerous_printer_url(
    env: dict[str, str], url: str, tmp_path: Path
) -> None:
    assert run(env, "init").exit_code == 0
    out = run(env, "devices", "add", "k9", "--kind", "kiosk", "--printer", url)
    assert out.exit_code != 0 and "--printer" in out.output
    out = run(env, "init", "--demo", "--printer", url)
    assert out.exit_code != 0 and "--printer" in out.output
    ok = run(env, "devices", "add", "k9", "--kind", "kiosk", "--printer", "file:///dev/usb/lp0")
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(
    "args",
    [
        ("users", "add", "bad\x1bname", "--role", "clerk"),
        ("users", "add", "ok1", "--role", "clerk", "--full-name", "张伟\x07"),
        ("users", "add", "ok2", "--role", "clerk", "--full-name", "张伟\n管理员"),
        ("users", "add", "ok3", "--role", "clerk", "--badge", "\x00123"),
        ("devices", "add", "大厅\x08取号机", "--kind", "kiosk"),
        ("devices", "add", "一号屏\r", "--kind", "display"),
    ],
)
def test_users_and_devices_add_refuse_control_characters_as_the_api_does(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    """Issue 15: a name the API refuses (422) is refused here too, with exit code 2, writing nothing."""
    assert run(env, "init").exit_code == 0
    out = run(env, *args)
    assert out.exit_code == 2, out.output
    assert "control character" in out.output or "line break" in out.output, out.output
    app = _app(env)
    try:
        from sqlalchemy import func, select

        from server.storage.models import Device, Staff

        with app.extensions["queuehall"].uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Staff)) == 0
            assert uow.session.scalar(select(func.count()).select_from(Device)) == 0
    finally:
        app.extensions["queuehall"].db.dispose()
    fine = run(env, *args[:2], "fine-name", *args[3:5])
    assert fine.exit_code == 0, fine.output
