"""Oversight endpoints: live monitor, alerts, reports with exports, assessment, audit log."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from ..services.access import audit
from ..services.access.principal import Principal
from ..services.oversight import alerts, assessment, exports, monitor, reports, scorecard
from ..services.ratings import rectification
from .core import Api, ctx
from .schemas import In, ItemsOut

SUPERVISORS = ("supervisor", "admin")
Format = Literal["json", "csv", "xlsx"]
Lang = Literal["zh", "en"]


class RangeQuery(In):
    model_config = ConfigDict(extra="ignore")
    from_: date = Field(alias="from")
    to: date
    format: Format = "json"
    lang: Lang = Field(default="zh", description="language of an export's headers and words")


class TableQuery(RangeQuery):
    by: Literal["service", "department", "window", "staff", "day", "hour"] = "service"


class AssessmentQuery(In):
    model_config = ConfigDict(extra="ignore")
    month: str | None = Field(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM"
    )
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    format: Format = "json"
    lang: Lang = "zh"
    by: Literal["window", "staff", "department"] = "window"
    w_efficiency: float | None = Field(default=None, ge=0, le=1000)
    w_satisfaction: float | None = Field(default=None, ge=0, le=1000)
    w_discipline: float | None = Field(default=None, ge=0, le=1000)
    w_volume: float | None = Field(default=None, ge=0, le=1000)
    w_center: float | None = Field(default=None, ge=0, le=1000)
    w_department: float | None = Field(default=None, ge=0, le=1000)
    w_items: float | None = Field(default=None, ge=0, le=1000)
    w_staffing: float | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def _range(self) -> AssessmentQuery:
        if self.month is None and (self.from_ is None or self.to is None):
            raise ValueError("give month=YYYY-MM, or from and to")
        return self


class WeightsIn(In):
    efficiency: float = Field(ge=0, le=1000)
    satisfaction: float = Field(ge=0, le=1000)
    discipline: float = Field(ge=0, le=1000)
    volume: float = Field(ge=0, le=1000)
    center: float | None = Field(default=None, ge=0, le=1000)
    department: float | None = Field(default=None, ge=0, le=1000)
    items: float | None = Field(default=None, ge=0, le=1000)
    staffing: float | None = Field(default=None, ge=0, le=1000)


class RectificationIn(In):
    status: Literal["in_progress", "done", "closed"] = Field(
        description="in_progress 整改中, done 已整改 (a note says what was done), closed 已关闭 (a note says why)"
    )
    note: str | None = Field(default=None, max_length=500)


class AlertsQuery(In):
    model_config = ConfigDict(extra="ignore")
    day: date | None = None
    open: bool = False


class AuditQuery(In):
    model_config = ConfigDict(extra="ignore")
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    actor: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=60)
    q: str | None = Field(default=None, max_length=100)
    before_id: int | None = None
    limit: int = Field(default=100, ge=1, le=1000)
    format: Format = "json"
    lang: Lang = "zh"


AUDIT_COLUMNS = (
    "id",
    "local",
    "actor_kind",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "method",
    "path",
    "target",
    "status",
    "ip",
    "user_agent",
)
HEATMAP_COLUMNS = ("weekday", "hour", "arrivals", "days", "per_day")
BAD_COLUMNS = (
    "id",
    "day",
    "number",
    "case_number",
    "service",
    "window",
    "staff",
    "level",
    "reason",
    "channel",
    "rectification",
    "callback_due",
    "feedback_due",
    "rectification_note",
    "rectified_by",
    "rectified_at",
)


def export(
    rows: list[dict[str, Any]],
    fmt: str,
    columns: tuple[str, ...],
    stem: str,
    extra: dict[str, Any] | None = None,
    lang: str = "zh",
) -> Any:
    """JSON `{"items": rows, ...}`, or the same rows as CSV or XLSX with one header row, in Chinese
    (or English with lang=en): services/oversight/exports.py."""
    if fmt in ("csv", "xlsx"):
        return exports.file_response(rows, fmt, columns, stem, lang)
    return {"items": rows, **(extra or {})}


def register(api: Api) -> None:
    """Add the oversight endpoints to the API."""

    @api.route("/monitor", auth=SUPERVISORS, tag="oversight")
    def get_monitor(who: Principal) -> dict[str, Any]:
        """Live monitor: queues vs thresholds, windows with clerk, ticket and times, today's alerts."""
        return monitor.monitor(ctx(), who)

    @api.route("/alerts", query=AlertsQuery, response=ItemsOut, auth=SUPERVISORS, tag="oversight")
    def list_alerts(who: Principal, query: AlertsQuery) -> dict[str, Any]:
        """Alerts of a day (default: every day), newest first; `open=true` for unacknowledged ones."""
        return {"items": alerts.list_alerts(ctx(), who, query.day, query.open)}

    @api.route(
        "/alerts/<int:alert_id>/ack", "POST", auth=SUPERVISORS, tag="oversight", errors=(404, 409)
    )
    def acknowledge_alert(who: Principal, alert_id: int) -> dict[str, Any]:
        """Acknowledge an alert (pushes `alert.acknowledged`)."""
        return alerts.acknowledge(ctx(), who, alert_id)

    @api.route(
        "/reports/table", query=TableQuery, response=ItemsOut, auth=SUPERVISORS, tag="reports"
    )
    def report_table(who: Principal, query: TableQuery) -> Any:
        """The summary with every figure, also by department or hour; csv/xlsx with `format=`."""
        rows = reports.summary(ctx(), who, query.from_, query.to, query.by)
        return export(
            rows,
            query.format,
            reports.COLUMNS,
            f"report-{query.by}-{query.from_}-{query.to}",
            lang=query.lang,
        )

    @api.route(
        "/reports/heatmap", query=RangeQuery, response=ItemsOut, auth=SUPERVISORS, tag="reports"
    )
    def report_heatmap(who: Principal, query: RangeQuery) -> Any:
        """Arrivals per weekday and hour."""
        rows = reports.heatmap(ctx(), who, query.from_, query.to)
        return export(
            rows,
            query.format,
            HEATMAP_COLUMNS,
            f"heatmap-{query.from_}-{query.to}",
            lang=query.lang,
        )

    @api.route(
        "/reports/bad-ratings", query=RangeQuery, response=ItemsOut, auth=SUPERVISORS, tag="reports"
    )
    def report_bad_ratings(who: Principal, query: RangeQuery) -> Any:
        """Bad ratings with their rectification status."""
        rows = reports.bad_ratings(ctx(), who, query.from_, query.to)
        return export(
            rows, query.format, BAD_COLUMNS, f"ratings-{query.from_}-{query.to}", lang=query.lang
        )

    @api.route(
        "/rectifications/<int:rating_id>",
        "PATCH",
        body=RectificationIn,
        auth=SUPERVISORS,
        tag="reports",
        errors=(404, 409, 422),
    )
    def update_rectification(
        who: Principal, rating_id: int, body: RectificationIn
    ) -> dict[str, Any]:
        """Move a bad rating's rectification on (整改); who and when are kept, the change is audited."""
        return rectification.update(ctx(), who, rating_id, body.status, body.note)

    @api.route(
        "/reports/assessment",
        query=AssessmentQuery,
        response=ItemsOut,
        auth=SUPERVISORS,
        tag="reports",
        errors=(422,),
    )
    def report_assessment(who: Principal, query: AssessmentQuery) -> Any:
        """The monthly 量化考核 per window, clerk or department: components, manual scores, weights and
        how each score was computed (`explain`)."""
        given = {k: getattr(query, "w_" + k) for k in assessment.COMPONENTS}
        if query.month is not None:
            start, end = scorecard.month_span(query.month)
        else:
            assert query.from_ is not None and query.to is not None
            start, end = query.from_, query.to
        out = scorecard.assess(ctx(), who, start, end, query.by, given, query.month, query.lang)
        return export(
            out["items"],
            query.format,
            scorecard.COLUMNS,
            f"assessment-{query.by}-{start}-{end}",
            {k: out[k] for k in ("weights", "formula", "month", "from", "to")},
            query.lang,
        )

    @api.route("/reports/assessment/weights", "PUT", body=WeightsIn, auth="admin", tag="reports")
    def save_assessment_weights(who: Principal, body: WeightsIn) -> dict[str, Any]:
        """Save the hall's default assessment weights (admin)."""
        return {"weights": assessment.save_weights(ctx(), who, body.model_dump(exclude_none=True))}

    @api.route("/audit", query=AuditQuery, response=ItemsOut, auth=SUPERVISORS, tag="oversight")
    def search_audit(who: Principal, query: AuditQuery) -> Any:
        """The audit log, newest first: filter by days, actor, action, text; page with before_id."""
        rows = audit.search(
            ctx(),
            who,
            start=query.from_,
            end=query.to,
            actor=query.actor,
            action=query.action,
            text=query.q,
            before_id=query.before_id,
            limit=query.limit,
        )
        return export(
            rows,
            query.format,
            AUDIT_COLUMNS,
            f"audit-{query.from_ or 'all'}-{query.to or 'all'}",
            lang=query.lang,
        )
