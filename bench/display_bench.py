"""Benchmark: call -> hall screen (Chromium) and call -> audio ready (announcer WAV, server audio).

Starts `queuehall init --demo` + `queuehall serve` and `queuehall announcer --wav-dir` as subprocesses,
opens the hall screen in headless Chromium, makes N calls from window 1 and prints a table.

    .venv/bin/python bench/display_bench.py [--calls 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM_ARGS, start_live_server  # noqa: E402
from tests.e2e.test_announcer_live import wait_until_connected  # noqa: E402
from tests.e2e.test_display_browser import Clerk, http  # noqa: E402


def summary(name: str, values: list[float]) -> str:
    """One table row: n, min, median, p90, max in milliseconds."""
    v = sorted(values)
    p90 = v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]
    return f"{name:<44}{len(v):>4}{v[0]:>9.1f}{statistics.median(v):>9.1f}{p90:>9.1f}{v[-1]:>9.1f}"


def wait_file(folder: Path, seq: int, timeout_s: float = 60.0) -> float:
    """Epoch ms when the announcer's WAV for this seq appeared (polled every 5 ms)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if list(folder.glob(f"{seq}-*.wav")):
            return time.time() * 1000
        time.sleep(0.005)
    raise TimeoutError(f"no WAV for seq {seq}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=10)
    args = ap.parse_args()
    from datetime import UTC, datetime

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="qh-bench-") as tmp:
        srv = start_live_server(Path(tmp) / "instance")
        wav_dir = Path(tmp) / "wav"
        since = datetime.now(UTC).replace(microsecond=0)
        announcer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "announcer",
                "--server",
                srv.url,
                "--token",
                srv.token_of("announcer"),
                "--wav-dir",
                str(wav_dir),
            ],
            cwd=ROOT,
            env=srv.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rows: dict[str, list[float]] = {
            "call -> hall screen drawn": [],
            "call -> window screen drawn": [],
            "call -> announcer WAV written": [],
            "server audio, first request (render)": [],
            "server audio, repeat request (cache)": [],
        }
        try:
            wait_until_connected(srv, since)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
                )
                hall = browser.new_page(viewport={"width": 1920, "height": 1080})
                hall.goto(f"{srv.url}/display/hall?token={srv.token_of('display')}")
                win = browser.new_page(viewport={"width": 1920, "height": 1080})
                win.goto(f"{srv.url}/display/window/1?token={srv.token_of('display', window=1)}")
                for page in (hall, win):
                    page.wait_for_function("window.QD_snapshots > 0")
                clerk = Clerk(srv)
                clerk.open()
                for _ in range(args.calls):
                    ticket, answered = clerk.call()
                    hall.wait_for_function(
                        "n => window.QD_log.some(c => c.number === n)", arg=ticket["number"]
                    )
                    seq, at = hall.evaluate(
                        "n => { const c = window.QD_log.find(c => c.number === n); "
                        "return [c.seq, c.at]; }",
                        ticket["number"],
                    )
                    rows["call -> hall screen drawn"].append(at - answered)
                    win.wait_for_function("s => window.QD_log.some(c => c.seq === s)", arg=seq)
                    rows["call -> window screen drawn"].append(
                        win.evaluate("s => window.QD_log.find(c => c.seq === s).at", seq) - answered
                    )
                    rows["call -> announcer WAV written"].append(wait_file(wav_dir, seq) - answered)
                    text = urllib.parse.quote(f"请{ticket['number']}号到1号窗口办理")
                    for key in (
                        "server audio, first request (render)",
                        "server audio, repeat request (cache)",
                    ):
                        t0 = time.perf_counter()
                        status, _ = http(
                            srv,
                            "GET",
                            f"/api/v1/announcements/audio?text={text}",
                            srv.token_of("display"),
                        )
                        assert status == 200
                        rows[key].append((time.perf_counter() - t0) * 1000)
                browser.close()
        finally:
            announcer.terminate()
            announcer.wait(10)
            srv.stop()
    print(
        f"\n{'measure (ms; from the HTTP answer to call-next)':<44}{'n':>4}{'min':>9}{'median':>9}{'p90':>9}"
        f"{'max':>9}"
    )
    for name, values in rows.items():
        print(summary(name, values))


if __name__ == "__main__":
    main()
