"""A scripted fortnight of cases across National Day 2026 and its adjusted working Saturday (10-10),
on SQLite and PostgreSQL: due dates, the pause while materials are awaited, overdue, alerts, and the
report's case figures checked against a computation of our own from the case and ticket events."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.services.oversight import alerts
from tests.app.casekit import CN2026_HOLIDAYS, CN2026_WORKDAYS, add_promised_item, post, serve
from tests.conftest import Hall

HOLIDAYS = {date.fromisoformat(d) for d in CN2026_HOLIDAYS}
WORKDAYS = {date.fromisoformat(d) for d in CN2026_WORKDAYS}
FROM, TO = date(2026, 9, 28), date(2026, 10, 11)


def at(hall: Hall, day: str, hour: int = 9) -> None:
    """Set the hall's clock to `hour` o'clock Beijing time on `day`."""
    d = date.fromisoformat(day)
    hall.clock.current = datetime(d.year, d.month, d.day, hour - 8, 0, tzinfo=UTC)


def accept(
    hall: Hall, clerk: str = "clerk1", window: str = "w1", phone: str = "13812345678"
) -> dict[str, Any]:
    t = serve(hall, service="D", window=window, clerk=clerk)
    r = post(
        hall,
        clerk,
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": "赵六", "phone": phone}},
    )
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json()["case"])


def finish(
    hall: Hall, outcome: str, service: str = "A", clerk: str = "clerk1", window: str = "w1"
) -> int:
    t = serve(hall, service=service, window=window, clerk=clerk)
    body: dict[str, Any] = {"outcome": outcome}
    if outcome == "refused":
        body["reason"] = "申请材料不属于本事项"
    assert post(hall, clerk, f"/tickets/{t['id']}/finish", body).status_code == 200
    return int(t["id"])


# ---- our own reckoning, written apart from server/engine/calendar.py -------------------------


def working(d: date) -> bool:
    return d in WORKDAYS or (d not in HOLIDAYS and d.weekday() < 5)


def nth_working_day_after(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        n -= working(d)
    return d


def reckon(case: dict[str, Any], today: date) -> tuple[date, date | None, bool]:
    """(due date as of `today`, decision day, overdue at `today`) from the case's events."""
    accepted = date.fromisoformat(case["events"][0]["day"])
    paused, asked, decided = 0, None, None
    for e in case["events"][1:]:
        day = date.fromisoformat(e["day"])
        if day > today:
            break
        if e["to"] == "awaiting_materials":
            asked = day
        elif asked is not None:
            paused += sum(
                working(asked + timedelta(days=i)) for i in range(1, (day - asked).days + 1)
            )
            asked = None
        if e["to"] in ("ready", "rejected") and decided is None:
            decided = day
    if asked is not None:
        paused += sum(
            working(asked + timedelta(days=i)) for i in range(1, (today - asked).days + 1)
        )
    due = nth_working_day_after(accepted, case["promised_days"] + paused)
    return due, decided, decided is None and today > due


def expected_figures(
    hall: Hall, case_ids: list[int], tickets: dict[str, list[int]], by: str
) -> dict[Any, Counter[str]]:
    sup = hall.client("super")
    out: dict[Any, Counter[str]] = defaultdict(Counter)
    field = {"window": "window_id", "staff": "staff_id", "service": "service_id"}[by]
    for outcome, ids in tickets.items():
        for tid in ids:
            fin = [
                e
                for e in sup.get(f"/api/v1/tickets/{tid}/events").get_json()["items"]
                if e["type"] == "finished"
            ]
            key = (
                fin[0][field]
                if by != "service"
                else sup.get(f"/api/v1/tickets/{tid}").get_json()["service_id"]
            )
            out[key]["instant_done" if outcome == "done" else "refused"] += 1
    for cid in case_ids:
        c = sup.get(f"/api/v1/cases/{cid}").get_json()
        key = c[field]
        if FROM <= date.fromisoformat(c["events"][0]["day"]) <= TO:
            out[key]["accepted"] += 1
        due, decided, _ = reckon(c, TO)
        if decided is not None and FROM <= decided <= TO:
            out[key]["cases_completed"] += 1
            out[key]["cases_on_time" if decided <= reckon(c, decided)[0] else "cases_overdue"] += 1
        elif decided is None and reckon(c, TO)[2]:
            out[key]["cases_overdue"] += 1
    return out


def test_a_fortnight_across_national_day_gives_the_right_due_dates_and_figures(hall: Hall) -> None:
    add_promised_item(hall, days=3)
    assert (
        hall.client("admin")
        .put(
            "/api/v1/calendar/2026", json={"holidays": CN2026_HOLIDAYS, "workdays": CN2026_WORKDAYS}
        )
        .status_code
        == 200
    )
    sup = hall.client("super")
    tickets: dict[str, list[int]] = {"done": [], "refused": []}

    at(hall, "2026-09-28")  # Monday
    c1 = accept(hall)
    c2 = accept(hall, clerk="clerk3", window="w3")
    c5 = accept(hall)
    c6 = accept(hall, phone="13900009999")
    tickets["done"].append(finish(hall, "done"))
    tickets["refused"].append(finish(hall, "refused", service="D"))
    # Tue 9-29, Wed 9-30, (10-01…10-07 holidays), Thu 10-08
    assert c1["due_date"] == c2["due_date"] == "2026-10-08"

    at(hall, "2026-09-29")
    post(hall, "clerk1", f"/cases/{c1['id']}/review")
    post(hall, "clerk1", f"/cases/{c1['id']}/request-materials", {"materials": ["抵押合同原件"]})
    post(hall, "clerk3", f"/cases/{c2['id']}/review")
    post(hall, "clerk1", f"/cases/{c6['id']}/request-materials", {"materials": ["主债权合同"]})
    tickets["done"].append(finish(hall, "done", clerk="clerk3", window="w3"))

    at(hall, "2026-09-30")
    assert post(hall, "clerk3", f"/cases/{c2['id']}/approve").get_json()["state"] == "ready"
    c3 = accept(hall)
    assert c3["due_date"] == "2026-10-10"  # 10-08, 10-09 and the working Saturday 10-10

    at(hall, "2026-10-08")
    got = post(hall, "clerk1", f"/cases/{c1['id']}/materials-received").get_json()
    # waited Wed 9-30 and Thu 10-08 (two working days; the holidays are no working days anyway)
    assert got["paused_days"] == 2 and got["due_date"] == "2026-10-10"
    post(hall, "clerk1", f"/cases/{c3['id']}/review")
    tickets["refused"].append(finish(hall, "refused"))

    at(hall, "2026-10-09")
    post(hall, "clerk1", f"/cases/{c2['id']}/deliver", {"method": "window"})
    assert (
        post(hall, "super", f"/cases/{c5['id']}/reject", {"reason": "抵押物已查封"}).status_code
        == 200
    )
    c4 = accept(hall, clerk="clerk3", window="w3")
    assert c4["due_date"] == "2026-10-13"  # Sat 10-10, Mon 10-12, Tue 10-13
    due_soon = {a["data"]["number"] for a in alerts.check(hall.ctx) if a["kind"] == "case_due_soon"}
    assert due_soon == {
        c1["number"],
        c3["number"],
    }  # due on the working Saturday, the next working day

    at(hall, "2026-10-10", hour=10)  # the adjusted working Saturday
    assert post(hall, "clerk1", f"/cases/{c1['id']}/approve").get_json()["on_time"] is True
    tickets["done"].append(finish(hall, "done"))

    at(hall, "2026-10-11", hour=10)  # Sunday: c3 is past its due date; c6 still waits for materials
    c3_now = sup.get(f"/api/v1/cases/{c3['id']}").get_json()
    assert c3_now["overdue"] is True
    c6_now = sup.get(f"/api/v1/cases/{c6['id']}").get_json()
    assert c6_now["state"] == "awaiting_materials" and c6_now["overdue"] is False
    # asked on 9-29: 9-30, 10-08, 10-09 and 10-10 do not count, so 3 + 4 working days after 9-28
    assert c6_now["paused_days"] == 4 and c6_now["due_date"] == "2026-10-13"
    overdue = [c["number"] for c in sup.get("/api/v1/cases?overdue=true").get_json()["items"]]
    assert overdue == [c3["number"]]
    raised = alerts.check(hall.ctx)
    assert [a["data"]["number"] for a in raised if a["kind"] == "case_overdue"] == [c3["number"]]
    listed = sup.get("/api/v1/alerts").get_json()["items"]
    assert {a["kind"] for a in listed} >= {"case_overdue", "case_due_soon"}

    # the hall may count the wait for materials: then c6 (due 10-08) is overdue as well
    assert (
        hall.client("admin")
        .patch("/api/v1/case-settings", json={"pause_awaiting": False})
        .status_code
        == 200
    )
    assert sup.get(f"/api/v1/cases/{c6['id']}").get_json()["overdue"] is True
    assert (
        hall.client("admin")
        .patch("/api/v1/case-settings", json={"pause_awaiting": True})
        .status_code
        == 200
    )

    case_ids = [c["id"] for c in (c1, c2, c3, c4, c5, c6)]
    for by in ("window", "staff", "service"):
        rows = sup.get(f"/api/v1/reports/summary?from={FROM}&to={TO}&by={by}").get_json()["items"]
        want = expected_figures(hall, case_ids, tickets, by)
        got_rows = {r["key"]: r for r in rows}
        for key, counts in want.items():
            row = got_rows[key]
            for col in (
                "accepted",
                "instant_done",
                "refused",
                "cases_completed",
                "cases_on_time",
                "cases_overdue",
            ):
                assert row[col] == counts[col], (by, key, col, row[col], counts[col])
            taken = counts["instant_done"] + counts["accepted"]
            assert row["instant_rate"] == (
                round(counts["instant_done"] / taken, 4) if taken else None
            )
            done = counts["cases_completed"]
            assert row["on_time_rate"] == (
                round(counts["cases_on_time"] / done, 4) if done else None
            )
        assert sum(r["refused"] for r in rows) == 2 and sum(r["cases_completed"] for r in rows) == 3
    # 不予受理 is never 办结: the two refusals opened no case
    assert len(sup.get("/api/v1/cases").get_json()["items"]) == 6
    w1 = {
        r["key"]: r
        for r in sup.get(f"/api/v1/reports/summary?from={FROM}&to={TO}&by=window").get_json()[
            "items"
        ]
    }
    w1 = w1[hall.ids["w1"]]
    # window 1 accepted c1, c3, c5, c6; decided c1 on time and c5 late; c3 is overdue and undecided
    assert (w1["accepted"], w1["cases_completed"], w1["cases_on_time"], w1["cases_overdue"]) == (
        4,
        2,
        1,
        2,
    )
    assert w1["on_time_rate"] == 0.5
