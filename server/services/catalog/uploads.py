"""Uploaded media: checked by content, images scaled, stored in the instance folder."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from ...engine.errors import InvalidInput

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_VIDEO_BYTES = 8 * 1024 * 1024  # the request limit (MAX_CONTENT_LENGTH) is 8 MB too
MAX_SIDE = 800
# Pixels are counted from the header before anything is decoded: a 140 kB PNG of 12000 x 12000
# would otherwise take 150 MB or more to decode. 25 million is more than a phone camera's 12 MP
# photo (or a 48 MP one saved at its default size) needs.
MAX_PIXELS = 25_000_000
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


def _too_large(size: tuple[int, int] | None) -> InvalidInput:
    got = f"is {size[0]} x {size[1]} pixels" if size else "has far too many pixels"
    return InvalidInput(
        f"file: the image {got}; at most {MAX_PIXELS // 1_000_000} million pixels are accepted, scale it down first",
        field="file",
        reason="image_too_large",
        params={
            "width": size[0] if size else None,
            "height": size[1] if size else None,
            "max_pixels": MAX_PIXELS,
        },
    )


def _image(data: bytes, max_side: int) -> tuple[bytes, str]:
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning comes at 89 million pixels; ours, below, is lower and an answer
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))  # reads the header only
        with probe:
            if probe.size[0] * probe.size[1] > MAX_PIXELS:
                raise _too_large(probe.size)
            probe.verify()  # a truncated or forged file fails here, before we decode it
        img: Image.Image = Image.open(io.BytesIO(data))
        img.draft(
            img.mode, (max_side, max_side)
        )  # a JPEG decodes straight at a fraction of its size
        img.load()
    except Image.DecompressionBombError:
        raise _too_large(None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(
            "file: not an image Pillow can open (use JPEG or PNG)", field="file"
        ) from None
    img = ImageOps.exif_transpose(img)
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if img.mode in ("RGBA", "LA", "P"):
        img.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    img.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue(), "jpg"


def store(
    instance_path: str, data: bytes, allow_video: bool = False, max_side: int = MAX_SIDE
) -> str:
    """Check and store one upload; returns its public URL (/media/<random>.<ext>)."""
    if not data:
        raise InvalidInput("file: the upload is empty", field="file")
    ext = _video_ext(data) if allow_video else None
    if ext is not None:
        if len(data) > MAX_VIDEO_BYTES:
            raise InvalidInput(
                f"file: a video may be at most {MAX_VIDEO_BYTES // 2**20} MB", field="file"
            )
        payload = data
    else:
        if len(data) > MAX_IMAGE_BYTES:
            raise InvalidInput(
                f"file: an image may be at most {MAX_IMAGE_BYTES // 2**20} MB", field="file"
            )
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
