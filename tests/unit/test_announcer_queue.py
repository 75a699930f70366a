"""The announcer speaks every call once, in order, and recovers recent calls after a reconnect."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import wave
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from display.announcer import Announcer
from hardware.speech import FakeSpeech

NOW = datetime(2024, 5, 6, 9, 30, 0, tzinfo=UTC)


def called(
    seq: int, number: str = "A001", window: int = 3, recall: bool = False, age_s: float = 0
) -> dict[str, Any]:
    """A ticket.called body (also a snapshot item) as the server sends it."""
    return {
        "seq": seq,
        "ticket": {"id": seq * 10, "number": number, "service_id": 1},
        "window": {"id": window, "number": window, "name": f"{window}号窗口"},
        "recall": recall,
        "text": f"请{number}号到{window}号窗口办理",
        "at": (NOW - timedelta(seconds=age_s)).isoformat().replace("+00:00", "Z"),
    }


def snapshot(seq: int, *calls: dict[str, Any]) -> dict[str, Any]:
    """A snapshot body; calls come newest first like the server's."""
    ordered = sorted(calls, key=lambda c: c["seq"], reverse=True)
    return {"seq": seq, "calls": ordered, "windows": [], "waiting": {}}


@pytest.fixture
def speech() -> FakeSpeech:
    return FakeSpeech()


@pytest.fixture
def announcer(speech: FakeSpeech) -> Announcer:
    a = Announcer("http://hall.invalid", "secret-token", speech, clock=lambda: NOW, pause_s=0)
    a.on_snapshot(snapshot(0))
    return a


def test_a_call_is_spoken_in_normalised_mandarin_not_the_raw_text(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    announcer.on_ticket_called(called(1, "B012", 12))
    announcer.announce_pending()
    assert speech.spoken == ["请B零一二号到十二号窗口办理"]


def test_a_recall_is_spoken_again(announcer: Announcer, speech: FakeSpeech) -> None:
    announcer.on_ticket_called(called(1))
    announcer.on_ticket_called(called(2, recall=True))
    announcer.announce_pending()
    assert speech.spoken == ["请A零零一号到三号窗口办理"] * 2


def test_a_duplicate_seq_is_not_spoken_twice(announcer: Announcer, speech: FakeSpeech) -> None:
    announcer.on_ticket_called(called(1))
    announcer.on_ticket_called(called(1))
    assert announcer.announce_pending() == 1


def test_a_seq_gap_still_speaks_the_call_and_a_late_snapshot_does_not_repeat_it(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    announcer.on_ticket_called(called(1, "A001"))
    announcer.on_ticket_called(called(4, "A003", window=5))  # 2 and 3 were lost
    announcer.on_snapshot(snapshot(4, called(4, "A003", 5), called(3, "A002", 7), called(1)))
    announcer.announce_pending()
    assert speech.spoken == [
        "请A零零一号到三号窗口办理",
        "请A零零三号到五号窗口办理",
        "请A零零二号到七号窗口办理",
    ]


def test_a_gap_waits_for_the_late_event_before_it_asks_for_a_snapshot(
    speech: FakeSpeech, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = Announcer("http://hall.invalid", "t", speech, clock=lambda: NOW, pause_s=0, gap_wait_s=60)
    a.on_snapshot(snapshot(0))
    waits: list[tuple[float, Any, tuple[Any, ...]]] = []
    monkeypatch.setattr(a, "_later", lambda delay, fn, *args: waits.append((delay, fn, args)))
    asked: list[int] = []
    monkeypatch.setattr(a, "_ask_snapshot", lambda: asked.append(1))
    a.on_ticket_called(called(1, "A001"))
    a.on_ticket_called(called(3, "A003"))  # 2 is late: another process's, through Redis
    a.on_queue_changed({"seq": 4, "waiting": {"1": 0}})
    assert asked == [] and [w[0] for w in waits] == [60]  # not at once: it waits
    a.on_ticket_called(called(2, "A002"))  # the late one comes
    for _delay, fn, args in waits:
        fn(*args)  # the wait is over
    assert asked == []  # nothing was missing any more: no snapshot
    a.on_ticket_called(called(6, "A006"))  # 5 is lost for good
    waits[-1][1](*waits[-1][2])
    assert asked == [1]
    a.announce_pending()
    assert [t[1:5] for t in speech.spoken] == ["A零零一", "A零零三", "A零零二", "A零零六"]


def test_a_burst_of_calls_is_spoken_in_the_order_received(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    for seq in range(1, 21):
        announcer.on_ticket_called(called(seq, f"A{seq:03d}", window=seq))
    announcer.announce_pending()
    assert [t.split("号")[0] for t in speech.spoken] == [
        "请A" + "".join("零一二三四五六七八九"[int(d)] for d in f"{s:03d}") for s in range(1, 21)
    ]


def test_the_first_snapshot_announces_nothing_from_history(speech: FakeSpeech) -> None:
    a = Announcer("http://hall.invalid", "t", speech, clock=lambda: NOW)
    a.on_snapshot(snapshot(3, called(3, age_s=1), called(2, age_s=2)))
    assert a.announce_pending() == 0


def test_a_call_in_the_first_snapshot_is_still_spoken_when_its_live_event_follows(
    speech: FakeSpeech,
) -> None:
    # The server stamped the announcer connected, a clerk called and recalled at once, and the first
    # snapshot was read after both: the recall's own event reached the announcer after the snapshot.
    a = Announcer("http://hall.invalid", "t", speech, clock=lambda: NOW, pause_s=0)
    a.on_ticket_called(called(3, "A001"))
    a.on_snapshot(
        snapshot(5, called(5, "A001", recall=True), called(3, "A001"), called(1, "Z009", age_s=5))
    )
    a.on_ticket_called(called(5, "A001", recall=True))
    a.announce_pending()
    assert speech.spoken == ["请A零零一号到三号窗口办理"] * 2
    a.on_snapshot(
        snapshot(5, called(5, "A001", recall=True), called(3, "A001"), called(1, "Z009", age_s=5))
    )
    assert a.announce_pending() == 0  # a later snapshot neither repeats them nor speaks the history


def test_after_a_reconnect_only_recent_unannounced_calls_are_spoken_oldest_first(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    announcer.on_ticket_called(called(1, "A001", age_s=50))
    announcer.announce_pending()
    speech.spoken.clear()
    # While we were away: seq 2 is too old, 3 and 4 are recent; 1 was already spoken.
    announcer.on_snapshot(
        snapshot(
            5,
            called(1, "A001", age_s=50),
            called(2, "A002", age_s=45),
            called(3, "A003", 4, age_s=20),
            called(4, "A004", 6, recall=True, age_s=5),
        )
    )
    announcer.announce_pending()
    assert speech.spoken == ["请A零零三号到四号窗口办理", "请A零零四号到六号窗口办理"]


def test_a_second_reconnect_does_not_repeat_recovered_calls(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    snap = snapshot(2, called(2, "A002", age_s=3), called(1, "A001", age_s=4))
    announcer.on_snapshot(snap)
    announcer.on_snapshot(snap)
    announcer.on_ticket_called(called(2, "A002"))
    assert announcer.announce_pending() == 2


def test_a_server_restart_that_resets_seq_does_not_silence_new_calls(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    for seq in (1, 2, 3):
        announcer.on_ticket_called(called(seq))
    announcer.announce_pending()
    announcer.on_disconnect("transport close")
    announcer.on_snapshot(snapshot(0))  # the server came back with a fresh sequence
    announcer.on_ticket_called(called(1, "B001"))
    announcer.announce_pending()
    assert speech.spoken[-1] == "请B零零一号到三号窗口办理"


def test_a_resync_answer_with_a_lower_seq_on_the_same_link_does_not_forget_what_was_said(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    # Seq 3 arrived live while the snapshot answering a gap was being read at seq 2:
    # that is not a fresh database, and nothing may be said twice.
    announcer.on_ticket_called(called(1, age_s=3))
    announcer.on_ticket_called(called(3, "A003", age_s=1))
    announcer.on_snapshot(snapshot(2, called(2, "A002", age_s=2), called(1, age_s=3)))
    announcer.on_ticket_called(called(3, "A003"))
    announcer.announce_pending()
    assert [t[1:5] for t in speech.spoken] == ["A零零一", "A零零三", "A零零二"]


def test_repeat_and_chime(speech: FakeSpeech) -> None:
    played: list[str] = []
    a = Announcer(
        "http://x.invalid", "t", speech, repeat=2, chime=True, player=played.append, pause_s=0
    )
    a.on_ticket_called(called(1))
    a.announce_pending()
    a.stop()
    assert len(played) == 1 and speech.spoken == ["请A零零一号到三号窗口办理"] * 2


def test_a_failing_speaker_does_not_block_the_next_call(speech: FakeSpeech) -> None:
    class Flaky(FakeSpeech):
        def speak(self, text: str) -> None:
            if not self.spoken:
                self.spoken.append("")
                raise OSError("device busy")
            super().speak(text)

    flaky = Flaky()
    a = Announcer("http://x.invalid", "t", flaky, pause_s=0)
    a.on_ticket_called(called(1))
    a.on_ticket_called(called(2, "A002"))
    a.announce_pending()
    assert flaky.spoken[-1] == "请A零零二号到三号窗口办理"


def test_with_a_wav_dir_each_call_becomes_one_file_holding_the_repeats(
    tmp_path: Any, speech: FakeSpeech
) -> None:
    a = Announcer(
        "http://x.invalid", "t", speech, wav_dir=str(tmp_path), repeat=3, chime=True, pause_s=0.5
    )
    a.on_ticket_called(called(7, "A001", 3))
    a.on_ticket_called(called(8, "A001", 3, recall=True))
    a.announce_pending()
    assert sorted(os.listdir(tmp_path)) == ["7-A001-w3.wav", "8-A001-w3.wav"]
    assert speech.spoken == [] and len(speech.saved) == 2
    with wave.open(str(tmp_path / "7-A001-w3.wav")) as w:
        seconds = w.getnframes() / w.getframerate()
    # chime (~1.15 s) + 0.2 s + 3 x 0.1 s fake speech + 2 x 0.5 s pauses
    assert seconds == pytest.approx(2.65, abs=0.05)


def test_events_of_other_kinds_only_move_the_seq(announcer: Announcer, speech: FakeSpeech) -> None:
    announcer.on_queue_changed({"seq": 1, "waiting": {"1": 3}})
    announcer.on_other_event("window.changed", {"seq": 2})
    announcer.on_ticket_called(called(3))
    assert announcer.announce_pending() == 1


def test_a_malformed_event_is_ignored(announcer: Announcer) -> None:
    announcer.on_ticket_called({"seq": 1, "ticket": None})
    assert announcer.announce_pending() == 0


def test_the_announcer_says_the_halls_own_sentence_in_mandarin(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    body = called(1, "A001", 12)
    body["text"] = (
        "请A001号到12号窗口办理业务，谢谢"  # the admin's template, as the screens show it
    )
    announcer.on_ticket_called(body)
    announcer.announce_pending()
    assert speech.spoken == ["请A零零一号到十二号窗口办理业务，谢谢"]


def test_a_call_without_a_sentence_is_said_with_the_default_one(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    body = called(1, "C007", 10)
    del body["text"]
    announcer.on_ticket_called(body)
    announcer.announce_pending()
    assert speech.spoken == ["请C零零七号到十号窗口办理"]


class RecordingLink:
    """Stands in for the python-socketio client: records what the announcer emits."""

    connected = True

    def __init__(self) -> None:
        self.emitted: list[str] = []

    def emit(self, event: str, data: Any = None) -> None:
        self.emitted.append(event)


def test_each_seq_gap_asks_for_a_snapshot_on_the_open_link_and_both_gaps_are_filled(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    link = RecordingLink()
    announcer._sio = link  # type: ignore[assignment]
    announcer._gap_wait_s = 0  # ask at once: the wait for a late event is tested on its own
    announcer.on_ticket_called(called(1, "A001"))
    announcer.on_ticket_called(called(3, "A003"))  # 2 lost
    assert link.emitted == ["snapshot"]
    announcer.on_snapshot(snapshot(3, called(3, "A003"), called(2, "A002", 5, age_s=1), called(1)))
    announcer.on_ticket_called(called(6, "A006"))  # 4 and 5 lost, a second later: asked again
    assert link.emitted == ["snapshot", "snapshot"]
    announcer.on_snapshot(
        snapshot(
            6,
            called(6, "A006"),
            called(5, "A005", age_s=1),
            called(4, "A004", age_s=1),
            called(3, "A003"),
        )
    )
    announcer.announce_pending()
    assert [t[1:5] for t in speech.spoken] == [
        "A零零一",
        "A零零三",
        "A零零二",
        "A零零六",
        "A零零四",
        "A零零五",
    ]
    assert link.emitted == ["snapshot", "snapshot"]


def test_an_answer_that_misses_the_newest_gap_is_followed_by_another_request(
    announcer: Announcer, speech: FakeSpeech
) -> None:
    link = RecordingLink()
    announcer._sio = link  # type: ignore[assignment]
    announcer._gap_wait_s = 0  # ask at once: the wait for a late event is tested on its own
    announcer.on_ticket_called(called(1))
    announcer.on_ticket_called(called(3, "A003"))  # gap: request 1
    announcer.on_ticket_called(called(5, "A005"))  # gap while request 1 is on its way: none sent
    assert link.emitted == ["snapshot"]
    announcer.on_snapshot(
        snapshot(3, called(3, "A003"), called(2, "A002", age_s=1))
    )  # covers 2, not 4
    assert link.emitted == ["snapshot", "snapshot"]
    announcer.on_snapshot(snapshot(5, called(5, "A005"), called(4, "A004", age_s=1)))
    announcer.announce_pending()
    assert [t[1:5] for t in speech.spoken] == [
        "A零零一",
        "A零零三",
        "A零零五",
        "A零零二",
        "A零零四",
    ]
    assert link.emitted == ["snapshot", "snapshot"]


@pytest.mark.parametrize(
    ("missed_s", "spoken"), [(10.0, ["A零零三"]), (30.0, ["A零零二", "A零零三"])]
)
def test_missed_seconds_sets_how_old_a_missed_call_may_be(
    speech: FakeSpeech, missed_s: float, spoken: list[str]
) -> None:
    a = Announcer(
        "http://hall.invalid", "t", speech, missed_window_s=missed_s, clock=lambda: NOW, pause_s=0
    )
    a.on_snapshot(snapshot(1, called(1)))
    a.on_disconnect("ping timeout")
    a.on_snapshot(snapshot(3, called(3, "A003", age_s=5), called(2, "A002", age_s=20), called(1)))
    a.announce_pending()
    assert [t[1:5] for t in speech.spoken] == spoken


@pytest.mark.parametrize(
    ("pc_clock_off_s", "server_age_s", "said"),
    [(3600, 5, True), (-3600, 5, True), (0, 3600, False)],
)
def test_missed_calls_are_aged_by_the_servers_clock_not_this_pcs(
    speech: FakeSpeech, pc_clock_off_s: float, server_age_s: float, said: bool
) -> None:
    pc_now = NOW + timedelta(seconds=pc_clock_off_s)
    a = Announcer("http://hall.invalid", "t", speech, clock=lambda: pc_now, pause_s=0)
    a.on_snapshot(snapshot(0))
    a.on_disconnect("transport close")
    snap = snapshot(1, called(1, "A001", age_s=server_age_s))
    snap["server_time"] = NOW.isoformat()
    a.on_snapshot(snap)
    assert a.announce_pending() == (1 if said else 0)


def test_the_halls_voice_settings_apply_unless_the_command_line_overrides_them(
    speech: FakeSpeech,
) -> None:
    played: list[str] = []
    hall = Announcer("http://x.invalid", "t", speech, player=played.append, pause_s=0)
    snap = snapshot(0)
    snap["voice"] = {"repeat": 2, "chime": True}
    hall.on_snapshot(snap)
    hall.on_ticket_called(called(1))
    hall.announce_pending()
    assert len(played) == 1 and len(speech.spoken) == 2

    own = FakeSpeech()
    local = Announcer(
        "http://x.invalid", "t", own, repeat=1, chime=False, player=played.append, pause_s=0
    )
    local.on_snapshot(snap)
    local.on_ticket_called(called(1))
    local.announce_pending()
    assert len(played) == 1 and len(own.spoken) == 1
    hall.stop()


def test_the_command_keeps_the_contract_and_takes_missed_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    import display.announcer
    from server.cli import main

    runs: list[tuple[Any, ...]] = []
    monkeypatch.setattr(display.announcer, "main_run", lambda *args, **kw: runs.append((args, kw)))
    runner = CliRunner()
    ok = runner.invoke(
        main, ["announcer", "--server", "http://h:8000", "--token", "tok", "--wav-dir", "/tmp/w"]
    )
    assert ok.exit_code == 0, ok.output
    assert runs[-1] == (
        ("http://h:8000", "tok", "/tmp/w"),
        {"repeat": None, "chime": None, "missed_seconds": 30.0},
    )
    ok = runner.invoke(
        main,
        [
            "announcer",
            "--server",
            "http://h",
            "--token",
            "t",
            "--missed-seconds",
            "90",
            "--repeat",
            "2",
            "--no-chime",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert runs[-1][1] == {"repeat": 2, "chime": False, "missed_seconds": 90.0}
    bad = runner.invoke(
        main, ["announcer", "--server", "http://h", "--token", "t", "--missed-seconds", "-1"]
    )
    assert bad.exit_code == 2 and "missed-seconds" in bad.output


# -- one test over a real socket: a tiny in-test python-socketio server on localhost --


class TinyServer:
    """A python-socketio server that sends a snapshot on connect, like the real one."""

    def __init__(self, token: str) -> None:
        import socketio

        self.token = token
        self.calls: list[dict[str, Any]] = []
        self.seq = 0
        self.sids: list[str] = []
        self.sio = socketio.Server(async_mode="threading")
        self.sio.on("connect", self._on_connect)
        self.sio.on("snapshot", self._on_snapshot_request)
        self.connects = 0
        self.snapshot_requests = 0
        self.app = socketio.WSGIApp(self.sio)
        self.port = free_port()
        self.http: Any = None

    def _on_connect(self, sid: str, environ: Any, auth: Any) -> bool:
        if not isinstance(auth, dict) or auth.get("token") != self.token:
            return False
        self.sids.append(sid)
        self.connects += 1
        self._send_snapshot(sid)
        return True

    def _on_snapshot_request(self, sid: str, *_args: Any) -> None:
        self.snapshot_requests += 1
        self._send_snapshot(sid)

    def _send_snapshot(self, sid: str) -> None:
        calls = sorted(self.calls, key=lambda c: c["seq"], reverse=True)
        self.sio.emit(
            "snapshot",
            {
                "seq": self.seq,
                "calls": calls,
                "windows": [],
                "waiting": {},
                "server_time": datetime.now(UTC).isoformat(),
            },
            to=sid,
        )

    def start(self) -> None:
        from werkzeug.serving import make_server

        self.http = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def record_call(self, number: str, emit: bool = True) -> None:
        self.seq += 1
        body = called(self.seq, number)
        body["at"] = datetime.now(UTC).isoformat()
        self.calls.append(body)
        if emit:
            self.sio.emit("ticket.called", body)

    def kick_everyone(self) -> None:
        for sid in list(self.sids):
            self.sio.disconnect(sid)
        self.sids.clear()

    def close(self) -> None:
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_announcer_retries_a_dead_server_and_recovers_the_call_missed_while_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = TinyServer("device-token")
    server.record_call("A001", emit=False)  # history before the announcer starts
    speech = FakeSpeech()
    a = Announcer(
        f"http://127.0.0.1:{server.port}",
        "device-token",
        speech,
        pause_s=0,
        max_backoff_s=1,
    )
    a.start()  # the server is not answering yet: the first connection fails
    try:
        time.sleep(1.5)
        server.start()
        wait_until(a.connected.is_set)
        server.record_call("A002")
        wait_until(lambda: len(speech.spoken) == 1)
        server.kick_everyone()
        wait_until(lambda: not a.connected.is_set())
        server.record_call("A003", emit=False)  # called while the announcer was away
        wait_until(lambda: len(speech.spoken) == 2)
        time.sleep(0.5)  # nothing else may follow
        assert speech.spoken == ["请A零零二号到三号窗口办理", "请A零零三号到三号窗口办理"]
        assert "device-token" not in caplog.text
    finally:
        a.stop()
        server.close()


def test_a_call_lost_on_the_open_link_is_fetched_with_a_snapshot_without_reconnecting() -> None:
    server = TinyServer("device-token")
    server.start()
    speech = FakeSpeech()
    a = Announcer(f"http://127.0.0.1:{server.port}", "device-token", speech, pause_s=0)
    a.start()
    try:
        wait_until(a.connected.is_set)
        server.record_call("A001")
        server.record_call("A002", emit=False)  # lost on the way
        server.record_call("A003")
        wait_until(lambda: len(speech.spoken) == 3)
        server.record_call("A004", emit=False)  # a second gap at once: filled too
        server.record_call("A005")
        wait_until(lambda: len(speech.spoken) == 5)
        time.sleep(0.5)
        assert [t[1:5] for t in speech.spoken] == [
            "A零零一",
            "A零零三",
            "A零零二",
            "A零零五",
            "A零零四",
        ]
        assert server.connects == 1 and server.snapshot_requests == 2
    finally:
        a.stop()
        server.close()
