"""Issue 18's "done when": a scripted month (ratings on both channels, a no-show, a transfer, an overdue
回访, a complaint answered late, manual scores) gives report and assessment figures that match an
independent computation from the stored events, and every score is explained."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.app.casekit import add_promised_item
from tests.app.ratingkit import phone, relogin
from tests.conftest import T0, Hall

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-12"
HOURS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
WEIGHTS = {
    "efficiency": 15.0,
    "satisfaction": 30.0,
    "discipline": 10.0,
    "volume": 10.0,
    "center": 20.0,
    "department": 15.0,
}


def at(hall: Hall, day: int, hh: int, mm: int = 0) -> None:
    """Move the clock to December `day`, hh:mm hall time, and sign the staff in again."""
    want = datetime(2026, 12, day, hh, mm, tzinfo=TZ).astimezone(UTC)
    hall.clock.advance(seconds=(want - hall.clock.now()).total_seconds())
    relogin(hall)


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def play_month(hall: Hall) -> dict[str, Any]:
    ids = hall.ids
    ok(hall.client("admin").patch("/api/v1/settings", json={"hours": HOURS}))

    def p(who: str, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        return ok(hall.client(who).post("/api/v1" + path, json=body or {}), status)

    def issue(svc: str) -> Any:
        return ok(hall.client("kiosk").post("/api/v1/tickets", json={"service_id": ids[svc]}), 201)

    add_promised_item(hall, days=2)  # 承诺件 D, promised in 2 working days, at windows 1 and 3
    at(hall, 1, 9)  # Tuesday: window 1 on time
    p("clerk1", f"/windows/{ids['w1']}/open")
    a1, a2, a3 = issue("A"), issue("A"), issue("A")
    assert p("clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a1["id"]
    p("clerk1", f"/tickets/{a1['id']}/start")
    at(hall, 1, 9, 12)
    p("clerk1", f"/tickets/{a1['id']}/finish", {"outcome": "done"})
    p("eval1", f"/tickets/{a1['id']}/evaluation", {"level": 5}, 201)  # counter rating
    assert p("clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a2["id"]
    at(hall, 1, 9, 15)
    p("clerk1", f"/tickets/{a2['id']}/no-show")  # the visitor did not come
    assert p("clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a3["id"]
    p("clerk1", f"/tickets/{a3['id']}/start")
    at(hall, 1, 9, 23)
    p(
        "clerk1", f"/tickets/{a3['id']}/transfer", {"service_id": ids["B"]}
    )  # 8 minutes of work, then 转办
    p("clerk2", f"/windows/{ids['w2']}/open")  # 09:23: 23 minutes late
    assert p("clerk2", f"/windows/{ids['w2']}/call-next")["id"] == a3["id"]
    p("clerk2", f"/tickets/{a3['id']}/start")
    at(hall, 1, 9, 29)
    p("clerk2", f"/tickets/{a3['id']}/finish", {"outcome": "done"})
    bad = ok(phone(hall, a3, {"level": 2, "reason": "来回跑了两个窗口"}), 201)
    complaint = ok(
        hall.app.test_client().post(
            "/api/v1/public/complaints",
            json={
                "category": "complaint",
                "content": "转办后又等了很久",
                "phone": "13900001111",
                "ticket": a3["public_id"],
            },
        ),
        201,
    )
    at(hall, 1, 11)
    p("clerk2", f"/windows/{ids['w2']}/pause", {"reason": "lunch"})
    at(hall, 1, 11, 45)  # 45 minutes paused: 15 beyond the allowance
    p("clerk2", f"/windows/{ids['w2']}/resume")
    at(hall, 1, 12)
    p("clerk1", f"/windows/{ids['w1']}/close")
    p("clerk2", f"/windows/{ids['w2']}/close")

    at(hall, 2, 9, 2)  # Wednesday: window 1 opens within the grace
    p("clerk1", f"/windows/{ids['w1']}/open")
    a4 = issue("A")
    assert p("clerk1", f"/windows/{ids['w1']}/call-next")["id"] == a4["id"]
    p("clerk1", f"/tickets/{a4['id']}/start")
    at(hall, 2, 9, 12)
    p("clerk1", f"/tickets/{a4['id']}/finish", {"outcome": "done"})
    opened = []
    for hh, mm in ((9, 20), (9, 30)):  # two 承诺件 accepted (受理): cases due Friday 12-04
        at(hall, 2, hh, mm)
        d = issue("D")
        assert p("clerk1", f"/windows/{ids['w1']}/call-next")["id"] == d["id"]
        p("clerk1", f"/tickets/{d['id']}/start")
        at(hall, 2, hh, mm + 10)
        fin = p(
            "clerk1",
            f"/tickets/{d['id']}/finish",
            {"outcome": "accepted", "applicant": {"name": "王小二", "phone": "13700001234"}},
        )
        opened.append(fin["case"])
    at(hall, 2, 10)
    p("clerk1", f"/windows/{ids['w1']}/close")
    ok(phone(hall, a4, {"level": 3}), 201)  # rated later on the phone: 基本满意

    at(hall, 3, 9)  # Thursday: the 回访 (due Wednesday) was never made
    from server.services.oversight import alerts

    late = [a for a in alerts.check(hall.ctx) if a["kind"] == "callback_overdue"]
    assert [a["data"]["evaluation_id"] for a in late] == [bad["id"]]
    # the first case is decided on time (Thursday, due Friday); the second is never decided: overdue
    p("clerk1", f"/cases/{opened[0]['id']}/review")
    p("clerk1", f"/cases/{opened[0]['id']}/approve")
    p("clerk1", f"/cases/{opened[1]['id']}/review")
    at(hall, 9, 10)  # Wednesday 12-09: the complaint (due 12-08) is answered a day late
    ok(
        hall.client("super").post(
            f"/api/v1/complaints/{complaint['id']}/reply", json={"reply": "已协调两部门联办"}
        )
    )
    for subject, rater, score in (
        ("w1", "center", 92),
        ("w1", "department", 85),
        ("w2", "center", 70),
    ):
        ok(
            hall.client("super").put(
                "/api/v1/assessment/scores",
                json={
                    "month": MONTH,
                    "subject": {"kind": "window", "id": ids[subject]},
                    "rater": rater,
                    "score": score,
                    "comment": "月度评分",
                },
            )
        )
    at(hall, 10, 10)
    return {"bad": bad, "complaint": complaint, "cases": opened}


def mean(parts: list[float | None]) -> float | None:
    have = [x for x in parts if x is not None]
    return sum(have) / len(have) if have else None


def independent(hall: Hall) -> dict[int, dict[str, Any]]:
    """Per window, straight from the stored rows, without the report code."""
    from sqlalchemy import select

    from server.storage.models import (
        Case,
        CaseEvent,
        Evaluation,
        Service,
        Ticket,
        TicketEvent,
        WindowEvent,
    )
    from server.storage.models_ratings import AssessmentScore

    now = hall.clock.now()
    with hall.ctx.uow(write=False) as uow:
        s = uow.session
        events = list(s.scalars(select(TicketEvent).order_by(TicketEvent.id)))
        ratings = list(s.scalars(select(Evaluation)))
        wevents = list(s.scalars(select(WindowEvent).order_by(WindowEvent.at, WindowEvent.id)))
        expected = {sv.id: sv.expected_service_min * 60 for sv in s.scalars(select(Service))}
        manual = {(m.subject_id, m.rater): m.score for m in s.scalars(select(AssessmentScore))}
        outcome = {t.id: t.outcome for t in s.scalars(select(Ticket))}
        cases = list(s.scalars(select(Case)))
        case_events = list(s.scalars(select(CaseEvent).order_by(CaseEvent.id)))
        s.expunge_all()  # keep the rows as read: plain values from here on
    out: dict[int, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for i, e in enumerate(events):
        if e.window_id is None:
            continue
        w = out[e.window_id]
        w["called"] += e.type == "called"
        w["no_show"] += e.type == "no_show"
        if e.type == "finished":
            w["served"] += 1
            w["instant_done"] += outcome[e.ticket_id] == "done"  # 即办件 done on the spot
            w["service_s"] += e.duration_s or 0
            w["expected_s"] += expected[e.service_id]
            w["handled_s"] += e.duration_s or 0
            w["handled_n"] += 1
        if e.type == "transferred":
            w["transferred_out"] += 1
            w["handled_s"] += e.duration_s or 0
            w["handled_n"] += 1
            nxt = next(
                (x for x in events[i + 1 :] if x.ticket_id == e.ticket_id and x.type == "called"),
                None,
            )
            if nxt is not None and nxt.window_id is not None:
                out[nxt.window_id]["transferred_in"] += 1
    # cases, counted at the accepting window: due = acceptance day + promised working days (Mon–Fri,
    # December 2026 has no public holiday), the acceptance day not counted
    today = now.astimezone(TZ).date()
    for c in cases:
        w = out[c.window_id]
        w["accepted"] += 1
        due, left = c.day, c.promised_days
        while left:
            due += timedelta(days=1)
            left -= due.weekday() < 5
        decided = next(
            (
                e.day
                for e in case_events
                if e.case_id == c.id and e.to_state in ("ready", "rejected")
            ),
            None,
        )
        if decided is not None:
            w["cases_due"] += 1
            w["cases_on_time"] += decided <= due
        elif today > due:
            w["cases_due"] += 1  # still open past its due date
    for r in ratings:
        w = out[r.window_id]
        w["ratings"] += 1
        w["good"] += r.level >= 4
        w["bad"] += r.level <= 2
    # window time: replay each window's changes, day by day, and the late openings
    by_window: dict[int, list[Any]] = defaultdict(list)
    for we in wevents:
        by_window[we.window_id].append(we)
    for wid, changes in by_window.items():
        for day in range(1, 11):
            d = datetime(2026, 12, day, tzinfo=TZ)
            lo, hi = d.astimezone(UTC), min((d + timedelta(days=1)).astimezone(UTC), now)
            state, since = "closed", lo
            opened, paused = 0.0, 0.0
            for we in changes + [None]:
                t = hi if we is None else max(lo, min(hi, we.at))
                if we is not None and we.at < lo:
                    state = we.to_state
                    continue
                if state == "open":
                    opened += (t - since).total_seconds()
                elif state == "paused":
                    paused += (t - since).total_seconds()
                if we is None or we.at >= hi:
                    break
                state, since = we.to_state, t
            out[wid]["open_s"] += opened
            out[wid]["paused_s"] += paused
            out[wid]["excess_s"] += max(0.0, paused - 1800)
            firsts = [we.at for we in changes if we.to_state == "open" and we.day == d.date()]
            if (
                firsts
                and d.weekday() < 5
                and min(firsts) > datetime.combine(d.date(), time(9, 5), TZ)
            ):
                out[wid]["late"] += 1
    max_served = max(w["served"] for w in out.values())
    for wid, w in out.items():
        comp = {
            "satisfaction": 100.0 * w["good"] / w["ratings"] if w["ratings"] else None,
            "center": manual.get((wid, "center")),
            "department": manual.get((wid, "department")),
            "efficiency": mean(
                [
                    100.0 * min(1.0, w["expected_s"] / w["service_s"]) if w["service_s"] else None,
                    100.0 * w["instant_done"] / taken
                    if (taken := w["instant_done"] + w["accepted"])
                    else None,
                    100.0 * w["cases_on_time"] / w["cases_due"] if w["cases_due"] else None,
                ]
            ),
            "discipline": (
                max(0.0, 100 - 100 * w["excess_s"] / (w["open_s"] + w["paused_s"]) - 5 * w["late"])
                if w["open_s"]
                else None
            ),
            "volume": 100.0 * w["served"] / max_served if max_served else None,
        }
        used = {c: v for c, v in comp.items() if v is not None}
        w["comp"] = comp
        w["score"] = sum(WEIGHTS[c] * v for c, v in used.items()) / sum(WEIGHTS[c] for c in used)
    return out


def test_a_scripted_month_matches_an_independent_computation_and_every_score_is_explained(
    hall: Hall,
) -> None:
    assert T0.day == 30  # the month starts the day after the fixtures' Monday
    played = play_month(hall)
    ids = hall.ids
    want = independent(hall)
    sup = hall.client("super")
    table = {
        r["key"]: r
        for r in ok(sup.get("/api/v1/reports/table?from=2026-12-01&to=2026-12-31&by=window"))[
            "items"
        ]
    }
    scores = {
        r["key"]: r
        for r in ok(sup.get(f"/api/v1/reports/assessment?by=window&month={MONTH}"))["items"]
    }

    def r1(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    for wid in (ids["w1"], ids["w2"]):
        w, row, sc = want[wid], table[wid], scores[wid]
        assert (row["issued"], row["served"], row["no_show"]) == (
            w["called"],
            w["served"],
            w["no_show"],
        )
        assert (row["transferred_in"], row["transferred_out"]) == (
            w["transferred_in"],
            w["transferred_out"],
        )
        assert row["service_avg_s"] == r1(w["handled_s"] / w["handled_n"])
        assert row["good_rate"] == round(w["good"] / w["ratings"], 4)
        assert row["bad_rate"] == round(w["bad"] / w["ratings"], 4)
        for c, v in w["comp"].items():
            assert sc[c] == r1(v), (wid, c, sc[c], v)
        assert sc["score"] == r1(w["score"])
        taken = w["instant_done"] + w["accepted"]
        assert sc["instant_rate"] == (round(w["instant_done"] / taken, 4) if taken else None)
        assert sc["on_time_rate"] == (
            round(w["cases_on_time"] / w["cases_due"], 4) if w["cases_due"] else None
        )
        assert sc["explain"] and sc["explain"][-1].startswith(f"综合得分 {r1(w['score'])} = ")
    # the figures a hall director would check by hand
    w1, w2 = scores[ids["w1"]], scores[ids["w2"]]
    assert (w1["no_show"], w1["discipline"], w1["late_openings"]) == (
        1,
        100.0,
        0,
    )  # a no-show is not indiscipline
    assert (w2["late_openings"], w2["pause_excess_s"]) == (1, 900.0)
    assert table[ids["w1"]]["service_avg_s"] == r1(
        (12 + 8 + 10 + 10 + 10) * 60 / 5
    )  # the transferred visit's 8 minutes stay
    # 即办率 at window 1: two 即办件 done on the spot of four applications taken (two cases accepted);
    # 按时办结率: one case decided on time of two due (the other still open past Friday's due date)
    assert (w1["instant_rate"], w1["on_time_rate"], w1["cases_due"]) == (0.5, 0.5, 2)
    assert (w2["instant_rate"], w2["on_time_rate"]) == (1.0, None)
    assert (
        "· 即办率 50.0 = 100 × 当场办结的即办件 2 ÷ 受理申请 4（即办件 2 + 受理的承诺件 2）"
        in w1["explain"]
    )
    assert any(
        x.startswith("· 按时办结率 50.0 = 100 × 承诺时限内办结 1 ÷ 应办结 2") for x in w1["explain"]
    )
    # the same scores explained in English with lang=en: no Chinese left in any line but names
    en = {
        r["key"]: r
        for r in ok(sup.get(f"/api/v1/reports/assessment?by=window&month={MONTH}&lang=en"))["items"]
    }
    assert [en[k]["score"] for k in scores] == [scores[k]["score"] for k in scores]
    for k, row in en.items():
        assert len(row["explain"]) == len(scores[k]["explain"])
        for line in row["explain"]:
            text = line.replace("月度评分", "").replace(
                "super", ""
            )  # the rater's own comment and name
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), line
    assert (
        "· Done-on-the-spot rate 50.0 = 100 × 2 instant items done at the counter ÷ 4 applications taken (2 instant + 2 promised cases accepted)"
        in en[ids["w1"]]["explain"]
    )
    assert en[ids["w1"]]["explain"][-1].startswith(f"Score {w1['score']} = (")
    assert (table[ids["w1"]]["transferred_out"], table[ids["w2"]]["transferred_in"]) == (1, 1)
    # channels: one counter rating, two phone ratings; the late complaint stays late
    rated = ok(sup.get("/api/v1/reports/bad-ratings?from=2026-12-01&to=2026-12-31"))["items"]
    assert [(r["id"], r["channel"], r["overdue"]) for r in rated] == [
        (played["bad"]["id"], "phone", ["callback", "feedback"])
    ]
    late = ok(sup.get("/api/v1/complaints?late=true"))["items"]
    assert [(c["number"], c["late"], c["replied_at"] is not None) for c in late] == [
        (played["complaint"]["number"], True, True)
    ]
    overdue = ok(sup.get("/api/v1/rectifications?overdue=true"))["items"]
    assert [(r["id"], r["overdue"]) for r in overdue] == [
        (played["bad"]["id"], ["callback", "feedback"])
    ]
