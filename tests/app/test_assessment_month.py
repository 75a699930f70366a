"""The monthly 量化考核 (issue 18, item 4): manual scores, discipline from the window's own conduct,
departments, and every score explained."""

from __future__ import annotations

from tests.app.ratingkit import phone
from tests.conftest import Hall

MONTH = "2026-11"
HOURS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def _post(hall: Hall, who: str, path: str, body: dict | None = None, status: int = 200) -> dict:
    r = hall.client(who).post("/api/v1" + path, json=body if body is not None else {})
    assert r.status_code == status, (path, r.get_json())
    return r.get_json()


def play_day(hall: Hall) -> dict[str, dict]:
    """Monday 2026-11-30. Window 1 (clerk1) opens on time, serves A in its 10 standard minutes, calls a
    visitor who never comes (过号) and is rated 满意. Window 2 (clerk2) opens 20 minutes late, serves B
    in 20 minutes against 10, pauses 40 minutes (10 beyond the allowance) and gets a 不满意 that its
    clerk appeals successfully."""
    ids = hall.ids
    assert hall.client("admin").patch("/api/v1/settings", json={"hours": HOURS}).status_code == 200
    kiosk = hall.client("kiosk")
    a1 = kiosk.post("/api/v1/tickets", json={"service_id": ids["A"]}).get_json()
    a2 = kiosk.post("/api/v1/tickets", json={"service_id": ids["A"]}).get_json()
    b1 = kiosk.post("/api/v1/tickets", json={"service_id": ids["B"]}).get_json()
    _post(hall, "clerk1", f"/windows/{ids['w1']}/open")  # 09:00
    assert _post(hall, "clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a1["id"]
    _post(hall, "clerk1", f"/tickets/{a1['id']}/start")
    hall.clock.advance(minutes=10)
    _post(hall, "clerk1", f"/tickets/{a1['id']}/finish", {"outcome": "done"})
    assert _post(hall, "clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a2["id"]
    _post(hall, "clerk1", f"/tickets/{a2['id']}/no-show")
    assert phone(hall, a1, {"level": 4}).status_code == 201
    hall.clock.advance(minutes=10)  # 09:20
    _post(hall, "clerk2", f"/windows/{ids['w2']}/open")
    assert _post(hall, "clerk2", f"/windows/{ids['w2']}/call-next")["id"] == b1["id"]
    _post(hall, "clerk2", f"/tickets/{b1['id']}/start")
    hall.clock.advance(minutes=20)
    _post(hall, "clerk2", f"/tickets/{b1['id']}/finish", {"outcome": "done"})
    bad = phone(hall, b1, {"level": 2, "reason": "办理慢"}).get_json()
    hall.clock.advance(minutes=10)  # 09:50
    _post(hall, "clerk2", f"/windows/{ids['w2']}/pause", {"reason": "meeting"})
    hall.clock.advance(minutes=40)  # 10:30
    _post(hall, "clerk2", f"/windows/{ids['w2']}/resume")
    _post(
        hall,
        "clerk2",
        f"/rectifications/{bad['id']}/appeal",
        {"reason": "群众材料不全，已一次性告知"},
    )
    _post(
        hall,
        "super",
        f"/rectifications/{bad['id']}/appeal/decision",
        {"upheld": True, "note": "录像核实"},
    )
    hall.clock.advance(minutes=30)  # 11:00
    _post(hall, "clerk2", f"/windows/{ids['w2']}/close")
    _post(hall, "clerk1", f"/windows/{ids['w1']}/close")  # window 1: open 09:00-11:00
    return {"a1": a1, "b1": b1}


def put_score(
    hall: Hall, kind: str, subject: int, rater: str, score: int, comment: str = "服务规范"
) -> None:
    r = hall.client("super").put(
        "/api/v1/assessment/scores",
        json={
            "month": MONTH,
            "subject": {"kind": kind, "id": subject},
            "rater": rater,
            "score": score,
            "comment": comment,
        },
    )
    assert r.status_code == 200, r.get_json()


def rows_of(hall: Hall, by: str) -> dict:
    r = hall.client("super").get(f"/api/v1/reports/assessment?by={by}&month={MONTH}")
    assert r.status_code == 200, r.get_json()
    return {row["key"]: row for row in r.get_json()["items"]}


def test_a_month_scores_windows_from_ratings_manual_scores_efficiency_and_their_own_discipline(
    hall: Hall,
) -> None:
    play_day(hall)
    ids = hall.ids
    put_score(hall, "window", ids["w1"], "center", 90)
    put_score(hall, "window", ids["w1"], "department", 70)
    put_score(
        hall, "window", ids["w1"], "department", 80, "配合好"
    )  # a new score replaces the rater's old one
    rows = rows_of(hall, "window")
    w1, w2 = rows[ids["w1"]], rows[ids["w2"]]
    comps = ("satisfaction", "center", "department", "efficiency", "discipline", "volume")
    # the no-show is the visitor's: window 1's discipline stays 100
    assert tuple(w1[c] for c in comps) == (100.0, 90.0, 80.0, 100.0, 100.0, 100.0)
    assert (w1["no_show"], w1["late_openings"]) == (1, 0)
    assert w1["score"] == 95.0  # (30×100 + 20×90 + 15×80 + 15×100 + 10×100 + 10×100) ÷ 100
    # window 2: the upheld appeal leaves no rating; efficiency: 20 min against 10 (50) and its one
    # application done on the spot (即办率 100), mean 75; 10 of 100 minutes paused beyond the
    # 30-minute allowance and one late opening: 100 − 10 − 5
    assert tuple(w2[c] for c in comps) == (None, None, None, 75.0, 85.0, 100.0)
    assert (w2["appeals_upheld"], w2["pause_excess_s"], w2["late_openings"]) == (1, 600.0, 1)
    assert (w2["instant_rate"], w2["on_time_rate"]) == (
        1.0,
        None,
    )  # no promised case: no 按时办结率
    assert w2["score"] == 85.0  # (15×75 + 10×85 + 10×100) ÷ 35
    assert any(
        line.startswith("纪律 85.0 = 100 − 100 × 超出每日30分钟额度的暂停 10.0 分钟")
        for line in w2["explain"]
    )
    assert (
        w1["explain"][-1]
        == "综合得分 95.0 = (30×100.0 + 20×90.0 + 15×80.0 + 15×100.0 + 10×100.0 + 10×100.0) ÷ 100"
    )
    assert (
        "中心评分 90（super：服务规范）" in w1["explain"]
        and "单位评分 80（super：配合好）" in w1["explain"]
    )
    staff = rows_of(hall, "staff")
    assert (staff[ids["clerk1"]]["discipline"], staff[ids["clerk2"]]["discipline"]) == (100.0, 85.0)


def test_departments_are_scored_on_items_and_staffing_too(hall: Hall) -> None:
    play_day(hall)
    ids = hall.ids
    put_score(hall, "department", ids["dept1"], "center", 88, "领导重视，授权到位")
    refused = hall.client("super").put(
        "/api/v1/assessment/scores",
        json={
            "month": MONTH,
            "subject": {"kind": "department", "id": ids["dept1"]},
            "rater": "department",
            "score": 50,
            "comment": "x",
        },
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "rater"
    rows = rows_of(hall, "department")
    d1, d2 = rows[ids["dept1"]], rows[ids["dept2"]]
    # 区市场监督管理局: its one item is served at a window; its own window (1) opened on each working
    # day of November up to today? Only Monday 30th had any opening: 1 of the month's 21 working days
    assert (d1["items"], d1["center"], d1["satisfaction"]) == (100.0, 88.0, 100.0)
    assert (
        d1["items_registered"],
        d1["items_present"],
        d1["window_days"],
        d1["window_days_open"],
    ) == (1, 1, 21, 1)
    assert (
        d2["satisfaction"] is None and d2["efficiency"] == 75.0
    )  # mean of 50 (time) and 100 (即办率)
    assert all(r["explain"] for r in rows.values())


def test_the_assessment_needs_a_month_or_a_range_and_scores_are_for_supervisors(hall: Hall) -> None:
    sup = hall.client("super")
    assert sup.get("/api/v1/reports/assessment?by=department").status_code == 422
    assert sup.get(f"/api/v1/reports/assessment?by=department&month={MONTH}").status_code == 200
    assert sup.get("/api/v1/reports/assessment?by=window&month=2026-13").status_code == 422
    body = {
        "month": MONTH,
        "subject": {"kind": "window", "id": hall.ids["w1"]},
        "rater": "center",
        "score": 90,
        "comment": "x",
    }
    assert hall.client("clerk1").put("/api/v1/assessment/scores", json=body).status_code == 403
    assert sup.put("/api/v1/assessment/scores", json={**body, "score": 101}).status_code == 422
    assert (
        sup.put(
            "/api/v1/assessment/scores", json={**body, "subject": {"kind": "window", "id": 999}}
        ).status_code
        == 422
    )
    assert sup.put("/api/v1/assessment/scores", json=body).status_code == 200
    got = sup.get(f"/api/v1/assessment/scores?month={MONTH}").get_json()["items"]
    assert [(x["rater"], x["score"]) for x in got] == [("center", 90)]


def test_the_monthly_bulletin_of_a_department_prints_its_scores_explained(hall: Hall) -> None:
    play_day(hall)
    put_score(hall, "department", hall.ids["dept1"], "center", 88, "领导重视，授权到位")
    c = hall.app.test_client()
    assert (
        c.post(
            "/api/v1/auth/login", json={"username": "super", "password": "pw-super-123456"}
        ).status_code
        == 200
    )
    page = c.get(f"/admin/reports/bulletin?month={MONTH}&department={hall.ids['dept1']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-11 月度通报：区市场监督管理局" in html
    assert "中心评分 88（super：领导重视，授权到位）" in html
    assert "1号 市场监管窗口" in html and "纪律 100.0" in html
    assert (
        c.get(f"/admin/reports/bulletin?month=2026-13&department={hall.ids['dept1']}").status_code
        == 404
    )
    assert c.get(f"/admin/reports/bulletin?month={MONTH}&department=999").status_code == 404
