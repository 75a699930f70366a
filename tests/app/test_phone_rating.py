"""好差评 from the visitor's phone (issue 18, item 1): one rating per visit across channels."""

from __future__ import annotations

from datetime import date

from tests.app.ratingkit import advance, phone, relogin, visit
from tests.conftest import Hall


def test_a_visit_rated_on_the_phone_cannot_be_rated_again_on_either_channel(hall: Hall) -> None:
    t = visit(hall)
    r = phone(hall, t, {"level": 5})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["channel"], r.get_json()["label"]) == ("phone", "非常满意")
    again = phone(hall, t, {"level": 4})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_evaluated"
    counter = hall.client("eval1").post(
        f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 1, "reason": "x"}
    )
    assert counter.status_code == 409 and counter.get_json()["error"]["code"] == "already_evaluated"
    page = hall.app.test_client().get(f"/api/v1/public/tickets/{t['public_id']}").get_json()
    assert page["rating"]["open"] is False and page["rating"]["given"]["label"] == "非常满意"


def test_a_visit_rated_at_the_counter_cannot_be_rated_on_thephone(hall: Hall) -> None:
    t = visit(hall)
    assert (
        hall.client("eval1")
        .post(f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 4})
        .status_code
        == 201
    )
    r = phone(hall, t, {"level": 1, "reason": "态度差"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "already_evaluated"


def test_the_phone_rates_only_after_the_visit_ends_and_within_the_halls_period(hall: Hall) -> None:
    t = visit(hall, finish=False)
    early = phone(hall, t, {"level": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "evaluation_closed"
    assert (
        hall.app.test_client()
        .get(f"/api/v1/public/tickets/{t['public_id']}")
        .get_json()["rating"]["open"]
        is False
    )
    hall.client("clerk1").post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"})
    assert (
        hall.app.test_client()
        .get(f"/api/v1/public/tickets/{t['public_id']}")
        .get_json()["rating"]["open"]
        is True
    )
    hall.clock.advance(days=3, seconds=1)  # the default period is 3 days
    late = phone(hall, t, {"level": 5})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "evaluation_closed"
    relogin(hall, "admin")
    assert (
        hall.client("admin")
        .patch("/api/v1/settings/ratings", json={"rating_period_days": 5})
        .status_code
        == 200
    )
    assert phone(hall, t, {"level": 5}).status_code == 201


def test_a_bad_phone_rating_needs_a_reason_and_opens_a_rectification_with_working_day_clocks(
    hall: Hall,
) -> None:
    advance(hall, days=4)  # Friday 2026-12-04
    t = visit(hall)
    r = phone(hall, t, {"level": 2})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "reason"
    r = phone(hall, t, {"level": 2, "reason": "等候时间长；窗口无人"})
    assert r.status_code == 201
    # Friday's 差评: 回访 within 1 working day (Monday), 整改反馈 within 5 (next Friday)
    assert (r.get_json()["callback_due"], r.get_json()["feedback_due"]) == (
        "2026-12-07",
        "2026-12-11",
    )
    items = hall.client("super").get("/api/v1/rectifications").get_json()["items"]
    assert [(i["number"], i["channel"], i["rectification"]) for i in items] == [
        (t["number"], "phone", "open")
    ]


def test_the_halls_holidays_move_the_deadlines(hall: Hall) -> None:
    advance(hall, days=4)  # Friday 2026-12-04
    assert (
        hall.client("admin")
        .patch("/api/v1/settings", json={"holidays": ["2026-12-07"]})
        .status_code
        == 200
    )
    t = visit(hall)
    r = phone(hall, t, {"level": 1, "reason": "态度差"})
    assert r.get_json()["callback_due"] == "2026-12-08"
    assert date.fromisoformat(r.get_json()["feedback_due"]) == date(2026, 12, 14)


def test_one_address_cannot_flood_the_ratings(hall: Hall) -> None:
    hall.app.config["RATE_LIMIT_PUBLIC_WRITES"] = 3
    t = visit(hall)
    codes = [
        phone(hall, {"public_id": "nosuchticket1"}, {"level": 5}).status_code for _ in range(3)
    ]
    assert codes == [404, 404, 404]
    r = phone(hall, t, {"level": 5})
    assert (
        r.status_code == 429
        and r.get_json()["error"]["code"] == "rate_limited"
        and r.headers["Retry-After"]
    )
