"""Endpoints for screens: publicity content and announcement audio rendered by the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, send_file
from pydantic import BaseModel, ConfigDict, Field

from ..services.access.principal import Principal
from ..services.catalog import publicity
from .core import ANY, Api, ctx
from .schemas import ItemsOut


class AudioQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    text: str = Field(
        min_length=1,
        max_length=publicity.MAX_TEXT,
        description="the call sentence as shown, e.g. 请A001号到3号窗口办理",
    )


def register(api: Api) -> None:
    """Add the display endpoints to the API."""

    @api.route("/publicity", response=ItemsOut, auth=ANY, tag="display")
    def list_publicity(who: Principal) -> dict[str, Any]:
        """Active publicity items (text, image, video) in display order."""
        return {"items": publicity.list_active(ctx(), who)}

    @api.route("/announcements/audio", query=AudioQuery, auth=ANY, tag="display", errors=(422, 503))
    def announcement_audio(who: Principal, query: AudioQuery) -> Response:
        """The announcement as the hall's announcer says it (chime, repeats), as a WAV rendered once and cached."""
        cfg = current_app.config
        cache = publicity.AudioCache(
            Path(current_app.instance_path) / "announce-audio",
            int(cfg["TTS_AUDIO_CACHE_FILES"]),
            int(cfg["TTS_AUDIO_CACHE_MB"]) * 1024 * 1024,
        )
        path = publicity.announcement_audio(ctx(), who, query.text, cache, cfg.get("TTS_VOICE"))
        return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True)
