"""差评 handled to the end (issue 18, item 2): working-day clocks, 回访, 申诉, overdue alerts."""

from __future__ import annotations

from tests.app.ratingkit import advance, phone, visit
from tests.conftest import Hall


def _bad(hall: Hall, level: int = 2) -> tuple[dict, int]:
    t = visit(hall)
    r = phone(hall, t, {"level": level, "reason": "等候时间长"})
    assert r.status_code == 201, r.get_json()
    return t, r.get_json()["id"]


def test_an_unanswered_bad_rating_becomes_overdue_step_by_step_and_raises_each_alert_once(
    hall: Hall,
) -> None:
    from server.services.oversight import alerts

    t, rid = _bad(hall)  # Monday 2026-11-30: 回访 by Tuesday, 整改反馈 by Monday 12-07
    sup = hall.client("super")
    assert sup.get("/api/v1/rectifications?overdue=true").get_json()["items"] == []
    advance(hall, days=1)  # Tuesday: still in time
    assert sup.get("/api/v1/rectifications?overdue=true").get_json()["items"] == []
    advance(hall, days=1)  # Wednesday: the 回访 is late
    sup = hall.client("super")
    late = sup.get("/api/v1/rectifications?overdue=true").get_json()["items"]
    assert [(r["id"], r["overdue"], r["callback_due"]) for r in late] == [
        (rid, ["callback"], "2026-12-01")
    ]
    raised = alerts.check(hall.ctx)
    assert [(a["kind"], a["data"]["number"]) for a in raised if a["kind"].endswith("_overdue")] == [
        ("callback_overdue", t["number"])
    ]
    shown = [
        a["message"]
        for a in sup.get("/api/v1/monitor").get_json()["alerts"]
        if a["kind"] == "callback_overdue"
    ]
    assert shown == [f"{t['number']}的差评（不满意）回访已超期（期限2026-12-01）"]
    assert not [a for a in alerts.check(hall.ctx) if a["kind"].endswith("_overdue")]  # once only
    monitor_rows = sup.get("/api/v1/monitor").get_json()["rectifications"]
    assert [(r["id"], r["overdue"]) for r in monitor_rows] == [(rid, ["callback"])]

    r = sup.post(
        f"/api/v1/rectifications/{rid}/callback", json={"accepted": False, "note": "群众仍不满意"}
    )
    assert r.status_code == 200 and r.get_json()["overdue"] == []
    assert [(c["by_name"], c["accepted"], c["note"]) for c in r.get_json()["callbacks"]] == [
        ("super", False, "群众仍不满意")
    ]
    advance(hall, days=5)  # Monday 12-07 is the 整改反馈 day: still in time
    assert hall.client("super").get("/api/v1/rectifications?overdue=true").get_json()["items"] == []
    advance(hall, days=1)  # Tuesday 12-08: late
    late = hall.client("super").get("/api/v1/rectifications?overdue=true").get_json()["items"]
    assert [(r["id"], r["overdue"]) for r in late] == [(rid, ["feedback"])]
    assert [a["kind"] for a in alerts.check(hall.ctx) if a["kind"].endswith("_overdue")] == [
        "feedback_overdue"
    ]
    sup = hall.client("super")
    assert (
        sup.patch(
            f"/api/v1/rectifications/{rid}", json={"status": "done", "note": "已培训"}
        ).status_code
        == 200
    )
    assert hall.client("super").get("/api/v1/rectifications?overdue=true").get_json()["items"] == []


def test_a_done_rectification_reopens_only_when_the_visitor_called_back_does_not_accept(
    hall: Hall,
) -> None:
    _, rid = _bad(hall)
    sup = hall.client("super")
    assert (
        sup.patch(
            f"/api/v1/rectifications/{rid}", json={"status": "done", "note": "已培训"}
        ).status_code
        == 200
    )
    r = sup.patch(f"/api/v1/rectifications/{rid}", json={"status": "in_progress", "note": "再看看"})
    assert r.status_code == 409 and r.get_json()["error"]["reason"] == "reopen_needs_callback"
    sup.post(f"/api/v1/rectifications/{rid}/callback", json={"accepted": False, "note": "仍不满意"})
    assert (
        sup.patch(
            f"/api/v1/rectifications/{rid}", json={"status": "in_progress", "note": "再整改"}
        ).status_code
        == 200
    )
    sup.post(f"/api/v1/rectifications/{rid}/callback", json={"accepted": True, "note": "接受"})
    closed = sup.patch(
        f"/api/v1/rectifications/{rid}", json={"status": "closed", "note": "回访满意"}
    )
    assert closed.status_code == 200
    again = sup.post(f"/api/v1/rectifications/{rid}/callback", json={"accepted": True, "note": "x"})
    assert again.status_code == 409


def test_the_rated_clerk_appeals_once_and_another_person_decides(hall: Hall) -> None:
    _, rid = _bad(hall)
    assert (
        hall.client("clerk2")
        .post(f"/api/v1/rectifications/{rid}/appeal", json={"reason": "x"})
        .status_code
        == 403
    )
    r = hall.client("clerk1").post(
        f"/api/v1/rectifications/{rid}/appeal", json={"reason": "群众未带材料，已一次性告知"}
    )
    assert r.status_code == 200 and r.get_json()["appeal"]["by_name"] == "clerk1"
    assert r.get_json()["appeal"]["decision"] is None
    twice = hall.client("clerk1").post(
        f"/api/v1/rectifications/{rid}/appeal", json={"reason": "再申诉"}
    )
    assert twice.status_code == 409 and twice.get_json()["error"]["reason"] == "appeal_exists"
    assert (
        hall.client("clerk1")
        .post(f"/api/v1/rectifications/{rid}/appeal/decision", json={"upheld": True, "note": "x"})
        .status_code
        == 403
    )
    d = hall.client("super").post(
        f"/api/v1/rectifications/{rid}/appeal/decision",
        json={"upheld": True, "note": "查看录像属实"},
    )
    assert d.status_code == 200
    assert (d.get_json()["appeal"]["decision"], d.get_json()["appeal"]["decided_by"]) == (
        "upheld",
        "super",
    )
    assert (
        hall.client("admin")
        .post(
            f"/api/v1/rectifications/{rid}/appeal/decision", json={"upheld": False, "note": "改判"}
        )
        .status_code
        == 409
    )
    steps = [h.get("step") for h in d.get_json()["history"]]
    assert steps == ["appeal", "appeal_upheld"]


def test_a_bad_rating_alert_says_the_level_in_words(hall: Hall) -> None:
    from server.services.oversight import alerts

    _bad(hall, level=1)
    raised = [a for a in alerts.check(hall.ctx) if a["kind"] == "bad_rating"]
    assert len(raised) == 1 and "差评（非常不满意）" in raised[0]["message"]
