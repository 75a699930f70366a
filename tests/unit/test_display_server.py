"""Display endpoints and pages through the Flask test client: publicity, cached audio, device tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.services.catalog.publicity import speech_text
from server.storage.models import Publicity, Site
from tests.conftest import Hall


@pytest.mark.parametrize(
    ("shown", "spoken"),
    [
        ("请A001号到3号窗口办理", "请A零零一号到三号窗口办理"),
        ("请B012号到12号窗口办理", "请B零一二号到十二号窗口办理"),
        ("请C100号到10号窗口办理", "请C一零零号到十号窗口办理"),
        ("请A001号到100号窗口办理", "请A零零一号到一百号窗口办理"),
    ],
)
def test_speech_text_reads_ticket_digits_one_by_one_and_windows_as_numbers(
    shown: str, spoken: str
) -> None:
    assert speech_text(shown) == spoken


def _add_publicity(hall: Hall) -> None:
    with hall.ctx.uow() as uow:
        site_id = uow.session.scalar(select(Site.id))
        uow.session.add_all(
            [
                Publicity(site_id=site_id, kind="text", title="second", body="b", sort=2),
                Publicity(
                    site_id=site_id, kind="image", title="first", body="", media="/x.png", sort=1
                ),
                Publicity(
                    site_id=site_id, kind="text", title="hidden", body="", sort=0, active=False
                ),
            ]
        )
        uow.commit()


def test_publicity_lists_active_items_in_order_for_devices_only(sqlite_hall: Hall) -> None:
    _add_publicity(sqlite_hall)
    res = sqlite_hall.client("display").get("/api/v1/publicity")
    assert res.status_code == 200
    assert [p["title"] for p in res.get_json()["items"]] == ["first", "second"]
    assert sqlite_hall.client().get("/api/v1/publicity").status_code == 401


def test_announcement_audio_is_rendered_once_per_text(sqlite_hall: Hall, monkeypatch: Any) -> None:
    from hardware import speech
    from hardware.chime import silence_frames, write_wav

    rendered: list[str] = []

    def fake_save(self: Any, text: str, path: str) -> None:
        rendered.append(text)
        write_wav(path, silence_frames(0.2))

    monkeypatch.setattr(speech.Pyttsx3Speech, "save", fake_save)
    client = sqlite_hall.client("display")
    for _ in range(3):
        res = client.get(
            "/api/v1/announcements/audio", query_string={"text": "请A001号到12号窗口办理"}
        )
        assert res.status_code == 200
        assert res.mimetype == "audio/wav"
        assert res.data[:4] == b"RIFF"
    assert rendered == ["请A零零一号到十二号窗口办理"]
    cache = Path(sqlite_hall.app.instance_path) / "announce-audio"
    assert len(list(cache.glob("*.wav"))) == 1
    assert client.get("/api/v1/announcements/audio", query_string={"text": ""}).status_code == 422
    assert sqlite_hall.client().get("/api/v1/announcements/audio?text=x").status_code == 401


def test_screens_open_with_a_display_token_and_refuse_others_with_a_clear_page(
    sqlite_hall: Hall,
) -> None:
    c = sqlite_hall.app.test_client()
    ok = c.get(f"/display/hall?token={sqlite_hall.tokens['display']}")
    assert ok.status_code == 200 and b"hall.js" in ok.data
    led = c.get(f"/display/hall?layout=led&w=384&h=192&token={sqlite_hall.tokens['display']}")
    from tests.app.test_pages_common import qh_config

    page = qh_config(led.get_data(as_text=True))["page"]  # hall.js sizes the page to the panel
    assert (page["layout"], page["width"], page["height"]) == ("led", 384, 192)
    assert c.get(f"/display/window/2?token={sqlite_hall.tokens['display']}").status_code == 200
    for token in ("", "qhd_nonsense", sqlite_hall.tokens["kiosk"], sqlite_hall.tokens["clerk1"]):
        bad = c.get(f"/display/hall?token={token}")
        assert bad.status_code == 401
        assert b"401" in bad.data and b"refused" in bad.data


def test_announcement_audio_refuses_unspeakable_text_and_reports_engine_failure(
    sqlite_hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by fuzzing: espeak writes an empty file for a lone control character, which was a 500.
    client = sqlite_hall.client("display")
    for text in ["\x1a", "。。", "请\x14号"]:
        res = client.get("/api/v1/announcements/audio", query_string={"text": text})
        assert res.status_code == 422, text
        assert res.get_json()["error"]["code"] == "invalid_input"
        assert "text" in res.get_json()["error"]["message"]

    from hardware import speech

    def broken_save(self: Any, text: str, path: str) -> None:
        raise RuntimeError(f"speech engine wrote no audio to {path}")

    monkeypatch.setattr(speech.Pyttsx3Speech, "save", broken_save)
    res = client.get("/api/v1/announcements/audio", query_string={"text": "请B007号到5号窗口办理"})
    assert res.status_code == 503
    assert res.get_json()["error"]["code"] == "speech_unavailable"
    cache = Path(sqlite_hall.app.instance_path) / "announce-audio"
    assert not list(cache.glob("*.wav")), "a failed render must leave no cached file"


def _fake_speech(monkeypatch: Any, seconds: float = 0.5) -> list[str]:
    from hardware import speech
    from hardware.chime import silence_frames, write_wav

    rendered: list[str] = []

    def fake_save(self: Any, text: str, path: str) -> None:
        rendered.append(text)
        write_wav(path, silence_frames(seconds))

    monkeypatch.setattr(speech.Pyttsx3Speech, "save", fake_save)
    return rendered


def _seconds(data: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def test_the_screens_audio_has_the_halls_chime_and_repeats_like_the_announcer(
    sqlite_hall: Hall, monkeypatch: Any
) -> None:
    from hardware.chime import PAUSE_S, chime_frames

    _fake_speech(monkeypatch, 0.5)
    client = sqlite_hall.client("display")
    admin = sqlite_hall.client("admin")
    text = {"text": "请A001号到3号窗口办理"}
    assert (
        admin.patch("/api/v1/settings", json={"voice_repeat": 1, "voice_chime": False}).status_code
        == 200
    )
    plain = _seconds(client.get("/api/v1/announcements/audio", query_string=text).data)
    assert plain == pytest.approx(0.5, abs=0.01)
    assert (
        admin.patch("/api/v1/settings", json={"voice_repeat": 3, "voice_chime": True}).status_code
        == 200
    )
    full = _seconds(client.get("/api/v1/announcements/audio", query_string=text).data)
    chime_s = len(chime_frames()) / 2 / 22050 + 0.2  # the chime, then a short silence
    assert full == pytest.approx(chime_s + 3 * 0.5 + 2 * PAUSE_S, abs=0.02)


def test_the_audio_cache_keeps_only_the_most_recently_used_files(
    sqlite_hall: Hall, monkeypatch: Any
) -> None:
    rendered = _fake_speech(monkeypatch, 0.2)
    sqlite_hall.app.config["TTS_AUDIO_CACHE_FILES"] = 3
    client = sqlite_hall.client("display")

    def get(number: str) -> None:
        res = client.get(
            "/api/v1/announcements/audio", query_string={"text": f"请{number}号到1号窗口办理"}
        )
        assert res.status_code == 200
        res.close()

    for n in ("A001", "A002", "A003"):
        get(n)
    get("A001")  # used again: now the newest
    get("A004")  # one too many: A002, the least recently used, goes
    cache = Path(sqlite_hall.app.instance_path) / "announce-audio"
    assert len(list(cache.glob("*.wav"))) == 3
    rendered.clear()
    for n in ("A001", "A003", "A004"):
        get(n)
    assert rendered == []  # all still cached
    get("A002")
    assert rendered == ["请A零零二号到一号窗口办理"]  # it had been evicted
    assert len(list(cache.glob("*.wav"))) == 3
