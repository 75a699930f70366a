"""A two-tone chime and small WAV helpers (stdlib only, no asset files).

The announcer plays the chime before a call, or joins chime, speech and
pauses into one WAV file when it writes announcements to a folder.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# espeak-ng renders 16-bit mono at 22050 Hz; a chime in the same format joins
# the speech without resampling.
DEFAULT_RATE = 22050
# The silence between repeats of one announcement: the announcer and the screens' audio share it.
PAUSE_S = 0.8


@dataclass(frozen=True)
class WavFormat:
    """Sample format shared by every part of a joined WAV."""

    channels: int = 1
    sampwidth: int = 2
    framerate: int = DEFAULT_RATE


def chime_frames(fmt: WavFormat = WavFormat(), volume: float = 0.5) -> bytes:
    """Return PCM frames of a "ding-dong" (E6 then C6, each decaying)."""
    if fmt.sampwidth != 2:
        raise ValueError("the chime is generated as 16-bit PCM only")
    tones = ((1318.5, 0.45), (1046.5, 0.7))
    peak = 32767 * max(0.0, min(volume, 1.0))
    samples: list[int] = []
    for freq, seconds in tones:
        count = int(fmt.framerate * seconds)
        for i in range(count):
            t = i / fmt.framerate
            # Short attack avoids a click; the exponential decay sounds like a bell.
            attack = min(1.0, i / (0.005 * fmt.framerate))
            envelope = attack * math.exp(-4.0 * t / seconds)
            # A quiet octave overtone makes it less of a pure test tone.
            wave_value = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            samples.append(int(peak * envelope * wave_value / 1.3))
    mono = struct.pack(f"<{len(samples)}h", *samples)
    if fmt.channels == 1:
        return mono
    return b"".join(mono[i : i + 2] * fmt.channels for i in range(0, len(mono), 2))


def silence_frames(seconds: float, fmt: WavFormat = WavFormat()) -> bytes:
    """Return PCM frames of silence lasting the given time."""
    return b"\x00" * (int(fmt.framerate * seconds) * fmt.sampwidth * fmt.channels)


def write_wav(path: str, frames: bytes, fmt: WavFormat = WavFormat()) -> None:
    """Write raw PCM frames as a WAV file."""
    with wave.open(path, "wb") as out:
        out.setnchannels(fmt.channels)
        out.setsampwidth(fmt.sampwidth)
        out.setframerate(fmt.framerate)
        out.writeframes(frames)


def write_chime(path: str, fmt: WavFormat = WavFormat()) -> None:
    """Write the chime as a WAV file."""
    write_wav(path, chime_frames(fmt), fmt)


def read_wav(path: str) -> tuple[WavFormat, bytes]:
    """Return a WAV file's format and its PCM frames."""
    with wave.open(path, "rb") as src:
        fmt = WavFormat(src.getnchannels(), src.getsampwidth(), src.getframerate())
        return fmt, src.readframes(src.getnframes())


def join_speech(
    speech_wavs: list[str], out_path: str, chime: bool = False, pause_s: float = 0.6
) -> None:
    """Join speech WAVs (same format) into one file, with pauses and an optional chime first."""
    if not speech_wavs:
        raise ValueError("nothing to join")
    parts: list[bytes] = []
    fmt: WavFormat | None = None
    for path in speech_wavs:
        part_fmt, frames = read_wav(path)
        if fmt is None:
            fmt = part_fmt
        elif part_fmt != fmt:
            raise ValueError(f"{path} has format {part_fmt}, expected {fmt}")
        if parts:
            parts.append(silence_frames(pause_s, fmt))
        parts.append(frames)
    assert fmt is not None
    if chime:
        try:
            parts[:0] = [chime_frames(fmt), silence_frames(0.2, fmt)]
        except ValueError:
            log.warning("speech format %s does not take a chime; writing speech only", fmt)
    write_wav(out_path, b"".join(parts), fmt)


def save_announcement(
    save: Callable[[str, str], None],
    text: str,
    target: str,
    repeat: int = 1,
    chime: bool = False,
    pause_s: float = PAUSE_S,
) -> None:
    """Write one announcement (chime, then the text ``repeat`` times) as one WAV file."""
    with tempfile.TemporaryDirectory(prefix="queuehall-say-") as tmp:
        speech_wav = os.path.join(tmp, "speech.wav")
        save(text, speech_wav)  # synthesised once, repeated by copying frames
        # Written whole, then moved: a watcher of the folder never sees half a file.
        part = target + ".part"
        join_speech([speech_wav] * max(1, repeat), part, chime=chime, pause_s=pause_s)
        os.replace(part, target)


def play_wav(path: str) -> None:
    """Play a WAV file and block until it ends (winsound, else aplay, paplay or sox's play)."""
    if sys.platform == "win32":  # sys.platform rather than platform.system(): mypy follows it
        import winsound

        winsound.PlaySound(path, winsound.SND_FILENAME)
        return
    for player, args in (("aplay", ["-q"]), ("paplay", []), ("play", ["-q"])):
        exe = shutil.which(player)
        if exe:
            result = subprocess.run([exe, *args, path], capture_output=True, check=False)
            if result.returncode != 0:
                log.warning("%s failed (%s): %s", player, result.returncode, result.stderr[-200:])
            return
    log.warning(
        "no audio player (aplay, paplay, play) found; cannot play %s", os.path.basename(path)
    )
