"""The announcer speaks with the voice and rate the admin chose, unless its own settings fix them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from display.announcer import Announcer


@dataclass
class TunableSpeech:
    """A fake engine with the two knobs Pyttsx3Speech has (unit test only)."""

    voice: str | None = "cmn-latn-pinyin"
    rate: int = 150
    spoken: list[tuple[str, str | None, int]] = field(default_factory=list)

    def speak(self, text: str) -> None:
        self.spoken.append((text, self.voice, self.rate))

    def save(self, text: str, path: str) -> None:
        raise AssertionError("not used here")


def _snapshot(voice: dict[str, Any]) -> dict[str, Any]:
    return {"seq": 0, "calls": [], "windows": [], "waiting": {}, "voice": voice}


def test_the_halls_voice_and_rate_reach_the_announcers_engine() -> None:
    speech = TunableSpeech()
    a = Announcer("http://hall.invalid", "t", speech, pause_s=0)
    a.on_snapshot(_snapshot({"repeat": 1, "chime": False, "name": "cmn", "rate": 120}))
    assert (speech.voice, speech.rate) == ("cmn", 120)
    a.on_snapshot(
        _snapshot({"repeat": 1, "chime": False, "name": "", "rate": 180})
    )  # "" keeps the engine's
    assert (speech.voice, speech.rate) == ("cmn", 180)


def test_an_announcer_started_with_its_own_voice_and_rate_keeps_them() -> None:
    speech = TunableSpeech(voice="zh", rate=200)
    a = Announcer("http://hall.invalid", "t", speech, pause_s=0, voice="zh", rate=200)
    a.on_snapshot(_snapshot({"repeat": 2, "chime": True, "name": "cmn", "rate": 120}))
    assert (speech.voice, speech.rate) == ("zh", 200)
    assert (a.repeat, a.chime) == (2, True)  # the rest still follows the hall
