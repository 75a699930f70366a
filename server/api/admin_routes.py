"""Admin endpoints beyond the core CRUD: hall settings, publicity, uploads, the XLSX catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask import Response, current_app, request
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ..engine.errors import InvalidInput
from ..services.access.auth import generate_password
from ..services.access.principal import Principal
from ..services.catalog import catalog, settings, uploads
from .core import Api, ctx
from .schemas import In, ItemsOut

SUPERVISORS = ("supervisor", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SettingsPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    reset_hour: int | None = Field(
        default=None, ge=0, le=23, description="numbering restarts at this local hour"
    )
    priority_ratio: int | None = Field(
        default=None, ge=1, le=10, description="priority tickets called before one normal ticket"
    )
    announce_template: str | None = Field(
        default=None, min_length=1, max_length=200, description="must contain {number} and {window}"
    )
    public_base_url: str | None = Field(default=None, max_length=300)
    hours: dict[str, list[list[str]]] | None = Field(
        default=None, description='{"mon": [["09:00", "12:00"]]}'
    )
    holidays: list[str] | None = Field(default=None, description="dates YYYY-MM-DD")
    enforce_hours: bool | None = None
    voice_repeat: int | None = Field(default=None, ge=1, le=3)
    voice_chime: bool | None = None
    voice_name: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.+/-]*$",
        description='espeak-ng / pyttsx3 voice id, e.g. "cmn-latn-pinyin"; "" = the server\'s',
    )
    voice_rate: int | None = Field(
        default=None, ge=80, le=300, description="speech rate, words per minute"
    )
    ticket_footer: str | None = Field(
        default=None,
        max_length=200,
        description="last line of every ticket; empty prints the standard one",
    )
    ticket_footer_en: str | None = Field(
        default=None,
        max_length=200,
        description="its English line on bilingual and English tickets",
    )

    @field_validator("public_base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise PydanticCustomError(
                "url_scheme", "give an address starting with http:// or https://, or leave it empty"
            )
        return v.rstrip("/") if v else v


MEDIA_PATTERN = r"^/media/[0-9a-f]{32}\.(jpg|png|mp4|webm)$"


HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
Screens = Literal["hall", "windows", "all", "devices"]


class PublicityIn(In):
    kind: Literal["text", "image", "video"] = "text"
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=2000)
    media: str | None = Field(
        default=None, pattern=MEDIA_PATTERN, description="a URL from POST /admin/uploads"
    )
    sort: int = 0
    active: bool = True
    starts_on: date | None = Field(
        default=None, description="first day shown (hall's date); none: from now"
    )
    ends_on: date | None = Field(default=None, description="last day shown; none: until removed")
    daily_from: str | None = Field(
        default=None, pattern=HHMM, description="shown each day from HH:MM (hall time)"
    )
    daily_to: str | None = Field(default=None, pattern=HHMM, description="… until HH:MM")
    screens: Screens = Field(
        default="hall",
        description="hall: every hall screen; windows: every window screen; "
        "all: both; devices: the display devices in device_ids",
    )
    device_ids: list[int] = Field(default_factory=list, max_length=200)


class PublicityPatch(In):
    kind: Literal["text", "image", "video"] | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=2000)
    media: str | None = Field(default=None, pattern=MEDIA_PATTERN)
    sort: int | None = None
    active: bool | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    daily_from: str | None = Field(default=None, pattern=HHMM)
    daily_to: str | None = Field(default=None, pattern=HHMM)
    screens: Screens | None = None
    device_ids: list[int] | None = Field(default=None, max_length=200)


def _upload() -> bytes:
    f = request.files.get("file")
    if f is None:
        raise InvalidInput("file: send the file as multipart/form-data field 'file'", field="file")
    return f.read()


def register(api: Api) -> None:
    """Add the admin endpoints to the API."""

    @api.route("/settings", auth=SUPERVISORS, tag="admin")
    def get_settings(who: Principal) -> dict[str, Any]:
        """The hall's settings: name, hours, holidays, announcement, numbering reset, priority ratio."""
        return settings.get_settings(ctx(), who)

    @api.route("/settings", "PATCH", body=SettingsPatch, auth="admin", tag="admin", errors=(422,))
    def patch_settings(who: Principal, body: SettingsPatch) -> dict[str, Any]:
        """Change some of the hall's settings (admin); kiosks and screens reload them."""
        return settings.update_settings(ctx(), who, body.model_dump(exclude_unset=True))

    @api.route("/admin/publicity", response=ItemsOut, auth=SUPERVISORS, tag="admin")
    def list_all_publicity(who: Principal) -> dict[str, Any]:
        """Every publicity item, active or not."""
        return {"items": settings.list_publicity(ctx(), who)}

    @api.route(
        "/publicity", "POST", body=PublicityIn, auth="admin", status=201, tag="admin", errors=(422,)
    )
    def create_publicity(who: Principal, body: PublicityIn) -> dict[str, Any]:
        """Add a publicity text, image or video (admin)."""
        return settings.save_publicity(ctx(), who, body.model_dump())

    @api.route(
        "/publicity/<int:obj_id>",
        "PATCH",
        body=PublicityPatch,
        auth="admin",
        tag="admin",
        errors=(422,),
    )
    def update_publicity(who: Principal, obj_id: int, body: PublicityPatch) -> dict[str, Any]:
        """Change a publicity item (admin)."""
        return settings.save_publicity(ctx(), who, body.model_dump(exclude_unset=True), obj_id)

    @api.route("/publicity/<int:obj_id>", "DELETE", auth="admin", tag="admin")
    def delete_publicity(who: Principal, obj_id: int) -> dict[str, Any]:
        """Remove a publicity item (admin)."""
        return settings.delete_publicity(ctx(), who, obj_id)

    @api.route("/admin/uploads", "POST", auth="admin", status=201, tag="admin", errors=(413, 422))
    def upload_media(who: Principal) -> dict[str, Any]:
        """Store an image (checked, scaled to 800 px) or, with ?video=1, an MP4/WebM video."""
        url = uploads.store(
            current_app.instance_path, _upload(), allow_video=request.args.get("video") == "1"
        )
        return {"url": url}

    @api.route("/staff/<int:obj_id>/photo", "POST", auth="admin", tag="admin", errors=(413, 422))
    def upload_staff_photo(who: Principal, obj_id: int) -> dict[str, Any]:
        """Set a staff member's photo from an uploaded image (admin)."""
        url = uploads.store(current_app.instance_path, _upload(), max_side=400)
        return catalog.save(ctx(), who, "staff", {"photo": url}, obj_id)

    @api.route("/staff/<int:obj_id>/reset-password", "POST", auth="admin", tag="admin")
    def reset_staff_password(who: Principal, obj_id: int) -> dict[str, Any]:
        """Give a staff member a new generated password, shown once (admin)."""
        password = generate_password()
        out = catalog.save(ctx(), who, "staff", {"password": password}, obj_id)
        return {**out, "password": password}

    @api.route("/catalogue.xlsx", auth=SUPERVISORS, tag="admin")
    def export_catalogue(who: Principal) -> Response:
        """The whole item catalogue (departments, items, disclosure fields) as XLSX."""
        # openpyxl is loaded only when a spreadsheet is asked for
        from ..services.catalog import catalogue_xlsx

        data = catalogue_xlsx.export(ctx(), who)
        return Response(
            data,
            mimetype=XLSX,
            headers={"Content-Disposition": "attachment; filename=catalogue.xlsx"},
        )

    @api.route("/catalogue.xlsx", "POST", auth="admin", tag="admin", errors=(422,))
    def import_catalogue(who: Principal) -> dict[str, Any]:
        """Import the catalogue from XLSX: all rows checked first, nothing written unless all are good."""
        from ..services.catalog import catalogue_xlsx

        return catalogue_xlsx.import_xlsx(ctx(), who, _upload())
