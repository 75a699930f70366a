"""Publicity content for screens, and announcement audio rendered once per text."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
import unicodedata
import wave
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hardware.chime import PAUSE_S, save_announcement
from hardware.mandarin import speech_text

from ...engine.errors import DomainError
from ...engine.numbering import local_time
from ...storage.models import Device, Publicity, Site
from ..access.principal import Principal
from ..context import Context
from ..queue import read_models

log = logging.getLogger(__name__)

MAX_TEXT = 120
# A fixed pool, not a lock per text: distinct texts are endless, the pool is not.
_RENDER_LOCKS = tuple(threading.Lock() for _ in range(64))


class InvalidText(DomainError):
    code = "invalid_input"
    status = 422


class SpeechFailed(DomainError):
    """The speech engine ran but produced no audio: the server's fault, not the caller's."""

    code = "speech_unavailable"
    status = 503


def live(p: Publicity, local: datetime) -> bool:
    """True when the item's dates and daily hours include `local` (the hall's wall-clock time)."""
    if not p.active:
        return False
    today, hhmm = local.date(), local.strftime("%H:%M")
    if (p.starts_on and today < p.starts_on) or (p.ends_on and today > p.ends_on):
        return False
    return not (p.daily_from and p.daily_to and not (p.daily_from <= hhmm < p.daily_to))


def shown_on(p: Publicity, device: Device | None) -> bool:
    """True when the item is meant for this screen: a display device bound to a window is that
    window's screen, any other display a hall screen. Staff (device None) see every item."""
    if device is None:
        return True
    if p.screens == "devices":
        return device.id in (p.device_ids or [])
    on_window = device.window_id is not None
    return p.screens == "all" or p.screens == ("windows" if on_window else "hall")


def list_active(ctx: Context, who: Principal) -> list[dict[str, Any]]:
    """The publicity items live now on the caller's screen, in display order (see `live`, `shown_on`)."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        local = local_time(now, site.timezone)
        device = None if who.is_staff else s.get(Device, who.id)
        rows = s.scalars(
            select(Publicity)
            .where(Publicity.site_id == who.site_id, Publicity.active)
            .order_by(Publicity.sort, Publicity.id)
        )
        return [
            {
                "id": p.id,
                "kind": p.kind,
                "title": p.title,
                "body": p.body,
                "media": p.media,
                "sort": p.sort,
            }
            for p in rows
            if live(p, local) and (who.is_staff or (device is not None and shown_on(p, device)))
        ]


def announce_schedule(ctx: Context, since: datetime, now: datetime) -> list[int]:
    """Tell the screens of every hall whose live publicity changed between `since` and `now` (an item's
    first day, last day or daily hours began or ended) to reload it; returns those halls' ids.

    Screens reload publicity on `catalog.changed`, so a schedule needs this nudge when its time comes.
    """
    changed = []
    with ctx.uow(write=False) as uow:
        s = uow.session
        for site in s.scalars(select(Site)):
            items = list(
                s.scalars(select(Publicity).where(Publicity.site_id == site.id, Publicity.active))
            )
            before, after = local_time(since, site.timezone), local_time(now, site.timezone)
            if any(live(p, before) != live(p, after) for p in items):
                changed.append(site.id)
    for site_id in changed:
        with ctx.uow() as uow:
            uow.emit(
                "catalog.changed",
                {"seq": read_models.next_seq(uow.session, site_id), "what": "publicity"},
                f"site:{site_id}",
            )
            uow.commit()
    return changed


def _lock_for(key: str) -> threading.Lock:
    return _RENDER_LOCKS[int(key[:8], 16) % len(_RENDER_LOCKS)]


@dataclass(frozen=True)
class AudioCache:
    """Where rendered announcements are kept, and how many files and bytes at most."""

    folder: Path
    max_files: int = 500
    max_bytes: int = 200 * 1024 * 1024


def _check_text(text: str) -> str:
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise InvalidText(f"text: give 1 to {MAX_TEXT} characters", field="text")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        # espeak writes an empty file for control characters; refuse them rather than fail later.
        raise InvalidText("text: control or unassigned characters cannot be spoken", field="text")
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise InvalidText(
            "text: give at least one letter, character or digit to speak", field="text"
        )
    return text


def announcement_audio(
    ctx: Context, who: Principal, text: str, cache: AudioCache, voice: str | None
) -> Path:
    """The WAV of an announcement as the hall's announcer says it (chime, repeats), cached by text.

    Rendered by the speech worker (its own OS thread under gevent) on first request; the cache keeps the most recently
    used files within its bounds, so a year of distinct calls does not fill the disk.
    """
    spoken = speech_text(_check_text(text))
    with ctx.uow(write=False) as uow:
        settings = read_models.voice(uow.session.get_one(Site, who.site_id))
    repeat, chime = max(1, min(3, settings["repeat"])), settings["chime"]
    voice, rate = (
        settings["name"] or voice,
        settings["rate"],
    )  # the admin's voice, else the server's
    key = hashlib.sha256(
        f"{voice or ''}\x00{rate}\x00{repeat}\x00{int(chime)}\x00{spoken}".encode()
    ).hexdigest()[:32]
    path = cache.folder / f"{key}.wav"
    if _touch(path):
        return path
    with _lock_for(key):  # two screens asking at once render it once
        if not _touch(path):
            from hardware.speech import Pyttsx3Speech

            cache.folder.mkdir(parents=True, exist_ok=True)
            for attempt in (1, 2):  # a failed run restarts the engine; the second try usually works
                try:
                    save_announcement(
                        Pyttsx3Speech(voice=voice, rate=rate).save,
                        spoken,
                        str(path),
                        repeat,
                        chime,
                        PAUSE_S,
                    )
                    break
                except (RuntimeError, OSError, TimeoutError, ValueError, wave.Error) as exc:
                    log.warning(
                        "announcement audio failed for %d characters (try %d): %s",
                        len(spoken),
                        attempt,
                        exc,
                    )
                    if attempt == 2 or isinstance(
                        exc, TimeoutError
                    ):  # a stuck engine is not retried
                        raise SpeechFailed(
                            "the speech engine produced no audio; try again shortly"
                        ) from exc
            _touch(path)
            _prune(cache, keep=path)
    return path


def _touch(path: Path) -> bool:
    """Mark a cached file as just used (its mtime orders the eviction); False if it is not there."""
    now = time.time_ns()  # finer than the file system's own stamps, so quick uses still order
    try:
        os.utime(path, ns=(now, now))
    except FileNotFoundError:
        return False
    return True


def _prune(cache: AudioCache, keep: Path) -> None:
    """Remove the least recently used files beyond the cache's bounds (never `keep`)."""
    files: list[tuple[int, int, Path]] = []
    for p in cache.folder.glob("*.wav"):
        try:
            st = p.stat()
        except FileNotFoundError:  # pruned by another request meanwhile
            continue
        files.append((st.st_mtime_ns, st.st_size, p))
    files.sort(key=lambda f: (f[2] != keep, -f[0]))
    count = size = 0
    for _mtime, nbytes, p in files:
        count, size = count + 1, size + nbytes
        if p != keep and (count > cache.max_files or size > cache.max_bytes):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
