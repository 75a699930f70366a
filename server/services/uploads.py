"""Uploaded media: checked by content, images scaled, stored in the instance folder."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from ..engine.errors import InvalidInput

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = 8 * 1024 * 1024  # the request limit (MAX_CONTENT_LENGTH) is 8 MB too
MAX_SIDE = 800
URL_PREFIX = "/media/"
NAME_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|mp4|webm)$")


def folder(instance_path: str) -> Path:
    """Where uploads live: <instance>/uploads."""
    return Path(instance_path) / "uploads"


def _video_ext(data: bytes) -> str | None:
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def _image(data: bytes, max_side: int) -> tuple[bytes, str]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # a truncated or forged file fails here, before we decode it
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("file: not an image Pillow can open (use JPEG or PNG)", field="file") from None
    img = ImageOps.exif_transpose(img)
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if img.mode in ("RGBA", "LA", "P"):
        img.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    img.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue(), "jpg"


def store(instance_path: str, data: bytes, allow_video: bool = False, max_side: int = MAX_SIDE) -> str:
    """Check and store one upload; returns its public URL (/media/<random>.<ext>)."""
    if not data:
        raise InvalidInput("file: the upload is empty", field="file")
    ext = _video_ext(data) if allow_video else None
    if ext is not None:
        if len(data) > MAX_VIDEO_BYTES:
            raise InvalidInput(f"file: a video may be at most {MAX_VIDEO_BYTES // 2**20} MB", field="file")
        payload = data
    else:
        if len(data) > MAX_IMAGE_BYTES:
            raise InvalidInput(f"file: an image may be at most {MAX_IMAGE_BYTES // 2**20} MB", field="file")
        payload, ext = _image(data, max_side)
    target = folder(instance_path)
    target.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    (target / name).write_bytes(payload)
    return URL_PREFIX + name


def path_of(instance_path: str, name: str) -> Path | None:
    """The stored file for a /media/<name> request, or None (names are never paths)."""
    if not NAME_RE.match(name):
        return None
    p = folder(instance_path) / name
    return p if p.is_file() else None
