"""Figures that mean what the hall means (issue 18, item 5): 好评率, 差评率, 满意率 by the hall's setting,
转入 and 转出 apart, and the first-ask window keeping its handling time after a transfer."""

from __future__ import annotations

from tests.app.ratingkit import phone, visit
from tests.conftest import Hall

DAY = "2026-11-30"


def _rows(hall: Hall, by: str) -> dict:
    r = hall.client("super").get(f"/api/v1/reports/table?from={DAY}&to={DAY}&by={by}")
    assert r.status_code == 200, r.get_json()
    return {row["key"]: row for row in r.get_json()["items"]}


def test_good_bad_and_satisfaction_rates_follow_the_halls_definition(hall: Hall) -> None:
    for level in (5, 4, 3, 2, 1):
        t = visit(hall)
        assert phone(hall, t, {"level": level, "reason": "原因"}).status_code == 201
    w1 = _rows(hall, "window")[hall.ids["w1"]]
    assert (w1["evaluations"], w1["good_rate"], w1["bad_rate"], w1["satisfaction_rate"]) == (
        5,
        0.4,
        0.4,
        0.4,
    )
    summary = (
        hall.client("super")
        .get(f"/api/v1/reports/summary?from={DAY}&to={DAY}&by=window")
        .get_json()
    )
    assert (
        summary["items"][0]["satisfaction_rate"] == 0.4
    )  # API.md: levels 4 and 5, unless the hall says more
    assert (
        hall.client("admin")
        .patch("/api/v1/settings/ratings", json={"satisfaction_counts_basic": True})
        .get_json()["satisfaction_definition"]
        == "满意率 =（非常满意 + 满意 + 基本满意）÷ 评价数"
    )
    w1 = _rows(hall, "window")[hall.ids["w1"]]
    assert (w1["satisfied"], w1["satisfaction_rate"], w1["good_rate"]) == (3, 0.6, 0.4)


def test_a_transfer_counts_out_where_it_left_and_in_where_it_was_called_and_keeps_the_first_windows_time(
    hall: Hall,
) -> None:
    ids = hall.ids
    t = visit(hall, window=1, finish=False)  # item A at window 1, being served
    hall.clock.advance(seconds=180)
    r = hall.client("clerk1").post(
        f"/api/v1/tickets/{t['id']}/transfer", json={"service_id": ids["B"]}
    )
    assert r.status_code == 200, r.get_json()
    c2 = hall.client("clerk2")
    c2.post(f"/api/v1/windows/{ids['w2']}/open", json={})
    assert c2.post(f"/api/v1/windows/{ids['w2']}/call-next").get_json()["id"] == t["id"]
    c2.post(f"/api/v1/tickets/{t['id']}/start")
    hall.clock.advance(seconds=120)
    assert c2.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"}).status_code == 200

    win = _rows(hall, "window")
    assert (win[ids["w1"]]["transferred_out"], win[ids["w1"]]["transferred_in"]) == (1, 0)
    assert (win[ids["w2"]]["transferred_out"], win[ids["w2"]]["transferred_in"]) == (0, 1)
    assert (
        win[ids["w1"]]["service_avg_s"] == 180.0
    )  # its 3 minutes of work did not vanish with the transfer
    assert win[ids["w2"]]["service_avg_s"] == 120.0
    staff = _rows(hall, "staff")
    assert (staff[ids["clerk1"]]["transferred_out"], staff[ids["clerk2"]]["transferred_in"]) == (
        1,
        1,
    )
    items = _rows(hall, "service")
    assert (items[ids["A"]]["transferred_out"], items[ids["A"]]["transferred_in"]) == (1, 0)
    assert (items[ids["B"]]["transferred_out"], items[ids["B"]]["transferred_in"]) == (0, 1)
    depts = _rows(hall, "department")
    assert (depts[ids["dept1"]]["transferred_out"], depts[ids["dept2"]]["transferred_in"]) == (1, 1)
    day = _rows(hall, "day")[DAY]
    assert (day["transferred_in"], day["transferred_out"], day["transferred"]) == (1, 1, 1)
