"""The `queuehall` command (API.md: init, serve, users, devices, announcer, printer-sim)."""

from __future__ import annotations

import sys
from typing import Any

import click


def _ctx() -> Any:
    from .app import create_app  # imported here so `queuehall serve`'s master stays small

    app = create_app()
    return app, app.extensions["queuehall"]


@click.group()
def main() -> None:
    """Queue and call-number system for government service halls."""


@main.command()
@click.option(
    "--demo", is_flag=True, help="also load the demo hall and print its accounts and device tokens"
)
@click.option(
    "--printer",
    "printer_url",
    default=None,
    help="printer URL for the demo kiosks (e.g. tcp://127.0.0.1:9100)",
)
@click.option(
    "--force", is_flag=True, help="with --demo: load it even on a hall that has issued tickets"
)
def init(demo: bool, printer_url: str | None, force: bool) -> None:
    """Create or upgrade the schema; --demo loads the demo hall."""
    from . import demo as demo_mod
    from .storage.migrate import upgrade

    app, ctx = _ctx()
    if printer_url:
        _check_printer(ctx.config, printer_url)
    upgrade(ctx.db)
    click.echo(f"schema is up to date ({_safe_url(ctx.db.url)})")
    if not demo:
        demo_mod.ensure_site(ctx.db)
        return
    issued = _tickets_issued(ctx)
    if issued and not force:
        # the demo gives every demo account a new password and every demo device a new token:
        # on a working hall that locks its clerks out and darkens its kiosks and screens
        raise click.ClickException(
            f"this database already holds {issued} tickets: --demo would reset the demo accounts' passwords and "
            "the demo devices' tokens. Nothing was changed; pass --force to load the demo anyway."
        )
    creds = demo_mod.load_demo(ctx.db, printer_url)
    c = demo_mod.counts(ctx.db)
    click.echo(
        f"demo hall loaded: {c['departments']} departments, {c['services']} items, {c['windows']} windows, "
        f"{c['staff']} staff, {c['devices']} devices"
    )
    click.echo("\nStaff accounts (passwords are new each time; keep them now):")
    for username, name, role, password in creds.passwords:
        click.echo(f"  {role:<10} {username:<16} {password}  {name}")
    click.echo("\nDevice tokens (shown once):")
    for name, kind, window, token in creds.tokens:
        where = f" window {window}" if window else ""
        click.echo(f"  {kind:<9} {name}{where}: {token}")
    _print_urls(creds)


def _tickets_issued(ctx: Any) -> int:
    from sqlalchemy import func, select

    from .storage.models import Ticket

    with ctx.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Ticket)) or 0)


def _check_text(value: str | None, param: str, max_len: int) -> None:
    """Refuse what the API refuses in the same field (a 422 there; a usage error, exit code 2,
    here): control characters, tabs and line breaks, empty or over-long text."""
    from .services.common.cleantext import control_problem

    if value is None:
        return
    problem = control_problem(value, multiline=False)
    if problem is None and not value.strip():
        problem = "must not be empty"
    if problem is None and len(value) > max_len:
        problem = f"must be at most {max_len} characters"
    if problem is not None:
        raise click.BadParameter(problem, param_hint=param)


def _check_printer(config: Any, printer_url: str) -> None:
    """Refuse a printer URL of the wrong form, or a file:// one outside the operator's device folders."""
    from .services.printing.printer_urls import BadPrinterUrl, check_printer_url

    try:
        check_printer_url(printer_url, config.get("PRINTER_DEVICE_DIRS"))
    except BadPrinterUrl as exc:
        raise click.BadParameter(exc.message, param_hint="--printer") from None


def _print_urls(creds: Any, base: str = "http://127.0.0.1:8000") -> None:
    tok = {k: t for _n, k, w, t in reversed(creds.tokens) if not (k == "display" and w)}
    click.echo("\nOpen:")
    if "kiosk" in tok:
        click.echo(f"  kiosk        {base}/kiosk?token={tok['kiosk']}")
    if "display" in tok:
        click.echo(f"  hall screen  {base}/display/hall?token={tok['display']}")
    for _n, kind, window, token in creds.tokens:
        if kind == "display" and window:
            click.echo(f"  window {window} screen {base}/display/window/{window}?token={token}")
        if kind == "evaluator" and window == 1:
            click.echo(f"  evaluator    {base}/evaluator?token={token}")
    click.echo(f"  clerk page   {base}/caller   (sign in with a clerk account above)")
    click.echo(f"  admin        {base}/admin    (sign in as admin)")
    click.echo(
        f"  monitor      {base}/admin/monitor   (live queues and alerts; sign in as a supervisor or admin)"
    )
    click.echo(
        f"  reports      {base}/admin/reports   (figures, exports and assessment; supervisor or admin)"
    )
    click.echo(
        f"  audit log    {base}/admin/audit     (every sign-in and change; supervisor or admin)"
    )
    click.echo(f"  API document {base}/api/v1/openapi.json")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--worker",
    type=click.Choice(["gevent", "gthread"]),
    default=None,
    help="gevent (default, QUEUEHALL_WORKER): one greenlet per connection; "
    "gthread: one OS thread per connection",
)
@click.option(
    "--threads",
    default=None,
    type=int,
    help="gthread only: threads (each open websocket holds one)",
)
@click.option(
    "--connections",
    default=None,
    type=int,
    help="gevent only: open connections at once (default 10000; keep under ulimit -n)",
)
def serve(
    host: str, port: int, worker: str | None, threads: int | None, connections: int | None
) -> None:
    """Run the server (gunicorn, one worker process)."""
    from .serve import SettingError, run

    try:
        run(host, port, threads, worker=worker, connections=connections)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


@main.group()
def users() -> None:
    """Staff accounts."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "supervisor", "admin"]), required=True)
@click.option("--windows", default="", help="window numbers, e.g. 3,5")
@click.option("--full-name", default=None, help="display name (default: NAME)")
@click.option("--badge", default="", help="badge number (亮证上岗)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def users_add(
    name: str, role: str, windows: str, full_name: str | None, badge: str, password_stdin: bool
) -> None:
    """Add a staff account; without --password-stdin a password is generated and printed."""
    from sqlalchemy import select

    from .services.access import audit
    from .services.access.auth import generate_password, hash_password
    from .storage.models import Site, Staff, StaffWindow, Window

    _check_text(name, "NAME", 60)
    _check_text(full_name, "--full-name", 100)
    _check_text(badge or None, "--badge", 40)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    if len(password) < 10:
        raise click.UsageError("the password must be at least 10 characters")
    try:
        numbers = [int(x) for x in windows.split(",") if x.strip()] if windows else []
    except ValueError:
        raise click.BadParameter(
            f"{windows!r} is not a list of window numbers such as 3,5", param_hint="--windows"
        ) from None
    _app, ctx = _ctx()
    with ctx.uow() as uow:
        s = uow.session
        site = s.scalar(select(Site).order_by(Site.id))
        if site is None:
            raise click.ClickException("no hall yet: run `queuehall init` first")
        if s.scalar(select(Staff.id).where(Staff.username == name)) is not None:
            raise click.ClickException(f"a user named {name} exists already")
        wins = {
            w.number: w
            for w in s.scalars(
                select(Window).where(Window.site_id == site.id, Window.number.in_(numbers))
            )
        }
        missing = [n for n in numbers if n not in wins]
        if missing:
            raise click.ClickException(f"no window numbered {', '.join(map(str, missing))}")
        st = Staff(
            site_id=site.id,
            username=name,
            name=full_name or name,
            badge=badge,
            role=role,
            password_hash=hash_password(password),
        )
        s.add(st)
        s.flush()
        for w in wins.values():
            s.add(StaffWindow(staff_id=st.id, window_id=w.id))
        uow.commit()
        staff_id = st.id
    audit.record_cli(
        ctx,
        "cli_users_add",
        "queuehall users add",
        f"id={staff_id}",
        {"username": name, "role": role, "windows": numbers, "badge": badge},
    )
    click.echo(f"added {role} {name}" + (f" at windows {windows}" if numbers else ""))
    if not password_stdin:
        click.echo(f"password: {password}")


@users.command("unlock")
@click.argument("name")
def users_unlock(name: str) -> None:
    """Lift every sign-in lockout of a staff account (from every address)."""
    from sqlalchemy import select

    from .services.access import audit, lockout
    from .storage.models import Staff

    _app, ctx = _ctx()
    with ctx.uow() as uow:
        st = uow.session.scalar(select(Staff).where(Staff.username == name))
        if st is None:
            raise click.ClickException(f"no user named {name}")
        pairs = lockout.unlock(uow.session, name)
        st.failed_logins, st.locked_until = 0, None
        uow.commit()
        staff_id = st.id
    audit.record_cli(
        ctx, "cli_users_unlock", "queuehall users unlock", f"id={staff_id}", {"username": name}
    )
    click.echo(
        f"unlocked {name}" + (f" ({pairs} locked or failing addresses cleared)" if pairs else "")
    )


@main.group()
def devices() -> None:
    """Kiosks, screens, announcers, evaluators and printers."""


@devices.command("add")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["kiosk", "display", "announcer", "evaluator", "printer"]),
    required=True,
)
@click.option("--printer", "printer_url", default=None, help="the kiosk's ticket printer URL")
@click.option("--window", type=int, default=None, help="bind to the window with this number")
@click.option(
    "--paper",
    "paper_mm",
    type=click.Choice(["58", "80"]),
    default="80",
    show_default=True,
    help="a kiosk's paper width in mm",
)
@click.option(
    "--ticket-lang",
    type=click.Choice(["zh", "en", "zh+en"]),
    default="zh+en",
    show_default=True,
    help="a kiosk's ticket language; zh+en prints each Chinese line with its English beneath",
)
def devices_add(
    name: str,
    kind: str,
    printer_url: str | None,
    window: int | None,
    paper_mm: str,
    ticket_lang: str,
) -> None:
    """Register a device and print its token alone on the last line."""
    from sqlalchemy import select

    from .services.access import audit
    from .services.access.auth import DEVICE_TOKEN_PREFIX, new_token
    from .storage.models import Device, Site, Window

    _check_text(name, "NAME", 100)
    _app, ctx = _ctx()
    if printer_url:  # agent:// is printed by `queuehall kiosk-agent` on the kiosk PC
        _check_printer(ctx.config, printer_url)
    token, digest = new_token(DEVICE_TOKEN_PREFIX)
    with ctx.uow() as uow:
        s = uow.session
        site = s.scalar(select(Site).order_by(Site.id))
        if site is None:
            raise click.ClickException("no hall yet: run `queuehall init` first")
        window_id = None
        if window is not None:
            w = s.scalar(select(Window).where(Window.site_id == site.id, Window.number == window))
            if w is None:
                raise click.ClickException(f"no window numbered {window}")
            window_id = w.id
        dev = Device(
            site_id=site.id,
            name=name,
            kind=kind,
            token_hash=digest,
            window_id=window_id,
            printer_url=printer_url,
            status={},
            paper_mm=int(paper_mm),
            ticket_lang=ticket_lang,
        )
        s.add(dev)
        uow.commit()
        device_id = dev.id
    audit.record_cli(
        ctx,
        "cli_devices_add",
        "queuehall devices add",
        f"id={device_id}",
        {
            "name": name,
            "kind": kind,
            "window": window,
            "printer_url": printer_url,
            "paper_mm": int(paper_mm),
            "ticket_lang": ticket_lang,
        },
    )
    click.echo(f"registered {kind} {name}" + (f" at window {window}" if window else ""))
    click.echo(token)


@main.command()
@click.option("--server", required=True, help="server URL, e.g. http://127.0.0.1:8000")
@click.option("--token", required=True, help="the announcer device's token")
@click.option(
    "--wav-dir",
    default=None,
    help="write each announcement as a WAV file here instead of playing it",
)
@click.option(
    "--repeat",
    default=None,
    type=click.IntRange(1, 5),
    help="say each call N times (default: the hall's setting in /admin)",
)
@click.option(
    "--chime/--no-chime", default=None, help="chime first or not (default: the hall's setting)"
)
@click.option(
    "--missed-seconds",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="after a reconnect, announce calls missed in the last N seconds (server time)",
)
def announcer(
    server: str,
    token: str,
    wav_dir: str | None,
    repeat: int | None,
    chime: bool | None,
    missed_seconds: float,
) -> None:
    """Run the voice announcer."""
    from display.announcer import main_run

    main_run(server, token, wav_dir, repeat=repeat, chime=chime, missed_seconds=missed_seconds)


@main.command("idcard-sim")
@click.option("--server", required=True, help="server URL, e.g. http://127.0.0.1:8000")
@click.option("--token", required=True, help="the kiosk device's token")
@click.option(
    "--card",
    "cards",
    multiple=True,
    help='a card as "姓名 身份证号" (else read lines from standard input)',
)
def idcard_sim(server: str, token: str, cards: tuple[str, ...]) -> None:
    """Simulate the kiosk's ID card reader: each card is sent to that kiosk's page (masked) for
    预约取号 by card (issue 19)."""
    from kiosk.idcard_agent import LineReader, relay

    answers = relay(server, token, LineReader(cards if cards else sys.stdin))
    if any(not a.get("ok") for a in answers):
        sys.exit(1)


@main.command("kiosk-agent")
@click.option("--server", required=True, help="server URL, e.g. http://127.0.0.1:8000")
@click.option(
    "--token", required=True, help="the kiosk device's token (its printer URL starts with agent://)"
)
@click.option(
    "--printer", "printer_url", required=True, help="the local printer, e.g. usb://0x0416:0x5011"
)
@click.option(
    "--poll", default=15.0, show_default=True, type=float, help="seconds between status reports"
)
@click.option(
    "--state-dir",
    default=None,
    help="where printed job ids are kept across restarts (default: $QUEUEHALL_AGENT_STATE_DIR, "
    "else ~/.local/state/queuehall-agent)",
)
def kiosk_agent(
    server: str, token: str, printer_url: str, poll: float, state_dir: str | None
) -> None:
    """Print this kiosk's tickets on a printer plugged into the kiosk PC.

    Register the kiosk with a printer URL starting with agent:// (e.g. `--printer agent://usb`):
    the server then sends that kiosk's tickets to this agent instead of printing them itself.
    """
    from kiosk.agent import run_agent

    try:
        run_agent(server, token, printer_url, poll_s=poll, state_dir=state_dir)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--printer") from exc


@main.command("printer-sim")
@click.option("--port", default=9100, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--paper", type=click.Choice(["ok", "low", "out"]), default="ok", show_default=True)
@click.option("--offline", is_flag=True)
@click.option("--png-dir", default=None, help="write a PNG picture of each printed ticket here")
@click.option(
    "--paper-after",
    type=click.IntRange(min=0),
    default=None,
    help="the roll holds N tickets and runs out partway through the next one",
)
def printer_sim(
    port: int, host: str, paper: str, offline: bool, png_dir: str | None, paper_after: int | None
) -> None:
    """Run a TCP ESC/POS printer simulator."""
    from hardware.printer_sim import run_printer_sim

    run_printer_sim(port, paper, offline, png_dir, host=host, paper_after=paper_after)


if __name__ == "__main__":
    main()
