"""办件送达后评价 (issue 18, item 1): once a case is delivered, the ticket's page rates the case, once per
case on any channel, within the hall's rating period from the delivery; the visit keeps its own rating."""

from __future__ import annotations

from typing import Any

from tests.app.casekit import accept, add_promised_item, post
from tests.app.ratingkit import advance, phone, visit
from tests.conftest import Hall


def _page(hall: Hall, t: dict[str, Any]) -> dict[str, Any]:
    r = hall.app.test_client().get(f"/api/v1/public/tickets/{t['public_id']}")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def _deliver(hall: Hall, case_id: int) -> None:
    for move, body in (("review", {}), ("approve", {}), ("deliver", {"method": "window"})):
        r = post(hall, "clerk1", f"/cases/{case_id}/{move}", body)
        assert r.status_code == 200, (move, r.get_json())


def test_a_delivered_case_is_rated_once_beside_the_visit_s_own_rating(hall: Hall) -> None:
    add_promised_item(hall)
    t = accept(hall)
    case = t["case"]
    page = _page(hall, t)
    assert page["case_rating"]["case_number"] == case["number"]
    assert page["case_rating"]["open"] is False and page["case_rating"]["given"] is None
    early = phone(hall, t, {"level": 5, "subject": "case"})  # not delivered yet
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "evaluation_closed"
    assert early.get_json()["error"]["reason"] == "not_delivered"
    assert phone(hall, t, {"level": 4}).status_code == 201  # the counter visit itself
    _deliver(hall, case["id"])
    page = _page(hall, t)
    assert page["case_rating"]["open"] is True and page["rating"]["given"]["level"] == 4
    no_reason = phone(hall, t, {"level": 2, "subject": "case"})
    assert no_reason.status_code == 422
    got = phone(hall, t, {"level": 2, "subject": "case", "reason": "办结后通知不及时"})
    assert got.status_code == 201, got.get_json()
    body = got.get_json()
    assert (body["case_id"], body["case_number"], body["channel"], body["rectification"]) == (
        case["id"],
        case["number"],
        "phone",
        "open",
    )
    again = phone(hall, t, {"level": 5, "subject": "case"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_evaluated"
    page = _page(hall, t)
    assert page["case_rating"]["open"] is False and page["case_rating"]["given"]["level"] == 2
    assert page["rating"]["given"]["level"] == 4  # the visit's rating is untouched
    # the case's rating counts for the window and clerk that accepted it; it opened its rectification
    rated = hall.client("super").get("/api/v1/reports/bad-ratings?from=2026-11-30&to=2026-11-30")
    [bad] = rated.get_json()["items"]
    assert (bad["id"], bad["window"], bad["case_number"]) == (body["id"], 1, case["number"])
    csv = hall.client("super").get(
        "/api/v1/reports/bad-ratings?from=2026-11-30&to=2026-11-30&format=csv"
    )
    header, row = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()[:2]
    assert "办件编号" in header.split(",") and case["number"] in row.split(",")


def test_a_case_is_rated_only_within_the_halls_period_after_delivery(hall: Hall) -> None:
    add_promised_item(hall)
    t = accept(hall)
    _deliver(hall, t["case"]["id"])
    advance(hall, days=3, seconds=1)  # the default period: 3 days from the delivery
    late = phone(hall, t, {"level": 5, "subject": "case"})
    assert late.status_code == 409 and late.get_json()["error"]["reason"] == "period_over"
    assert _page(hall, t)["case_rating"]["open"] is False


def test_a_visit_without_a_case_has_no_case_to_rate(hall: Hall) -> None:
    t = visit(hall)
    assert _page(hall, t)["case_rating"] is None
    r = phone(hall, t, {"level": 5, "subject": "case"})
    assert r.status_code == 404
    bad = phone(hall, t, {"level": 5, "subject": "window"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "subject"


def test_the_database_keeps_one_rating_per_case_when_two_channels_race(hall: Hall) -> None:
    """Both checks passed, both inserts reach the database: its unique index refuses the second."""
    import pytest
    from sqlalchemy import func, select

    from server.engine.errors import AlreadyEvaluated
    from server.services.ratings import evaluations
    from server.storage.models import Case, Evaluation, Site, Ticket

    add_promised_item(hall)
    t = accept(hall)
    _deliver(hall, t["case"]["id"])
    now = hall.clock.now()

    def insert(level: int, channel: str) -> None:
        with hall.ctx.uow() as uow:
            s = uow.session
            ticket = s.get_one(Ticket, t["id"])
            c = s.get_one(Case, t["case"]["id"])
            site = s.get_one(Site, ticket.site_id)
            evaluations.record(uow, site, ticket, level, None, now, channel, None, case=c)
            uow.commit()

    insert(5, "phone")
    with pytest.raises(AlreadyEvaluated):
        insert(4, "counter")
    # the visit's own rating is still free: the two rules are separate
    assert phone(hall, t, {"level": 3}).status_code == 201
    with hall.ctx.uow(write=False) as uow:
        n = uow.session.scalar(select(func.count()).select_from(Evaluation))
    assert n == 2


def _outcome(hall: Hall, t: dict[str, Any], lang: str = "zh") -> str:
    html = hall.app.test_client().get(f"/t/{t['public_id']}?lang={lang}").get_data(as_text=True)
    start = html.index('id="st-outcome"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)]


def test_the_ticket_page_says_what_became_of_the_case_not_still_under_way(hall: Hall) -> None:
    """The page of an accepted visit said 尚未办结 for good, even after the case was delivered."""
    add_promised_item(hall)
    t = accept(hall)
    assert "尚未办结" in _outcome(hall, t)
    case_id = t["case"]["id"]
    for move in ("review", "approve"):
        assert post(hall, "clerk1", f"/cases/{case_id}/{move}", {}).status_code == 200
    ready = _outcome(hall, t)
    assert "尚未办结" not in ready and "领取" in ready
    assert (
        post(hall, "clerk1", f"/cases/{case_id}/deliver", {"method": "window"}).status_code == 200
    )
    done = _outcome(hall, t)
    assert "尚未办结" not in done and "已送达" in done
    assert "delivered" in _outcome(hall, t, "en")
