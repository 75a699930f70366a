"""`queuehall announcer --wav-dir` against a real server: one audible WAV per call and recall, in order."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveServer
from tests.e2e.test_display_browser import Clerk, http

# scripts/setup.sh --tests installs them; without them these tests fail, never skip
assert shutil.which("sox") and shutil.which("espeak-ng"), (
    "espeak-ng and sox are needed: bash scripts/setup.sh --tests"
)
MIN_RMS = 0.01


def sox_stat(path: Path) -> dict[str, float]:
    """Length (s) and RMS amplitude of a WAV as `sox FILE -n stat` reports them."""
    err = subprocess.run(
        ["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True
    ).stderr
    out = {}
    for key, name in (("Length (seconds)", "length"), ("RMS     amplitude", "rms")):
        m = re.search(re.escape(key) + r":\s+([0-9.]+)", err)
        assert m, err
        out[name] = float(m.group(1))
    return out


def wavs(folder: Path) -> list[Path]:
    """Finished announcement files, in seq order (names start with the seq)."""
    return sorted(folder.glob("*.wav"), key=lambda p: int(p.name.split("-", 1)[0]))


def wait_for_wavs(folder: Path, n: int, timeout_s: float = 60.0) -> list[Path]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = wavs(folder)
        if len(found) >= n:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {n} WAV files, got {[p.name for p in wavs(folder)]}")


def wait_until_connected(srv: LiveServer, since: datetime, timeout_s: float = 30.0) -> None:
    """The server stamps a device's last_seen when it connects."""
    status, body = http(
        srv,
        "POST",
        "/api/v1/auth/login",
        body={"username": "admin", "password": srv.passwords["admin"]},
    )
    assert status == 200, body
    admin = body["access_token"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        devices = http(srv, "GET", "/api/v1/devices", admin)[1]["items"]
        seen = [d["last_seen"] for d in devices if d["kind"] == "announcer" and d["last_seen"]]
        if any(datetime.fromisoformat(s) >= since for s in seen):
            return
        time.sleep(0.2)
    raise AssertionError("the announcer never connected")


@pytest.fixture
def announcer(live_server: LiveServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "wav"
    log = open(tmp_path / "announcer.log", "wb")  # noqa: SIM115
    since = datetime.now(UTC).replace(microsecond=0)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "announcer",
            "--server",
            live_server.url,
            "--token",
            live_server.token_of("announcer"),
            "--wav-dir",
            str(out),
        ],
        cwd=ROOT,
        env=live_server.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_connected(live_server, since)
        yield out
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_the_announcer_writes_one_audible_wav_per_call_and_recall_in_order(
    live_server: LiveServer, announcer: Path
) -> None:
    clerk = Clerk(live_server)
    clerk.open()
    first, _ = clerk.call()
    status, body = http(
        live_server, "POST", f"/api/v1/tickets/{first['id']}/recall", clerk.token, {}
    )
    assert status == 200, body
    burst = [clerk.call()[0]["number"] for _ in range(3)]  # three calls back to back
    expected = [first["number"], first["number"], *burst]

    files = wait_for_wavs(announcer, len(expected))
    time.sleep(1.0)  # nothing more may arrive: one file per call or recall
    files = wavs(announcer)
    assert [f.name.split("-")[1] for f in files] == expected, [f.name for f in files]
    assert all(f.name.endswith("-w1.wav") for f in files)
    # written one after another in call order: the speaker queue never reorders or overlaps
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert mtimes == sorted(mtimes)
    for f in files:
        stats = sox_stat(f)
        assert stats["length"] >= 1.5, (f.name, stats)
        assert stats["rms"] > MIN_RMS, (f.name, stats)
    assert not list(announcer.glob("*.part"))


class Recording:
    """The real pyttsx3/espeak-ng voice, noting each text it is asked to say."""

    def __init__(self) -> None:
        from hardware.speech import Pyttsx3Speech

        self.real = Pyttsx3Speech()
        self.texts: list[str] = []

    def speak(self, text: str) -> None:
        self.texts.append(text)
        self.real.speak(text)

    def save(self, text: str, path: str) -> None:
        self.texts.append(text)
        self.real.save(text, path)


def spelled(number: str) -> str:
    """A ticket number as a clerk reads it, digit by digit (A012 -> A零一二)."""
    return "".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)


def test_the_announcer_says_the_sentence_the_admin_set_for_the_hall(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from display.announcer import Announcer

    status, body = http(
        live_server,
        "POST",
        "/api/v1/auth/login",
        body={"username": "admin", "password": live_server.passwords["admin"]},
    )
    admin = body["access_token"]
    speech = Recording()
    out = tmp_path / "wav"
    a = Announcer(live_server.url, live_server.token_of("announcer"), speech, wav_dir=str(out))
    a.start()
    clerk = Clerk(live_server)
    clerk.open()
    current = next(
        w
        for w in http(live_server, "GET", "/api/v1/windows", clerk.token)[1]["items"]
        if w["number"] == 1
    )["current"]
    clerk.held = current["id"] if current else None  # an earlier test's call is still at the window
    try:
        assert a.connected.wait(15)
        before, _ = clerk.call()
        plain = wait_for_wavs(out, 1)[-1]
        template = "{number}号请到{window}号窗口，请带好您的身份证和材料"
        status, body = http(
            live_server, "PATCH", "/api/v1/settings", admin, {"announce_template": template}
        )
        assert status == 200, body
        after, _ = clerk.call()
        custom = wait_for_wavs(out, 2)[-1]
    finally:
        a.stop()
        http(
            live_server,
            "PATCH",
            "/api/v1/settings",
            admin,
            {"announce_template": "请{number}号到{window}号窗口办理"},
        )
    assert speech.texts == [
        f"请{spelled(before['number'])}号到一号窗口办理",
        f"{spelled(after['number'])}号请到一号窗口，请带好您的身份证和材料",
    ]
    short, long = sox_stat(plain), sox_stat(custom)
    assert short["length"] >= 1.5 and short["rms"] > MIN_RMS, short
    assert long["rms"] > MIN_RMS and long["length"] > short["length"] + 1.0, (short, long)
