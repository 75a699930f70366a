"""Ratings from phones, rectification steps, complaints, manual assessment scores, their settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from ..services.access.principal import Principal
from ..services.oversight import assessment_scores
from ..services.ratings import complaints, phone_rating, rating_settings, rectification_steps
from . import ratelimit
from .core import ANY, PUBLIC, Api, ctx
from .schemas import EvaluationIn, In, ItemsOut

SUPERVISORS = ("supervisor", "admin")


class PhoneEvaluationIn(EvaluationIn):
    subject: Literal["visit", "case"] = Field(
        default="visit",
        description="visit: the visit at the counter; case: the case it opened, once delivered",
    )


class ComplaintIn(In):
    category: Literal["complaint", "suggestion", "consultation"] = Field(
        description="complaint 投诉, suggestion 建议 or consultation 咨询"
    )
    content: str = Field(min_length=2, max_length=2000)
    phone: str | None = Field(
        default=None, max_length=40, description="for the call back; always shown masked"
    )
    ticket: str | None = Field(
        default=None, max_length=32, description="the public id of the visitor's ticket"
    )
    department_id: int | None = Field(
        default=None, ge=1, description="the department it concerns (kiosk); routes it there"
    )


class StaffComplaintIn(In):
    category: Literal["complaint", "suggestion", "consultation"]
    content: str = Field(min_length=2, max_length=2000)
    phone: str | None = Field(default=None, max_length=40)
    source: Literal["call", "letter"] = Field(description="call 来电 or letter 来信")
    department_id: int | None = Field(default=None, ge=1)


class ComplaintsQuery(In):
    model_config = ConfigDict(extra="ignore")
    state: Literal["received", "assigned", "replied", "closed"] | None = None
    late: bool = False


class AssignIn(In):
    department_id: int = Field(ge=1)


class ReplyIn(In):
    reply: str = Field(min_length=1, max_length=2000)


class CloseIn(In):
    note: str | None = Field(default=None, max_length=500)


class CallbackIn(In):
    accepted: bool = Field(description="whether the visitor accepts the explanation")
    note: str = Field(min_length=1, max_length=500, description="what the visitor said")


class AppealIn(In):
    reason: str = Field(min_length=1, max_length=500)


class AppealDecisionIn(In):
    upheld: bool
    note: str = Field(min_length=1, max_length=500)


class RatingSettingsIn(In):
    rating_period_days: int | None = Field(default=None, ge=1, le=60)
    callback_days: int | None = Field(default=None, ge=1, le=30)
    feedback_days: int | None = Field(default=None, ge=1, le=60)
    complaint_reply_days: int | None = Field(default=None, ge=1, le=60)
    supervision_phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+\- ]*$")
    satisfaction_counts_basic: bool | None = None


class Subject(In):
    kind: Literal["window", "staff", "department"]
    id: int = Field(ge=1)


class ScoreIn(In):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    subject: Subject
    rater: Literal["center", "department"] = Field(
        description="center 中心负责人 or department 单位窗口管理人员"
    )
    score: int = Field(ge=0, le=100)
    comment: str = Field(min_length=1, max_length=500)


class ScoresQuery(In):
    model_config = ConfigDict(extra="ignore")
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def register(api: Api) -> None:
    """Add the endpoints of issue 18."""

    @api.public(
        "/public/tickets/<public_id>/evaluation",
        "POST",
        body=PhoneEvaluationIn,
        status=201,
        budget=ratelimit.public_write("rating"),
        errors=(404, 409, 422),
    )
    def public_evaluation(
        who: Principal | None, public_id: str, body: PhoneEvaluationIn
    ) -> dict[str, Any]:
        """Rate a finished visit from its ticket's page, or with `subject: case` the case it opened once delivered: once per visit and once per case on any channel, within the hall's period."""
        return phone_rating.evaluate(ctx(), public_id, body.level, body.reason, body.subject)

    @api.public(
        "/public/complaints",
        "POST",
        body=ComplaintIn,
        status=201,
        budget=ratelimit.public_write("complaint"),
        errors=(422,),
    )
    def public_complaint(who: Principal | None, body: ComplaintIn) -> dict[str, Any]:
        """File a complaint or suggestion (phone page, kiosk); answers its number and the link to the reply."""
        return complaints.submit_public(
            ctx(), who, body.category, body.content, body.phone, body.ticket, body.department_id
        )

    @api.route("/public/complaints/<public_id>", auth=PUBLIC, tag="public", errors=(404,))
    def public_complaint_view(who: Principal | None, public_id: str) -> dict[str, Any]:
        """A complaint as its author sees it: state, deadline and the reply."""
        return complaints.public_view(ctx(), public_id)

    @api.route(
        "/complaints", query=ComplaintsQuery, response=ItemsOut, auth=SUPERVISORS, tag="complaints"
    )
    def list_complaints(who: Principal, query: ComplaintsQuery) -> dict[str, Any]:
        """Complaints and suggestions, newest first (phone numbers masked); `late=true` for those past due."""
        return {"items": complaints.listing(ctx(), who, query.state, query.late)}

    @api.route(
        "/complaints",
        "POST",
        body=StaffComplaintIn,
        auth=SUPERVISORS,
        status=201,
        tag="complaints",
        errors=(422,),
    )
    def enter_complaint(who: Principal, body: StaffComplaintIn) -> dict[str, Any]:
        """Enter a complaint that came by phone call or letter."""
        return complaints.enter(
            ctx(), who, body.category, body.content, body.phone, body.source, body.department_id
        )

    @api.route(
        "/complaints/<int:complaint_id>/assign",
        "POST",
        body=AssignIn,
        auth=SUPERVISORS,
        tag="complaints",
        errors=(404, 409, 422),
    )
    def assign_complaint(who: Principal, complaint_id: int, body: AssignIn) -> dict[str, Any]:
        """Route a complaint to the department that answers it."""
        return complaints.assign(ctx(), who, complaint_id, body.department_id)

    @api.route(
        "/complaints/<int:complaint_id>/reply",
        "POST",
        body=ReplyIn,
        auth=SUPERVISORS,
        tag="complaints",
        errors=(404, 409, 422),
    )
    def reply_complaint(who: Principal, complaint_id: int, body: ReplyIn) -> dict[str, Any]:
        """Answer a complaint; the visitor reads it on their link."""
        return complaints.reply(ctx(), who, complaint_id, body.reply)

    @api.route(
        "/complaints/<int:complaint_id>/close",
        "POST",
        body=CloseIn,
        auth=SUPERVISORS,
        tag="complaints",
        errors=(404, 409, 422),
    )
    def close_complaint(who: Principal, complaint_id: int, body: CloseIn) -> dict[str, Any]:
        """Close a complaint (after its reply, or with a reason)."""
        return complaints.close(ctx(), who, complaint_id, body.note)

    @api.route(
        "/rectifications/<int:rating_id>/callback",
        "POST",
        body=CallbackIn,
        auth=SUPERVISORS,
        tag="reports",
        errors=(404, 409, 422),
    )
    def rectification_callback(who: Principal, rating_id: int, body: CallbackIn) -> dict[str, Any]:
        """Record a 回访: what the visitor said and whether they accept the explanation."""
        return rectification_steps.callback(ctx(), who, rating_id, body.accepted, body.note)

    @api.route(
        "/rectifications/<int:rating_id>/appeal",
        "POST",
        body=AppealIn,
        auth=ANY,
        tag="reports",
        errors=(403, 404, 409, 422),
    )
    def rectification_appeal(who: Principal, rating_id: int, body: AppealIn) -> dict[str, Any]:
        """The rated clerk's 申诉 (once per rating)."""
        return rectification_steps.appeal(ctx(), who, rating_id, body.reason)

    @api.route(
        "/rectifications/<int:rating_id>/appeal/decision",
        "POST",
        body=AppealDecisionIn,
        auth=SUPERVISORS,
        tag="reports",
        errors=(403, 404, 409, 422),
    )
    def rectification_appeal_decision(
        who: Principal, rating_id: int, body: AppealDecisionIn
    ) -> dict[str, Any]:
        """A supervisor upholds or rejects a 申诉."""
        return rectification_steps.decide(ctx(), who, rating_id, body.upheld, body.note)

    @api.route("/settings/ratings", auth=SUPERVISORS, tag="admin")
    def get_rating_settings(who: Principal) -> dict[str, Any]:
        """Rating period, 回访 and 整改反馈 days, complaint reply days, 监督电话, what 满意率 counts."""
        return rating_settings.get(ctx(), who)

    @api.route(
        "/settings/ratings",
        "PATCH",
        body=RatingSettingsIn,
        auth="admin",
        tag="admin",
        errors=(422,),
    )
    def patch_rating_settings(who: Principal, body: RatingSettingsIn) -> dict[str, Any]:
        """Change the rating and complaint settings (admin)."""
        return rating_settings.update(ctx(), who, body.model_dump(exclude_none=True))

    @api.route(
        "/assessment/scores", "PUT", body=ScoreIn, auth=SUPERVISORS, tag="reports", errors=(422,)
    )
    def put_assessment_score(who: Principal, body: ScoreIn) -> dict[str, Any]:
        """Enter or replace a manual score (中心负责人评分 / 单位窗口管理人员评分) of a month, with its reason."""
        return assessment_scores.put(
            ctx(),
            who,
            body.month,
            body.subject.kind,
            body.subject.id,
            body.rater,
            body.score,
            body.comment,
        )

    @api.route(
        "/assessment/scores", query=ScoresQuery, response=ItemsOut, auth=SUPERVISORS, tag="reports"
    )
    def list_assessment_scores(who: Principal, query: ScoresQuery) -> dict[str, Any]:
        """The manual scores of a month."""
        return {"items": assessment_scores.listing(ctx(), who, query.month)}
