"""A wheel of the package, installed away from the checkout, serves working pages: the browser
assets travel inside it, and a server missing them refuses to start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_http


def test_a_wheel_installed_away_from_the_checkout_serves_the_vendored_browser_files(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("queuehall-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "server/vendor/socket.io.min.js" in names and "server/vendor/chart.umd.js" in names
    assert "server/vendor_files.json" in names

    site = tmp_path / "site"  # the wheel alone, on a path of its own; dependencies from this venv
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    run_dir, instance = tmp_path / "elsewhere", tmp_path / "instance"
    run_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "QUEUEHALL_INSTANCE": str(instance)}
    env.pop("QUEUEHALL_VENDOR_DIR", None)
    where = subprocess.run(
        [sys.executable, "-c", "import server; print(server.__file__)"],
        cwd=run_dir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(site)), where  # the installed wheel, not the checkout
    subprocess.run(
        [sys.executable, "-m", "server.cli", "init"],
        cwd=run_dir,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        cwd=run_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/health")
        for name, rel in (
            ("socket.io.min.js", "socket.io-client/dist/socket.io.min.js"),
            ("chart.umd.js", "chart.js/dist/chart.umd.js"),
        ):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/vendor/{name}", timeout=10) as r:
                assert r.status == 200 and r.read() == (ROOT / "node_modules" / rel).read_bytes()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/qh/client.js", timeout=10
        ) as r:
            assert b"QH.realtime" in r.read()
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_a_server_without_its_browser_assets_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "node_modules"
    empty.mkdir()
    env = {
        **os.environ,
        "QUEUEHALL_INSTANCE": str(tmp_path / "instance"),
        "QUEUEHALL_VENDOR_DIR": str(empty),
    }
    subprocess.run(
        [sys.executable, "-m", "server.cli", "init"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "socket.io.min.js" in out.stderr and "npm ci" in out.stderr
