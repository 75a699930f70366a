"""Text-to-speech behind a small interface: pyttsx3 in one worker thread, and a fake.

Facts about pyttsx3 2.99 that shape this module (measured, not guessed):
- several ``save_to_file`` calls before one ``runAndWait`` write only the last
  file, so every job runs its own ``runAndWait``;
- one engine used from two threads loses files, and ``pyttsx3.init`` hands
  every caller the same cached engine, so one process-wide worker thread is
  the only code that touches it;
- the espeak driver never forgets its last save path, so a ``say`` after a
  ``save_to_file`` silently overwrites that file instead of playing.
"""

from __future__ import annotations

import logging
import os
import platform
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from hardware.chime import play_wav

log = logging.getLogger(__name__)

PINYIN_VOICE = "cmn-latn-pinyin"
SYNTH_TIMEOUT_S = 60.0  # one announcement, even on a loaded machine


class SpeechEngine(Protocol):
    """What the announcer needs from a speech engine."""

    def speak(self, text: str) -> None:
        """Speak the text aloud, returning when it has been spoken."""
        ...

    def save(self, text: str, path: str) -> None:
        """Write the spoken text to a WAV file."""
        ...


@dataclass
class FakeSpeech:
    """Records what it was asked to say (unit tests only); saves write a tiny silent WAV."""

    spoken: list[str] = field(default_factory=list)
    saved: list[tuple[str, str]] = field(default_factory=list)

    def speak(self, text: str) -> None:
        """Record the text as spoken."""
        self.spoken.append(text)

    def save(self, text: str, path: str) -> None:
        """Record the text and write a short silent WAV so callers can join files."""
        from hardware.chime import silence_frames, write_wav

        self.saved.append((text, path))
        write_wav(path, silence_frames(0.1))


def _languages(voice: Any) -> list[str]:
    out = []
    for lang in getattr(voice, "languages", None) or []:
        # Older pyttsx3 espeak drivers give bytes with a leading priority byte.
        if isinstance(lang, bytes):
            lang = lang[1:].decode("utf-8", errors="ignore")
        out.append(str(lang).lower())
    return out


def _matches(voice: Any, wanted: str) -> bool:
    want = wanted.lower()
    vid = str(voice.id).lower()
    return (
        vid == want
        or vid.endswith(("/" + want, "\\" + want))
        or str(voice.name or "").lower() == want
        or want in _languages(voice)
    )


def _is_mandarin(voice: Any) -> bool:
    langs = _languages(voice)
    words = " ".join([str(voice.id), str(voice.name or ""), *langs]).lower()
    if any(k in words for k in ("yue", "cantonese", "zh-hk", "zh_hk", "hak")):
        return False
    return any(lang.startswith(("zh", "cmn")) for lang in langs) or any(
        k in words for k in ("chinese", "mandarin", "中文", "zh-cn", "zh_cn", "zh-tw")
    )


def pick_voice(voices: Sequence[Any], wanted: str | None = None) -> str | None:
    """Choose a voice id: the wanted one, else cmn-latn-pinyin, else any Mandarin voice, else None."""
    if wanted:
        for voice in voices:
            if _matches(voice, wanted):
                return str(voice.id)
        log.warning("speech voice %r not found; looking for another Mandarin voice", wanted)
    for voice in voices:
        if _matches(voice, PINYIN_VOICE):
            return str(voice.id)
    mandarin = [v for v in voices if _is_mandarin(v)]
    if mandarin:
        if platform.system() == "Linux":
            log.warning("using %s: plain cmn reads ticket letters badly", mandarin[0].id)
        return str(mandarin[0].id)
    log.warning("no Mandarin voice installed; the default voice will mispronounce calls")
    return None


@dataclass
class _Job:
    text: str
    path: str | None  # None means speak aloud
    voice: str | None
    rate: int
    volume: float
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def _green() -> bool:
    """True in a process monkey-patched by gevent (the server's serving worker)."""
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("threading"))


class _Worker:
    """The one thread in the process that creates and drives the pyttsx3 engine."""

    def __init__(self, driver: str | None) -> None:
        self._driver = driver
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._engine: Any = None
        self._use_cli = False
        self._voices: dict[str | None, str | None] = {}
        self._current: tuple[str | None, int, float] | None = None
        self._mute_checked = False
        self._native: Any = None  # under gevent: one real OS thread for the engine
        self._cli_files: bool | None = None  # _files_by_cli, once looked up

    def submit(self, job: _Job, timeout_s: float) -> None:
        if _green():
            if job.path is not None and self._files_by_cli():
                # a process of its own: gevent's subprocess waits for it without holding the
                # loop, and its loop is the one that reaps the child (a real thread's waitpid
                # raced it and lost the exit status)
                self._do_cli(job)
                return
            self._submit_native(job, timeout_s)
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="speech-worker", daemon=True)
                self._thread.start()
        self._jobs.put(job)
        if not job.done.wait(timeout_s):
            raise TimeoutError(f"speech worker did not finish within {timeout_s:.0f} s")
        if job.error is not None:
            raise job.error

    def _submit_native(self, job: _Job, timeout_s: float) -> None:
        """Under gevent (the serving worker) a "thread" is a greenlet on the server's one loop, and
        espeak's synthesis would hold every socket while it runs: the engine is driven from one
        real OS thread instead (gevent's thread pool of size one), and the caller's greenlet waits
        without blocking the loop."""
        import gevent
        from gevent.threadpool import ThreadPool

        with self._lock:
            if self._native is None:
                self._native = ThreadPool(1)
        done = self._native.spawn(self._one, job)
        try:
            done.get(timeout=timeout_s)
        except gevent.Timeout:
            raise TimeoutError(f"speech worker did not finish within {timeout_s:.0f} s") from None
        if job.error is not None:
            raise job.error

    def _one(self, job: _Job) -> None:
        try:
            self._do(job)
        except Exception as exc:  # the caller re-raises it in its own greenlet
            job.error = exc

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                self._do(job)
            except Exception as exc:  # the caller re-raises it in its own thread
                job.error = exc
            finally:
                job.done.set()

    def _ensure_engine(self) -> None:
        if self._engine is not None or self._use_cli:
            return
        try:
            import pyttsx3

            self._engine = pyttsx3.init(self._driver)
        except Exception:
            if shutil.which("espeak-ng") is None:
                raise
            log.warning("pyttsx3 unusable; falling back to the espeak-ng command", exc_info=True)
            self._use_cli = True
            return

    def _apply(self, job: _Job) -> None:
        if job.voice not in self._voices:
            self._voices[job.voice] = pick_voice(self._engine.getProperty("voices"), job.voice)
        wanted = (self._voices[job.voice], job.rate, job.volume)
        # Set every time, not only when they differ from the last job's: espeak's settings live in
        # the process, not in this engine, and another pyttsx3 engine of the process (made anew
        # by pyttsx3.init, which sets 200 words per minute) changes them behind this one's back.
        # Seen in the suite on two workers: a 90 wpm announcement came out at exactly 200 wpm.
        voice_id, rate, volume = wanted
        _settle_espeak(
            self._engine
        )  # the last utterance fully over, or its end undoes the new rate
        if voice_id is not None:
            self._engine.setProperty("voice", voice_id)
        self._engine.setProperty("rate", rate)
        self._engine.setProperty("volume", volume)
        self._current = wanted
        _settle_espeak(self._engine)

    def _do(self, job: _Job) -> None:
        try:
            self._do_once(job)
        except NoAudio:
            # pyttsx3's espeak driver writes the file from espeak's callback; seen once in a
            # clean CI run, it left nothing to read and a call went unannounced. A fresh engine
            # tries once more before the announcement is given up.
            log.warning("speech engine wrote no audio for %r; trying once more", job.text)
            self._engine = None
            self._current = None
            self._do_once(job)

    def _do_once(self, job: _Job) -> None:
        if job.path is not None and self._files_by_cli():
            self._do_cli(job)
            return
        self._ensure_engine()
        if self._use_cli:
            self._do_cli(job)
            return
        self._apply(job)
        try:
            if job.path is None:
                self._warn_if_mute()
                self._forget_save_path()
                self._engine.say(job.text)
            else:
                _quiet_saves()
                self._engine.save_to_file(job.text, job.path)
            self._engine.runAndWait()
            self._wait_synthesis(job)
        except Exception:
            # A failed run loop leaves pyttsx3 stuck "in loop"; start over next time.
            self._engine = None
            self._current = None
            raise
        finally:
            self._forget_save_path()
        if job.path is not None:
            _check_wav(job.path)

    def _files_by_cli(self) -> bool:
        """Whether WAV files are rendered by the espeak-ng command (Linux, espeak driver).

        espeak keeps one voice, rate and volume per process, and pyttsx3's espeak driver writes a
        file from espeak's callback: whatever else in the process touches espeak (another pyttsx3
        engine, an utterance still winding down) can change a file's speed after its rate was set.
        Seen in the suite on two workers, after two fixes in this worker: a 90 words-a-minute call
        came out 3.3 s long, about 220 (the command gives 8.1 s). A command of its own per file
        shares nothing, so its rate is the one asked for. Speaking aloud (the announcer) stays in
        the engine. Looked up once per worker."""
        if self._cli_files is None:
            self._cli_files = (
                self._driver in (None, "espeak")
                and platform.system() == "Linux"
                and shutil.which("espeak-ng") is not None
            )
        return self._cli_files

    def _wait_synthesis(self, job: _Job) -> None:
        """Wait until the espeak driver has really finished the utterance.

        pyttsx3 2.99's espeak driver can leave `runAndWait` before the synthesis is over: the
        queued end-of-loop command runs as the loop starts, and the speech goes on in espeak's
        callback, which writes the WAV (or plays it) when the message ends. Checking the file, or
        clearing the save path, before then loses the audio (seen under load: "wrote no audio",
        then the callback trying `aplay` for what should have been a file).
        """
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        if driver is None or not hasattr(driver, "_speaking"):
            return
        deadline = time.monotonic() + SYNTH_TIMEOUT_S
        while driver._speaking:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"speech synthesis did not finish within {SYNTH_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.005)

    def _warn_if_mute(self) -> None:
        if not self._mute_checked and platform.system() == "Linux" and not shutil.which("aplay"):
            log.warning("aplay not found: pyttsx3 on Linux plays through it, speech will be silent")
        self._mute_checked = True

    def _forget_save_path(self) -> None:
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        if driver is not None and hasattr(driver, "_save_file"):
            driver._save_file = None

    def _do_cli(self, job: _Job) -> None:
        voice = job.voice or PINYIN_VOICE
        if job.path is not None:
            _espeak_command(voice, job, job.path)
            _check_wav(job.path)
            return
        with tempfile.TemporaryDirectory() as tmp:
            wav = os.path.join(tmp, "say.wav")
            _espeak_command(voice, job, wav)
            play_wav(wav)


def _espeak_command(voice: str, job: _Job, wav: str) -> None:
    """Render `job.text` to `wav` with the espeak-ng command, within SYNTH_TIMEOUT_S.

    A voice espeak-ng does not know (a hall's setting may name one for another engine) falls back
    to the Mandarin voice, as `pick_voice` does for the engine."""
    # espeak-ng's -s is words per minute like pyttsx3's rate; -a runs 0..200.
    options = ["-s", str(job.rate), "-a", str(int(job.volume * 100)), "-w", wav]
    try:
        _run_command(["espeak-ng", "-v", voice, *options, "--", job.text])
    except subprocess.CalledProcessError as exc:
        if voice == PINYIN_VOICE or b"voice does not exist" not in (exc.stderr or b""):
            raise RuntimeError(f"espeak-ng failed ({exc.returncode}): {exc.stderr!r}") from exc
        log.warning("espeak-ng has no voice %r; speaking with %s", voice, PINYIN_VOICE)
        _run_command(["espeak-ng", "-v", PINYIN_VOICE, *options, "--", job.text])


def _run_command(args: list[str]) -> None:
    """Run a command to its end (under gevent, gevent's subprocess: the loop goes on meanwhile)."""
    try:
        subprocess.run(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=SYNTH_TIMEOUT_S,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{args[0]} did not finish within {SYNTH_TIMEOUT_S:.0f} s") from None


SAVED_LINE = "Audio saved to "


class _QuietSaves:
    """sys.stdout without pyttsx3's espeak driver's "Audio saved to …" line, printed for every
    file it writes (one line per announcement in the server's log); all other output goes through.
    The driver prints from espeak's callback thread, so the line is recognised by its text."""

    def __init__(self, out: Any) -> None:
        self._out = out
        self._skip = threading.local()

    def write(self, text: str) -> int:
        if text.startswith(SAVED_LINE):
            self._skip.newline = True  # print() writes the line, then its end on its own
            return len(text)
        if text == "\n" and getattr(self._skip, "newline", False):
            self._skip.newline = False
            return len(text)
        self._skip.newline = False
        return int(self._out.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


def _quiet_saves() -> None:
    """Put `_QuietSaves` in front of whatever sys.stdout is now (a test may have swapped it)."""
    import sys

    if sys.stdout is not None and not isinstance(sys.stdout, _QuietSaves):
        sys.stdout = _QuietSaves(sys.stdout)


def _settle_espeak(engine: Any) -> None:
    """Wait until espeak's own queue is idle, around a change of voice, rate or volume.

    In its asynchronous (retrieval) mode espeak runs commands on its own thread. A rate set while
    it was still winding up the previous utterance (pyttsx3 hears the end before espeak is done)
    was reset when that utterance ended, so the next one came out at the old speed: one time in
    four going from 90 to 260 words per minute.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is None or type(driver).__module__ != "pyttsx3.drivers.espeak":
        return
    from pyttsx3.drivers import _espeak

    _espeak.Synchronize()


class NoAudio(RuntimeError):
    """The speech engine finished without writing any audio to the file."""


def _check_wav(path: str) -> None:
    # The espeak driver reports save errors from inside a C callback, where they vanish.
    if not os.path.exists(path) or os.path.getsize(path) <= 44:
        raise NoAudio(f"speech engine wrote no audio to {path}")


_workers_lock = threading.Lock()
_worker: _Worker | None = None


def _shared_worker(driver: str | None) -> _Worker:
    global _worker
    with _workers_lock:
        if _worker is None:
            _worker = _Worker(driver)
        elif driver != _worker._driver:
            log.warning(
                "speech worker already runs driver %r; ignoring %r", _worker._driver, driver
            )
        return _worker


def _default_voice() -> str | None:
    # Windows and macOS pick their Chinese voice by language; espeak-ng needs the pinyin variant.
    return PINYIN_VOICE if platform.system() == "Linux" else None


class Pyttsx3Speech:
    """Speech through pyttsx3 with a Mandarin voice; all engine work happens in one worker thread."""

    def __init__(
        self,
        voice: str | None = None,
        rate: int = 150,
        volume: float = 1.0,
        driver: str | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        self.voice = voice if voice is not None else _default_voice()
        self.rate = rate
        self.volume = volume
        self.driver = driver
        self.timeout_s = timeout_s

    def _submit(self, text: str, path: str | None) -> None:
        job = _Job(text, path, self.voice, self.rate, self.volume)
        _shared_worker(self.driver).submit(job, self.timeout_s)

    def speak(self, text: str) -> None:
        """Speak the text aloud and return once it has been played."""
        if text.strip():
            self._submit(text, None)

    def save(self, text: str, path: str) -> None:
        """Write the spoken text to a WAV file (written under a temporary name, then renamed)."""
        folder, name = os.path.split(os.path.abspath(path))
        part = os.path.join(folder, f".{name}.part")
        try:
            self._submit(text, part)
            os.replace(part, path)
        finally:
            if os.path.exists(part):
                os.remove(part)


def render_wav(text: str, path: str, voice: str = PINYIN_VOICE) -> None:
    """Write text spoken by the given voice to a WAV file, through the shared worker."""
    Pyttsx3Speech(voice=voice).save(text, path)
