"""A case's public progress in the page's language (Chinese by default, English with ?lang=en), the
notices that stay Chinese inside an English page, and 办件送达后评价 from the case lookup."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.app.casekit import accept, add_promised_item, post, serve
from tests.app.ratingkit import advance
from tests.conftest import Hall

MONTHS = "January February March April May June July August September October November December"


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _page(hall: Hall, pid: str, lang: str | None = None) -> str:
    q = f"?lang={lang}" if lang else ""
    r = hall.app.test_client().get(f"/t/{pid}{q}")
    assert r.status_code == 200
    return _main(r.get_data(as_text=True))


def _en(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {MONTHS.split()[d.month - 1]} {d.year}"


def _lookup(hall: Hall, number: str, last4: str = "5678") -> dict[str, Any]:
    r = hall.app.test_client().post(
        "/api/v1/public/cases/lookup", json={"number": number, "phone_last4": last4}
    )
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def test_the_case_progress_follows_the_pages_language_with_the_same_content(hall: Hall) -> None:
    add_promised_item(hall)
    out = accept(hall)
    pid, case_id = out["public_id"], out["case"]["id"]
    en = _page(hall, pid, "en")
    assert "Promised by 3 December 2026 (3 working days, not counting the day of acceptance)" in en
    assert "承诺办结日期" not in en and "已受理" not in en and "30 November 2026" in en
    zh = _page(hall, pid)
    assert "承诺办结日期：2026年12月3日（3个工作日，不含受理当日）" in zh and "Promised" not in zh
    # 补正 across two working days: the paused days, said in both languages
    post(hall, "clerk1", f"/cases/{case_id}/review")
    post(hall, "clerk1", f"/cases/{case_id}/request-materials", {"materials": ["抵押合同原件"]})
    en = _page(hall, pid, "en")
    assert "Awaiting documents: please bring 抵押合同原件" in en
    advance(hall, days=2)
    post(hall, "clerk1", f"/cases/{case_id}/materials-received")
    body = _lookup(hall, out["case"]["number"])
    n, due = body["paused_days"], body["due_date"]
    assert n >= 1 and due > "2026-12-03"
    days = "1 working day" if n == 1 else f"{n} working days"
    assert body["due_text_en"] == (
        f"Promised by {_en(due)} (3 working days, not counting the day of acceptance; "
        f"{days} awaiting documents not counted)"
    )
    d = date.fromisoformat(due)
    assert body["due_text"] == (
        f"承诺办结日期：{d.year}年{d.month}月{d.day}日（3个工作日，不含受理当日；待补正的{n}个工作日不计）"
    )
    assert [s["type"] for s in body["steps"]] == [
        "accepted",
        "review_started",
        "materials_requested",
        "materials_received",
    ]
    assert [s["text_en"] for s in body["steps"]] == [
        "Accepted",
        "Under review",
        "Awaiting documents: please bring 抵押合同原件",
        "Documents received; the review continues",
    ]
    assert [s["text"] for s in body["steps"]][2:] == [
        "待补正：请补交抵押合同原件",
        "补正材料已收到，继续审查",
    ]
    assert body["steps"][-1]["date_text_en"] == _en(body["steps"][-1]["day"])
    # decided: the pickup window in words; then delivered
    post(hall, "clerk1", f"/cases/{case_id}/approve")
    en = _page(hall, pid, "en")
    assert "Completed: please collect it at window 1" in en and "已办结" not in en
    assert "已办结，请到1号窗口领取" in _page(hall, pid)
    post(hall, "clerk1", f"/cases/{case_id}/deliver", {"method": "window"})
    en = _page(hall, pid, "en")
    assert "Delivered (collected at the window)" in en and "已送达" not in en
    body = _lookup(hall, out["case"]["number"])
    assert (body["state_text"], body["state_text_en"]) == ("已送达", "Delivered")
    assert body["pickup_window"]["number"] == 1 and "name_en" in body["pickup_window"]
    assert "13812345678" not in str(body) and "张小明" not in str(body)


def test_a_delivered_case_is_rated_from_the_lookup_once_on_any_channel(hall: Hall) -> None:
    add_promised_item(hall)
    out = accept(hall)
    pid, case = out["public_id"], out["case"]
    body = _lookup(hall, case["number"])
    # not delivered: nothing to rate, and the ticket's public id is not handed out
    assert body["rating"] == {
        "open": False,
        "until": None,
        "given": None,
        "reasons": [],
        "reasons_en": [],
        "ticket": None,
    }
    assert pid not in str(body)
    for move, b in (
        ("review", {}),
        ("approve", {}),
        ("deliver", {"method": "post", "note": "EMS 1"}),
    ):
        assert post(hall, "clerk1", f"/cases/{case['id']}/{move}", b).status_code == 200
    body = _lookup(hall, case["number"])
    assert body["steps"][-1]["text_en"] == "Delivered (by post, EMS 1)"
    r = body["rating"]
    assert r["open"] is True and r["ticket"] == pid and r["reasons"] and r["given"] is None
    # the chips in English for an English page, one for one (the reason sent stays the Chinese)
    assert r["reasons_en"][:2] == ["Long wait", "Slow handling"] and r["reasons"][0] == "等候时间长"
    assert len(r["reasons_en"]) == len(r["reasons"])
    anon = hall.app.test_client()
    url = f"/api/v1/public/tickets/{r['ticket']}/evaluation"
    assert anon.post(url, json={"level": 1, "subject": "case"}).status_code == 422  # reason needed
    got = anon.post(url, json={"level": 1, "subject": "case", "reason": r["reasons"][0]})
    assert got.status_code == 201, got.get_json()
    body = _lookup(hall, case["number"])
    assert body["rating"]["open"] is False and body["rating"]["given"]["level"] == 1
    assert body["rating"]["ticket"] is None and pid not in str(body)
    # the ticket's own page sees the same single rating of the case
    page = anon.get(f"/api/v1/public/tickets/{pid}").get_json()
    assert page["case_rating"]["given"]["level"] == 1 and page["case_rating"]["open"] is False
    again = anon.post(url, json={"level": 5, "subject": "case"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_evaluated"


def test_the_lookup_stops_offering_the_rating_after_the_halls_period(hall: Hall) -> None:
    add_promised_item(hall)
    out = accept(hall)
    case = out["case"]
    for move, b in (("review", {}), ("approve", {}), ("deliver", {"method": "window"})):
        assert post(hall, "clerk1", f"/cases/{case['id']}/{move}", b).status_code == 200
    assert _lookup(hall, case["number"])["rating"]["open"] is True
    advance(hall, days=3, seconds=1)  # the default period: 3 days from the delivery
    r = _lookup(hall, case["number"])["rating"]
    assert r["open"] is False and r["ticket"] is None and r["given"] is None


def test_the_notices_stay_chinese_inside_an_english_page(hall: Hall) -> None:
    add_promised_item(hall)
    t = serve(hall)
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "parked", "materials": ["抵押合同"], "note": "原件核对后退还"},
    )
    assert r.status_code == 200
    pid = str(hall.client("clerk1").get(f"/api/v1/tickets/{t['id']}").get_json()["public_id"])
    html = hall.app.test_client().get(f"/t/{pid}/notice?lang=en").get_data(as_text=True)
    sheet = html.split('data-testid="notice"', 1)[1].split("</article>", 1)[0]
    assert "一次性告知书" in sheet and "《中华人民共和国行政许可法》第三十二条" in sheet
    assert "Your application" not in sheet and "Window" not in sheet
    tools = html.split('class="nt-tools"', 1)[1].split("</div>", 1)[0]
    assert "is an official document, issued in Chinese" in tools and ">Print<" in tools
    assert (
        "onclick" not in html and "/cases-static/cases/notice.js" in html
    )  # the CSP allows no inline handler
    zh = hall.app.test_client().get(f"/t/{pid}/notice").get_data(as_text=True)
    assert 'data-testid="notice-official"' not in zh and ">打印<" in zh
