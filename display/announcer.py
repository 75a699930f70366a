"""The voice announcer: a Socket.IO client that speaks every call and recall, in order.

It says the hall's own sentence (the ``text`` of ``ticket.called``, from the
announcement template the admin set), normalised for Mandarin by the same
`hardware.mandarin.speech_text` the server uses for the screens' audio.

Calls go through one queue and one speaker thread, so announcements never cut
each other off. The announcer remembers the seq of every call it has handled:
a reconnect (a new ``snapshot``) never repeats one, but calls missed while
disconnected are announced if they are younger than ``missed_window_s`` by the
server's clock (the snapshot's ``server_time``), whatever this PC's clock says.
A gap in ``seq`` waits briefly for the missing event (another process's, through Redis, may come
late), then asks the server for a ``snapshot`` on the open connection.

With ``wav_dir`` each call or recall becomes one WAV file,
``<seq>-<number>-w<window>.wav``, holding the chime (if enabled) and all the
repeats with short pauses between them, instead of being played.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import socketio

from hardware.chime import PAUSE_S, play_wav, save_announcement, write_chime
from hardware.speech import SpeechEngine

from .calls import Call, CallBook, parse_call

log = logging.getLogger(__name__)

__all__ = ["Announcer", "Call", "main_run", "parse_call"]

_UNSAFE = re.compile(r"[^0-9A-Za-z_]+")


def _utcnow() -> datetime:
    return datetime.now(UTC)


GAP_WAIT_S = 1.5  # how long a gap waits for its missing event before a snapshot is asked for (QH.GAP_WAIT_MS)


class Announcer:
    """Connects to the server and announces calls through a SpeechEngine.

    ``repeat`` and ``chime`` left as None follow the hall's settings (the snapshot's
    ``voice``), as the screens' own audio does; a value given here overrides them. So do the
    hall's voice name and rate, on a speech engine that has them, unless ``voice`` or ``rate``
    fixes them here (QUEUEHALL_TTS_VOICE / QUEUEHALL_TTS_RATE).
    """

    def __init__(
        self,
        server_url: str,
        token: str,
        speech: SpeechEngine,
        wav_dir: str | None = None,
        repeat: int | None = None,
        chime: bool | None = None,
        missed_window_s: float = 30.0,
        *,
        voice: str | None = None,
        rate: int | None = None,
        player: Callable[[str], None] = play_wav,
        clock: Callable[[], datetime] = _utcnow,
        pause_s: float = PAUSE_S,
        max_backoff_s: float = 30.0,
        resync_retry_s: float = 5.0,
        gap_wait_s: float = GAP_WAIT_S,
        transports: list[str] | None = None,
    ) -> None:
        self.server_url = server_url
        self._token = token
        self.speech = speech
        self.wav_dir = wav_dir
        self._repeat = None if repeat is None else max(1, repeat)
        self._chime = chime
        self._hall_voice: dict[str, Any] = {}
        self._own_voice, self._own_rate = voice, rate
        self._player = player
        self._pause_s = pause_s
        self._max_backoff_s = max_backoff_s
        self._resync_retry_s = resync_retry_s
        self._gap_wait_s = gap_wait_s
        self._transports = transports

        self.book = CallBook(missed_window_s, clock)
        self._pending: queue.Queue[Call | None] = queue.Queue()
        self._stop = threading.Event()
        self._sio: socketio.Client | None = None
        self._speaker: threading.Thread | None = None
        self._runner: threading.Thread | None = None
        self._chime_dir: tempfile.TemporaryDirectory[str] | None = None
        self.connected = threading.Event()
        self.snapshot_requests = 0  # snapshots asked for on the open link (gaps, settings)

    @property
    def repeat(self) -> int:
        """How many times each call is said: this announcer's option, else the hall's setting."""
        if self._repeat is not None:
            return self._repeat
        return max(1, int(self._hall_voice.get("repeat", 1)))

    @property
    def chime(self) -> bool:
        """Whether a chime comes first: this announcer's option, else the hall's setting."""
        if self._chime is not None:
            return self._chime
        return bool(self._hall_voice.get("chime", False))

    # -- event handlers (called by the Socket.IO client; tests call them directly) --

    def on_snapshot(self, data: dict[str, Any]) -> None:
        """Take a snapshot: remember its calls and queue the recent ones not yet announced."""
        out = self.book.snapshot(data)
        if out.voice is not None:
            self._hall_voice = dict(out.voice)
            self._apply_voice()
        for call in out.missed:
            log.info("announcing missed call seq %s (%s)", call.seq, call.number)
            self._pending.put(call)
        if out.ask_again:
            self._ask_snapshot()

    def _apply_voice(self) -> None:
        """Speak with the hall's voice and rate (set in /admin) unless this announcer fixes them."""
        name, rate = self._hall_voice.get("name"), self._hall_voice.get("rate")
        if self._own_voice is None and name and hasattr(self.speech, "voice"):
            self.speech.voice = str(name)
        if self._own_rate is None and rate and hasattr(self.speech, "rate"):
            self.speech.rate = int(rate)

    def on_ticket_called(self, data: dict[str, Any]) -> None:
        """Queue a call or recall unless its seq was already handled."""
        call, gap = self.book.call(data)
        if call is not None:
            self._pending.put(call)
        if gap and isinstance(data, dict):
            self._request_resync(int(data["seq"]))

    def on_queue_changed(self, data: dict[str, Any]) -> None:
        """Track the seq of a queue change (the announcer says nothing about it)."""
        self.on_other_event("queue.changed", data)

    def on_other_event(self, event: str, data: Any = None) -> None:
        """Track the seq of any other site event so gaps are noticed."""
        if (
            isinstance(data, dict)
            and isinstance(data.get("seq"), int)
            and self.book.seq(data["seq"])
        ):
            self._request_resync(data["seq"])
        if event == "catalog.changed" and isinstance(data, dict) and data.get("what") == "settings":
            self._ask_snapshot()  # the hall's voice settings may have changed

    def on_connect(self) -> None:
        """The link is up (the server sends a snapshot of its own)."""
        log.info("connected to %s", self.server_url)
        self.connected.set()

    def on_disconnect(self, reason: Any = None) -> None:
        """The link is down; the next connection's snapshot fills whatever was missed."""
        log.warning("disconnected from %s (%s)", self.server_url, reason)
        self.book.link_lost()
        self.connected.clear()

    def _request_resync(self, seen_seq: int) -> None:
        # Like the browser client (QH.GAP_WAIT_MS): through Redis another process's event can
        # overtake, so a gap waits briefly for the missing event before a snapshot is asked for.
        if self._gap_wait_s <= 0:
            self._gap_check(seen_seq)
        else:
            self._later(self._gap_wait_s, self._gap_check, seen_seq)

    def _later(self, delay_s: float, fn: Callable[..., None], *args: Any) -> None:
        timer = threading.Timer(delay_s, fn, args)
        timer.daemon = True
        timer.start()

    def _gap_check(self, seen_seq: int) -> None:
        if self._stop.is_set() or not self.book.gap_open(seen_seq):
            return  # the missing event came (or a snapshot covered it)
        # The contract answers a gap with a snapshot. One request at a time: its answer is
        # checked against the newest gap and asked again if it does not cover it.
        if self.book.want_snapshot(seen_seq, time.monotonic(), self._resync_retry_s):
            log.info("seq gap seen at %s; asking for a snapshot", seen_seq)
            self._ask_snapshot()

    def _ask_snapshot(self) -> None:
        self.book.asked(time.monotonic())
        self.snapshot_requests += 1
        sio = self._sio
        if sio is None or not sio.connected:
            return  # the next connection's snapshot covers it
        try:
            sio.emit("snapshot")
        except socketio.exceptions.SocketIOError as exc:
            log.warning("could not ask for a snapshot (%s); the reconnect will send one", exc)
            return
        timer = threading.Timer(self._resync_retry_s, self._retry_resync)
        timer.daemon = True
        timer.start()

    def _retry_resync(self) -> None:
        # An answer lost on the way must not leave a gap unfilled until the next gap.
        if not self._stop.is_set() and self.book.still_wanted(
            time.monotonic(), self._resync_retry_s * 0.9
        ):
            log.info("no snapshot covered the gap yet; asking again")
            self._ask_snapshot()

    # -- speaking --

    def announce_pending(self) -> int:
        """Announce everything queued so far in the calling thread; return how many."""
        count = 0
        while True:
            try:
                call = self._pending.get_nowait()
            except queue.Empty:
                return count
            if call is not None:
                self._announce(call)
                count += 1

    def _speak_loop(self) -> None:
        while not self._stop.is_set():
            call = self._pending.get()
            if call is None:
                continue
            self._announce(call)

    def _announce(self, call: Call) -> None:
        text = call.spoken()
        log.info("announcing seq %s%s: %s", call.seq, " (recall)" if call.recall else "", text)
        try:
            if self.wav_dir:
                self._write_wav(call, text)
                return
            if self.chime:
                self._player(self._chime_path())
            for i in range(self.repeat):
                if i:
                    time.sleep(self._pause_s)
                self.speech.speak(text)
        except Exception:
            # A speaker fault must not stop the next call from being announced.
            log.exception("announcing seq %s failed", call.seq)

    def _chime_path(self) -> str:
        if self._chime_dir is None:
            self._chime_dir = tempfile.TemporaryDirectory(prefix="queuehall-chime-")
            write_chime(os.path.join(self._chime_dir.name, "chime.wav"))
        return os.path.join(self._chime_dir.name, "chime.wav")

    def wav_name(self, call: Call) -> str:
        """File name for a call's WAV: ``<seq>-<number>-w<window>.wav``."""
        number = _UNSAFE.sub("_", call.number)
        window = _UNSAFE.sub("_", str(call.window))
        return f"{call.seq}-{number}-w{window}.wav"

    def _write_wav(self, call: Call, text: str) -> None:
        assert self.wav_dir is not None
        os.makedirs(self.wav_dir, exist_ok=True)
        target = os.path.join(self.wav_dir, self.wav_name(call))
        save_announcement(self.speech.save, text, target, self.repeat, self.chime, self._pause_s)
        log.info("wrote %s", target)

    # -- connection --

    def _build_client(self) -> socketio.Client:
        sio = socketio.Client(
            reconnection=True,
            reconnection_attempts=0,  # forever
            reconnection_delay=1,
            reconnection_delay_max=self._max_backoff_s,
        )
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on("snapshot", self.on_snapshot)
        sio.on("ticket.called", self.on_ticket_called)
        sio.on("queue.changed", self.on_queue_changed)
        sio.on("*", self.on_other_event)
        return sio

    def _start_speaker(self) -> None:
        if self._speaker is None or not self._speaker.is_alive():
            self._speaker = threading.Thread(
                target=self._speak_loop, name="announcer-speaker", daemon=True
            )
            self._speaker.start()

    def run_forever(self) -> None:
        """Announce calls until stop(), reconnecting with capped backoff whenever the link drops."""
        self._start_speaker()
        delay = 1.0
        while not self._stop.is_set():
            sio = self._sio = self._build_client()
            try:
                sio.connect(
                    self.server_url,
                    auth={"token": self._token},
                    transports=self._transports,
                    wait_timeout=10,
                )
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                # python-socketio only retries links that once worked; the first one is ours.
                log.warning(
                    "cannot connect to %s (%s); retrying in %.0f s", self.server_url, exc, delay
                )
                self._stop.wait(delay)
                delay = min(delay * 2, self._max_backoff_s)
                continue
            if self._stop.is_set():  # stop() came while we were connecting
                sio.disconnect()
                break
            started = time.monotonic()
            sio.wait()  # returns after stop() or when python-socketio gives up on the link
            if time.monotonic() - started > 10:
                delay = 1.0
            elif not self._stop.is_set():
                # A server that keeps dropping us at once must not be hammered.
                self._stop.wait(delay)
                delay = min(delay * 2, self._max_backoff_s)
        log.info("announcer stopped")

    def start(self) -> None:
        """Run the announcer in a background thread."""
        self._stop.clear()
        self._runner = threading.Thread(target=self.run_forever, name="announcer", daemon=True)
        self._runner.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop connecting and speaking; the announcement being spoken is finished first."""
        self._stop.set()
        sio = self._sio
        if sio is not None:
            sio.shutdown()
        self._pending.put(None)  # wakes the speaker so it sees the stop flag
        for thread in (self._runner, self._speaker):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout_s)
        if self._chime_dir is not None:
            self._chime_dir.cleanup()
            self._chime_dir = None


def main_run(
    server: str,
    token: str,
    wav_dir: str | None,
    repeat: int | None = None,
    chime: bool | None = None,
    missed_seconds: float = 30.0,
) -> None:
    """Run the announcer with the pyttsx3 voice until interrupted (TTS_* from QUEUEHALL_TTS_*)."""
    from hardware.speech import Pyttsx3Speech

    voice = os.environ.get("QUEUEHALL_TTS_VOICE") or None
    rate = int(os.environ["QUEUEHALL_TTS_RATE"]) if os.environ.get("QUEUEHALL_TTS_RATE") else None
    speech = Pyttsx3Speech(
        voice=voice, rate=rate or 150, volume=float(os.environ.get("QUEUEHALL_TTS_VOLUME", "1.0"))
    )
    announcer = Announcer(
        server,
        token,
        speech,
        wav_dir=wav_dir,
        repeat=repeat,
        chime=chime,
        missed_window_s=missed_seconds,
        voice=voice,
        rate=rate,
    )
    try:
        announcer.run_forever()
    except KeyboardInterrupt:
        log.info("interrupted")
    finally:
        announcer.stop()
