"""Request and response models: they validate input and generate the OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..services.common.cleantext import MULTILINE, refuse_controls

Priority = Literal["normal", "priority", "green"]
UNCHECKED = frozenset(
    {"password"}
)  # never stored as text, never shown: any character may be in one


class In(BaseModel):
    """Every request model: unknown fields refused, text trimmed, control characters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, v: Any, info: ValidationInfo) -> Any:
        if info.field_name not in UNCHECKED:
            refuse_controls(v, info.field_name in MULTILINE)
        return v

    @model_validator(mode="after")
    def _no_control_characters_in_extras(self) -> Any:
        for key, v in (
            self.model_extra or {}
        ).items():  # only models that allow extra fields have any
            refuse_controls(key, False)
            refuse_controls(v, key in MULTILINE)
        return self


class LoginIn(In):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    staff: dict[str, Any]
    csrf_token: str


class IssueTicketIn(In):
    service_id: int = Field(ge=1)
    priority: Priority = "normal"


class TicketOut(BaseModel):
    id: int
    public_id: str
    number: str
    state: str
    service_id: int
    priority: str
    window_id: int | None
    window_number: int | None
    first_window_id: int | None
    target_window_id: int | None
    recall_count: int
    transfer_count: int
    waiting_ahead: int
    issued_at: str
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    outcome: str | None
    print_state: Literal["queued", "printed", "failed"] | None
    case: dict[str, Any] | None = None


class ApplicantIn(In):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(
        pattern=r"^\+?[0-9][0-9 -]{5,24}$",
        description="kept for the case lookup (last four digits)",
    )
    notify: bool = Field(
        default=False,
        description="the applicant agrees to a text when the case is ready to collect",
    )


class FinishIn(In):
    outcome: Literal["done", "accepted", "refused", "parked"] = Field(
        default="done",
        description="done 即办件办结, accepted 受理 (opens a case), refused 不予受理, parked 补正",
    )
    reason: str | None = Field(default=None, max_length=500)
    applicant: ApplicantIn | None = Field(default=None, description="with accepted: the applicant")
    materials: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=30, description="with parked: the missing materials (一次性告知)"
    )
    note: str | None = Field(
        default=None, max_length=500, description="with parked: where and how to bring them"
    )


class ReasonIn(In):
    reason: str | None = Field(default=None, max_length=500)


class TransferIn(In):
    service_id: int | None = Field(default=None, ge=1)
    window_id: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=500)


class OpenWindowIn(In):
    staff_id: int | None = Field(
        default=None, ge=1, description="a supervisor may open the window for a clerk"
    )


class PauseIn(In):
    reason: Literal["lunch", "meeting", "field", "away"] = Field(
        description="lunch 午休, meeting 会议, field 外出勘察, away 离岗"
    )


class EvaluationIn(In):
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    reason: str | None = Field(default=None, max_length=500)


class SummaryQuery(In):
    model_config = ConfigDict(extra="ignore")
    from_: date = Field(alias="from")
    to: date
    by: Literal["service", "window", "staff", "day"] = "service"
    format: Literal["json", "csv", "xlsx"] = "json"
    lang: Literal["zh", "en"] = "zh"


class ItemsOut(BaseModel):
    items: list[dict[str, Any]]


class DepartmentIn(In):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=40)
    name_en: str = Field(default="", max_length=200)
    short_name: str = Field(default="", max_length=60)
    sort: int = 0
    active: bool = True


class DepartmentPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name_en: str | None = Field(default=None, max_length=200)
    short_name: str | None = Field(default=None, max_length=60)
    sort: int | None = None
    active: bool | None = None


Mode = Literal["instant", "promised", "joint", "agency"]


class Disclosure(In):
    model_config = ConfigDict(extra="allow")
    basis: str = ""
    conditions: str = ""
    materials: list[str] = []
    procedure: list[str] = []
    time_limit: str = ""
    fees: str = ""
    # English guide, shown in English mode; an empty field falls back to the Chinese one
    basis_en: str = ""
    conditions_en: str = ""
    materials_en: list[str] = []
    procedure_en: list[str] = []
    time_limit_en: str = ""
    fees_en: str = ""


class ServiceIn(In):
    department_id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=200)
    prefix: str = Field(min_length=1, max_length=1, description="one capital letter; not E, I or O")
    code: str | None = Field(default=None, max_length=40)
    name_en: str = Field(default="", max_length=200)
    mode: Mode = "instant"
    handling: Mode | None = Field(
        default=None, description="the hall's way of handling the item; wins over mode"
    )
    promised_days: int = Field(default=0, ge=0, le=365)
    daily_cap: int | None = Field(default=None, ge=1)
    expected_service_min: int = Field(default=10, ge=1, le=600)
    wait_threshold_min: int = Field(default=30, ge=1, le=600)
    needs_consult: bool = False
    sort: int = 0
    active: bool = True
    disclosure: Disclosure = Field(default_factory=Disclosure)
    hours: dict[str, list[list[str]]] = Field(
        default_factory=dict,
        description='the item\'s own hours, {"mon": [["09:00", "12:00"]]}; empty: the hall\'s',
    )

    @field_validator("prefix")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class ServicePatch(In):
    department_id: int | None = Field(default=None, ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    prefix: str | None = Field(default=None, min_length=1, max_length=1)
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name_en: str | None = Field(default=None, max_length=200)
    mode: Mode | None = None
    handling: Mode | None = None
    promised_days: int | None = Field(default=None, ge=0, le=365)
    daily_cap: int | None = Field(default=None, ge=1)
    expected_service_min: int | None = Field(default=None, ge=1, le=600)
    wait_threshold_min: int | None = Field(default=None, ge=1, le=600)
    needs_consult: bool | None = None
    sort: int | None = None
    active: bool | None = None
    disclosure: Disclosure | None = None
    hours: dict[str, list[list[str]]] | None = None

    @field_validator("prefix")
    @classmethod
    def _upper(cls, v: str | None) -> str | None:
        return v.upper() if v else v


class WindowServiceIn(In):
    service_id: int = Field(ge=1)
    weight: int = Field(default=5, ge=1, le=10)


WindowKind = Literal["normal", "comprehensive", "green", "consulting"]


class WindowIn(In):
    number: int = Field(ge=1, le=9999)
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=100)
    kind: WindowKind = "normal"
    marquee: str = Field(default="", max_length=300)
    active: bool = True
    services: list[WindowServiceIn] = []
    service_ids: list[int] | None = Field(
        default=None,
        description="the items served, each at weight 5 "
        "(the shape GET /windows answers); or give `services` with weights",
    )
    staff_ids: list[int] = []

    @model_validator(mode="after")
    def _plain_ids(self) -> Any:
        return _services_from_ids(self)


def _services_from_ids(m: Any) -> Any:
    """`service_ids` is the plain form of `services` (weight 5 each); give one or the other."""
    if m.service_ids is not None:
        if "services" in m.model_fields_set:
            raise ValueError("give either services (with weights) or service_ids, not both")
        m.services = [WindowServiceIn(service_id=i) for i in m.service_ids]
    return m


class WindowPatch(In):
    number: int | None = Field(default=None, ge=1, le=9999)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    name_en: str | None = Field(default=None, max_length=100)
    kind: WindowKind | None = None
    marquee: str | None = Field(default=None, max_length=300)
    active: bool | None = None
    services: list[WindowServiceIn] | None = None
    service_ids: list[int] | None = Field(
        default=None, description="the items served, each at weight 5"
    )
    staff_ids: list[int] | None = None

    @model_validator(mode="after")
    def _plain_ids(self) -> Any:
        return _services_from_ids(self)


Role = Literal["clerk", "supervisor", "admin"]


class StaffIn(In):
    username: str = Field(min_length=2, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=100)
    role: Role = "clerk"
    badge: str = Field(default="", max_length=40)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    window_ids: list[int] = []
    active: bool = True


class StaffPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    badge: str | None = Field(default=None, max_length=40)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    window_ids: list[int] | None = None
    active: bool | None = None


DeviceKind = Literal["kiosk", "display", "announcer", "evaluator", "printer"]
PaperMm = Literal[58, 80]
TicketLang = Literal["zh", "en", "zh+en"]
TICKET_LANG_HELP = "ticket language: zh, en, or zh+en (each Chinese line with its English beneath)"


class DeviceIn(In):
    name: str = Field(min_length=1, max_length=100)
    kind: DeviceKind
    window_id: int | None = Field(default=None, ge=1)
    printer_url: str | None = Field(default=None, max_length=300)
    active: bool = True
    paper_mm: PaperMm = Field(default=80, description="a kiosk's paper width in mm")
    ticket_lang: TicketLang = Field(default="zh+en", description=TICKET_LANG_HELP)


class DevicePatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    window_id: int | None = Field(default=None, ge=1)
    printer_url: str | None = Field(default=None, max_length=300)
    active: bool | None = None
    rotate_token: bool = False
    paper_mm: PaperMm | None = Field(default=None, description="a kiosk's paper width in mm")
    ticket_lang: TicketLang | None = Field(default=None, description=TICKET_LANG_HELP)

    @field_validator("paper_mm", "ticket_lang")
    @classmethod
    def _given_not_null(cls, v: Any) -> Any:
        # Runs only on values sent (defaults are not validated): null is not a paper width.
        if v is None:
            raise ValueError("may not be null; leave the field out to keep it")
        return v
