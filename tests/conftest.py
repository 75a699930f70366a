"""Shared fixtures: real SQLite and PostgreSQL databases, apps, a live server, Chromium."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("QUEUEHALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ARTIFACTS = ROOT / "test-artifacts"


# ---- running on several workers (pytest-xdist) -------------------------------------------------
#
# `scripts/test.sh` runs the suite in two worker processes (`-n 2`). Whatever two tests could share
# is told apart per worker: PostgreSQL database names carry the worker's id, every worker has its
# own schema templates (the session fixture below runs once in each), temporary files are under
# the worker's own basetemp, Redis users on 127.0.0.1:6379 each get a fresh channel prefix, and
# ports come from a range of the worker's own (free_port).


def worker_id() -> str:
    """This pytest process's xdist worker id ("gw0", "gw1", ...), or "main" when run serially."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# Ports for test servers come from below the kernel's ephemeral range (32768-60999 here), one block
# per worker. Asking the kernel for port 0 and handing the number on is a race: until the server
# binds it, the kernel may give the same number to the other worker's port-0 request or to any
# outgoing connection on the machine. Numbers below the ephemeral range are never handed out by
# the kernel, and each worker's block is its own; inside it a port is used once per run (a
# random starting point keeps two simultaneous runs apart too), and one found busy is passed over.
PORT_BLOCK = 1000
PORT_BASE = 20000
PORT_BLOCKS = 12  # 20000-31999, below the ephemeral range


def _port_block() -> int:
    w = worker_id()
    index = int(w[2:]) + 1 if w.startswith("gw") and w[2:].isdigit() else 0
    return PORT_BASE + (index % PORT_BLOCKS) * PORT_BLOCK


_port_lock = threading.Lock()
_port_next = secrets.randbelow(PORT_BLOCK)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on and no other worker will be given."""
    global _port_next
    base = _port_block()
    with _port_lock:
        for _ in range(PORT_BLOCK):
            port = base + _port_next
            _port_next = (_port_next + 1) % PORT_BLOCK
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # in use (or still in TIME_WAIT): take the next
            return port
    raise RuntimeError(f"no free port in {base}-{base + PORT_BLOCK - 1}")


# ---- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The machine's PostgreSQL admin URL; the suite fails loudly if it is not there."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:  # not a skip: PostgreSQL is part of the contract
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL}: {exc}")
    return PG_ADMIN_URL


def make_pg_database(admin_url: str, template: str | None = None) -> tuple[str, Any]:
    """Create a throwaway database (empty, or a copy of `template`); returns its URL and a dropper."""
    import psycopg

    name = f"qh_test_{worker_id()}_{secrets.token_hex(4)}"  # the worker id: never shared
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    url = admin_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


# ---- migrated schemas, made once per run -------------------------------------------------------
#
# Every hall needs the schema at the newest revision. Running all of Alembic's migrations again for
# each of the hundreds of hall tests cost most of their setup; instead the run migrates one SQLite
# file and one PostgreSQL database once (through the same `upgrade` the app uses), and a hall's
# fresh database starts as a copy of it (a file copy; PostgreSQL's CREATE DATABASE ... TEMPLATE).
# build_hall still calls `upgrade`, which finds the copy at head. The copies are only taken inside
# a pytest run (the `_schema_templates` fixture); build_hall used elsewhere migrates as before.
# tests/integration/test_migrations.py keeps running the migrations themselves on empty databases.


PG_FINGERPRINT = [
    # everything a test could change in a database besides its rows and sequences
    "SELECT nspname, nspacl::text FROM pg_namespace ORDER BY 1",
    """SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions::text, c.relacl::text,
              a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              pg_get_expr(d.adbin, d.adrelid)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        ORDER BY 1, 2, 7""",
    """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
        ORDER BY 1, 2""",
    """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
                                     'pg_toast'::regnamespace)
        ORDER BY 1""",
    """SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal
        ORDER BY 1, 2""",
    """SELECT pronamespace::regnamespace::text, proname, md5(prosrc) FROM pg_proc
        WHERE pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
        ORDER BY 1, 2, 3""",
    """SELECT typnamespace::regnamespace::text, typname, typtype FROM pg_type
        WHERE typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
                                   'pg_toast'::regnamespace)
        ORDER BY 1, 2""",
    """SELECT setrole, setconfig::text FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY 1""",
    "SELECT extname, extversion FROM pg_extension ORDER BY 1",
    "SELECT count(*) FROM pg_largeobject_metadata",
]


def _pg_fingerprint(conn: Any) -> list[Any]:
    return [conn.execute(q).fetchall() for q in PG_FINGERPRINT]


class SchemaTemplates:
    """The run's migrated template databases, made on first use, and PostgreSQL copies to reuse.

    A PostgreSQL hall database is not dropped after its test (a DROP DATABASE waits for a
    checkpoint: seconds on a busy machine) but put back to exactly the template's state and handed
    to the next hall test: only if nobody is still connected to it, no prepared transaction is
    left, and its schema, settings, functions and types are the template's are its rows deleted and
    the template's rows and sequence positions restored (from a pg_dump of the template). Anything
    else, or any error, and the copy is dropped instead.
    """

    def __init__(self, workdir: Path) -> None:

        self.workdir = workdir
        self.lock = threading.Lock()
        self.sqlite_file: Path | None = None
        self.pg_name: str | None = None
        self.pg_admin: str | None = None
        self.pg_fingerprint: list[Any] = []
        self.pg_data_sql = ""
        self.pg_tables: list[str] = []
        self.pg_free: list[str] = []
        self.pg_used: set[str] = set()

    def sqlite(self) -> Path:
        """A SQLite file at the newest revision, self-contained (no write-ahead log beside it)."""
        import sqlite3

        from server.storage.db import Database
        from server.storage.migrate import upgrade

        with self.lock:
            if self.sqlite_file is None:
                path = self.workdir / "template.db"
                db = Database(f"sqlite:///{path}")
                upgrade(db)
                db.dispose()
                conn = sqlite3.connect(path, isolation_level=None)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode=DELETE")
                conn.close()
                self.sqlite_file = path
            return self.sqlite_file

    def postgresql(self, admin_url: str) -> str:
        """The name of a PostgreSQL database at the newest revision, with nobody connected to it."""
        import psycopg

        from server.storage.db import Database
        from server.storage.migrate import upgrade

        with self.lock:
            if self.pg_name is None:
                url, _drop = make_pg_database(admin_url)
                db = Database(url)
                upgrade(db)
                db.dispose()
                with psycopg.connect(url, autocommit=True) as conn:
                    self.pg_fingerprint = _pg_fingerprint(conn)
                    self.pg_tables = [
                        f'"{schema}"."{table}"'
                        for schema, table in conn.execute(
                            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN"
                            " ('pg_catalog', 'information_schema') ORDER BY 1, 2"
                        ).fetchall()
                    ]
                dump = subprocess.run(
                    ["pg_dump", "--data-only", "--inserts", "--dbname", url],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                # psql's own commands (\restrict ...) are not SQL
                self.pg_data_sql = "\n".join(
                    line for line in dump.splitlines() if not line.startswith("\\")
                )
                self.pg_admin = admin_url
                self.pg_name = url.rsplit("/", 1)[1]
            return self.pg_name

    def take_pg(self, admin_url: str) -> str:
        """The URL of a database in the template's state, for one test."""
        template = self.postgresql(admin_url)
        with self.lock:
            name = self.pg_free.pop() if self.pg_free else None
        if name is None:
            url, _drop = make_pg_database(admin_url, template)
            name = url.rsplit("/", 1)[1]
        with self.lock:
            self.pg_used.add(name)
        return admin_url.rsplit("/", 1)[0] + "/" + name

    def give_back_pg(self, url: str) -> None:
        """Reset a database from take_pg for the next test, or drop it if it cannot be reset."""
        import psycopg

        name = url.rsplit("/", 1)[1]
        reusable = False
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SET lock_timeout = '2s'")
                others = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                prepared = conn.execute(
                    "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()"
                ).fetchone()
                if (
                    others == (0,)
                    and prepared == (0,)
                    and _pg_fingerprint(conn) == self.pg_fingerprint
                ):
                    with conn.transaction():
                        conn.execute("SET LOCAL session_replication_role = replica")  # no FK order
                        for table in self.pg_tables:
                            conn.execute(f"DELETE FROM {table}")
                        conn.execute(self.pg_data_sql)
                    reusable = True
        except psycopg.Error:
            reusable = False
        with self.lock:
            self.pg_used.discard(name)
            if reusable:
                self.pg_free.append(name)
                return
        self._drop_pg(name)

    def _drop_pg(self, name: str) -> None:
        import psycopg

        if self.pg_admin is None:
            return
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        import shutil

        for name in [*self.pg_free, *self.pg_used]:
            self._drop_pg(name)
        if self.pg_name is not None:
            self._drop_pg(self.pg_name)
        shutil.rmtree(self.workdir, ignore_errors=True)


_templates: SchemaTemplates | None = None


@pytest.fixture(scope="session", autouse=True)
def _schema_templates() -> Iterator[None]:
    """Lets halls start from migrated copies during this run (and cleans them up)."""
    import tempfile

    global _templates
    _templates = SchemaTemplates(Path(tempfile.mkdtemp(prefix="qh-templates-")))
    yield
    templates, _templates = _templates, None
    templates.close()


def _seed_schema(url: str) -> None:
    """Give a brand-new SQLite database the migrated schema by copying the run's template.

    (PostgreSQL hall databases come migrated from the `db_url` fixture; any other database is
    migrated by build_hall's `upgrade` as before.)"""
    if _templates is None or not url.startswith("sqlite:///"):
        return
    import shutil

    path = Path(url.split("///", 1)[1])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_templates.sqlite(), path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (for a `hall` test: already at the newest revision)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qh.db'}"
        return
    admin_url = request.getfixturevalue("pg_server")
    templates = _templates
    if "hall" in request.fixturenames and templates is not None:
        url = templates.take_pg(admin_url)  # at the newest revision, no rows but the template's
        yield url
        templates.give_back_pg(url)
        return
    url, drop = make_pg_database(admin_url)
    yield url
    drop()


# ---- apps -------------------------------------------------------------------------------------

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


@dataclass
class Hall:
    """An app on a fresh database with a small hall, its staff tokens and device tokens."""

    app: Any
    ctx: Any
    clock: Any
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def client(self, who: str | None = None) -> Any:
        c = self.app.test_client()
        if who:
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[who]}"
        return c


def build_hall(url: str, tmp_path: Path) -> Hall:
    """Create the schema and a small hall: 2 departments, 3 items, 4 windows, staff and devices."""
    from server.app import create_app
    from server.demo import ensure_site
    from server.engine.clock import FixedClock
    from server.services.access import auth
    from server.services.access.principal import Principal
    from server.services.catalog import catalog
    from server.storage.migrate import upgrade

    _seed_schema(url)
    clock = FixedClock(T0)
    app = create_app(
        {
            "DATABASE_URL": url,
            "CLOCK": clock,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-" + secrets.token_hex(8),
            "TESTING": True,
            "PRINTER_SPOOLER": False,
            "PASSWORD_HASH": "cheapest",
            # one queue.changed per change, sent before the answer: the tests of merging set theirs
            "QUEUE_CHANGED_EVERY_S": 0.0,
        }
    )
    ctx = app.extensions["queuehall"]
    upgrade(ctx.db)
    site_id = ensure_site(ctx.db, "测试中心")
    hall = Hall(app, ctx, clock)
    root = Principal("staff", 0, site_id, "admin", "setup")
    d1 = catalog.save(ctx, root, "department", {"name": "区市场监督管理局", "code": "scjg"})
    d2 = catalog.save(ctx, root, "department", {"name": "区人社局", "code": "rs"})
    a = catalog.save(
        ctx,
        root,
        "service",
        {"department_id": d1["id"], "name": "个体工商户设立登记", "prefix": "A"},
    )
    b = catalog.save(
        ctx, root, "service", {"department_id": d2["id"], "name": "社会保障卡补换", "prefix": "B"}
    )
    c = catalog.save(
        ctx,
        root,
        "service",
        {"department_id": d2["id"], "name": "失业登记", "prefix": "C", "daily_cap": 3},
    )
    hall.ids.update(dept1=d1["id"], dept2=d2["id"], A=a["id"], B=b["id"], C=c["id"])
    wins = [
        (1, "市场监管窗口", "normal", [(a["id"], 10)]),
        (2, "人社窗口", "normal", [(b["id"], 10), (c["id"], 5)]),
        (3, "综合代理窗口", "comprehensive", [(a["id"], 2), (b["id"], 8), (c["id"], 8)]),
        (4, "综合代理窗口二", "comprehensive", [(a["id"], 5), (b["id"], 5), (c["id"], 5)]),
    ]
    for num, name, kind, svcs in wins:
        w = catalog.save(
            ctx,
            root,
            "window",
            {
                "number": num,
                "name": name,
                "kind": kind,
                "services": [{"service_id": s, "weight": wt} for s, wt in svcs],
            },
        )
        hall.ids[f"w{num}"] = w["id"]
    people = [
        ("clerk1", "clerk", [1]),
        ("clerk2", "clerk", [2]),
        ("clerk3", "clerk", [3]),
        ("clerk4", "clerk", [4]),
        ("super", "supervisor", []),
        ("admin", "admin", []),
    ]
    for username, role, nums in people:
        st = catalog.save(
            ctx,
            root,
            "staff",
            {
                "username": username,
                "name": username,
                "role": role,
                "password": "pw-" + username + "-123456",
                "window_ids": [hall.ids[f"w{n}"] for n in nums],
            },
        )
        hall.ids[username] = st["id"]
        hall.tokens[username], _ = auth.login(ctx, username, "pw-" + username + "-123456")
    for name, kind, win in (
        ("kiosk", "kiosk", None),
        ("display", "display", None),
        ("eval1", "evaluator", 1),
        ("eval2", "evaluator", 2),
    ):
        dev = catalog.save(
            ctx,
            root,
            "device",
            {"name": name, "kind": kind, "window_id": hall.ids[f"w{win}"] if win else None},
        )
        hall.tokens[name] = dev["token"]
        hall.ids[name] = dev["id"]
    return hall


@pytest.fixture
def hall(db_url: str, tmp_path: Path) -> Iterator[Hall]:
    """A small hall on SQLite and on PostgreSQL (each test runs on both)."""
    h = build_hall(db_url, tmp_path)
    yield h
    h.ctx.db.dispose()


@pytest.fixture
def pg_hall(pg_server: str, tmp_path: Path) -> Iterator[Hall]:
    """A small hall on PostgreSQL only (for what only PostgreSQL does: plans, row locks)."""
    url, drop = make_pg_database(pg_server)
    h = build_hall(url, tmp_path)
    yield h
    h.ctx.db.dispose()
    drop()


@pytest.fixture
def sqlite_hall(tmp_path: Path) -> Iterator[Hall]:
    """A small hall on SQLite only (for tests about pages and wiring, not storage)."""
    h = build_hall(f"sqlite:///{tmp_path / 'qh.db'}", tmp_path)
    yield h
    h.ctx.db.dispose()


# ---- a real server process --------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    port: int
    instance: Path
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password
    devices: dict[str, str] = field(default_factory=dict)  # device name -> token
    device_kinds: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def token_of(self, kind: str, window: int | None = None) -> str:
        """The token of the first demo device of that kind (and window)."""
        for name, (k, w) in self.device_kinds.items():
            if k == kind and (window is None or w == window):
                return self.devices[name]
        raise KeyError((kind, window))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(
                    20
                )  # longer than gunicorn's 10 s graceful_timeout, or its worker is orphaned
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def restart(self) -> None:
        """Stop and start the same server on the same port and database."""
        self.stop()
        self.proc = _spawn(self.port, self.env)
        wait_http(self.url + "/api/v1/health")


CRED_STAFF = re.compile(r"^\s+(clerk|supervisor|admin)\s+(\S+)\s+(\S+)\s")
CRED_DEVICE = re.compile(
    r"^\s+(kiosk|display|announcer|evaluator|printer)\s+(.+?)(?: window (\d+))?: (qhd_\S+)$"
)


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Wait until the server answers at `url` (any HTTP answer: /api/v1/health says 401 without a token)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer at {url}")


def _spawn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(Path(env["QUEUEHALL_INSTANCE"]) / "server.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_live_server(
    tmp: Path, extra_env: dict[str, str] | None = None, init_args: tuple[str, ...] = ()
) -> LiveServer:
    """`queuehall init --demo` then `queuehall serve` in a subprocess, as a user would.

    With argon2's cheapest profile (QUEUEHALL_PASSWORD_HASH=cheapest, as the in-process halls use):
    the demo's thirty-odd staff passwords at the production cost took 7 s of CPU on every start.
    Stored hashes carry their parameters, so signing in works the same; tests/e2e/test_cli.py and
    test_wheel_install.py still set up at the production cost."""
    port = free_port()
    env = {
        **os.environ,
        "QUEUEHALL_INSTANCE": str(tmp),
        "QUEUEHALL_PASSWORD_HASH": "cheapest",
        **(extra_env or {}),
    }
    tmp.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "init", "--demo", *init_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    srv = LiveServer(f"http://127.0.0.1:{port}", port, tmp, _spawn(port, env), env)
    for line in out.splitlines():
        if m := CRED_STAFF.match(line):
            srv.passwords[m.group(2)] = m.group(3)
        elif m := CRED_DEVICE.match(line):
            srv.devices[m.group(2)] = m.group(4)
            srv.device_kinds[m.group(2)] = (m.group(1), int(m.group(3)) if m.group(3) else None)
    wait_http(srv.url + "/api/v1/health")
    return srv


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `queuehall serve` process with the demo hall on SQLite (one per test module)."""
    srv = start_live_server(tmp_path_factory.mktemp("live"))
    yield srv
    srv.stop()


# ---- headless Chromium ------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PlaywrightHelpersAllowed:
    """A Playwright browser (or browser type) whose pages let Playwright's own helpers run.

    `page.wait_for_function` polls by evaluating its expression as a string inside the page, which
    the app's Content-Security-Policy (no 'unsafe-eval') refuses; so pages opened through this
    wrapper bypass the policy unless a test says otherwise. That the pages themselves keep the
    policy is checked with it enforced, in tests/e2e/test_security_browser.py.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def new_page(self, **kw: Any) -> Any:
        kw.setdefault("bypass_csp", True)
        return self._inner.new_page(**kw)

    def new_context(self, **kw: Any) -> Any:
        kw.setdefault("bypass_csp", True)
        return self._inner.new_context(**kw)

    def launch(self, **kw: Any) -> Any:
        return PlaywrightHelpersAllowed(self._inner.launch(**kw))

    @property
    def browser_type(self) -> Any:
        return PlaywrightHelpersAllowed(self._inner.browser_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """The one Playwright driver of the run: its sync API allows only one at a time in a thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver: Any) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download)."""
    b = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
    )
    yield PlaywrightHelpersAllowed(b)
    b.close()


def screenshot(page: Any, name: str) -> Path:
    """Keep a screenshot as a test artifact (test-artifacts/NAME.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # the SQLite and PostgreSQL runs of a test may save the same name at once on two workers:
    # each writes its own file and renames it into place, so the artifact is always a whole image
    part = ARTIFACTS / f".{name}.{worker_id()}.png"
    part.write_bytes(page.screenshot(full_page=False))
    part.replace(path)
    return path


# ---- several processes, crashes and network faults ---------------------------------------------


def start_sibling(srv: LiveServer, extra_env: dict[str, str] | None = None) -> LiveServer:
    """A second `queuehall serve` on another port, sharing the first one's database and instance."""
    port = free_port()
    env = {**srv.env, **(extra_env or {})}
    sib = LiveServer(
        f"http://127.0.0.1:{port}",
        port,
        srv.instance,
        _spawn(port, env),
        env,
        dict(srv.passwords),
        dict(srv.devices),
        dict(srv.device_kinds),
    )
    wait_http(sib.url + "/api/v1/health")
    return sib


def kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a server and its gunicorn worker at once, as a power cut or OOM kill would."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == proc.pid:
            kids.append(int(stat.parent.name))
    for pid in [proc.pid, *kids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


class TcpProxy:
    """A TCP relay on a free port that a test can cut (closing every connection) and restore."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:

        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        """Accept connections again."""

        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(128)
        self._listener = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and reset every open one."""
        import struct

        ls, self._listener = self._listener, None
        if ls is not None:
            try:
                ls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            ls.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
                c.shutdown(socket.SHUT_RDWR)  # wakes the relay threads blocked in recv
                c.close()
            except OSError:
                pass

    def close(self) -> None:
        self.cut()

    def _accept(self, ls: socket.socket) -> None:

        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not ls:
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RedisProcess:
    """A private redis-server on a free port that a test may kill and start again."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.tmp / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
