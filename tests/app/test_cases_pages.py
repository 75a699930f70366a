"""The visitor's pages of a case and the counter's printable notices (server-rendered HTML)."""

from __future__ import annotations

from tests.app.casekit import accept, add_promised_item, post, serve
from tests.conftest import Hall


def _main(html: str) -> str:
    """The page's visible card (the page's config carries every string of its locale)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _public_id(hall: Hall, ticket_id: int) -> str:
    return str(hall.client("clerk1").get(f"/api/v1/tickets/{ticket_id}").get_json()["public_id"])


def test_an_accepted_case_is_not_called_finished_on_the_phone_page(sqlite_hall: Hall) -> None:
    hall = sqlite_hall
    add_promised_item(hall)
    out = accept(hall)
    html = _main(hall.app.test_client().get(f"/t/{out['public_id']}").get_data(as_text=True))
    assert "已受理" in html and out["case"]["number"] in html
    assert "承诺办结日期：2026年12月3日（3个工作日，不含受理当日）" in html
    assert "已办结" not in html and "您的事项已办结" not in html
    assert "13812345678" not in html and "张小明" not in html
    post(hall, "clerk1", f"/cases/{out['case']['id']}/review")
    post(
        hall,
        "clerk1",
        f"/cases/{out['case']['id']}/request-materials",
        {"materials": ["抵押合同原件"]},
    )
    html = hall.app.test_client().get(f"/t/{out['public_id']}").get_data(as_text=True)
    assert "待补正：请补交抵押合同原件" in html
    post(hall, "clerk1", f"/cases/{out['case']['id']}/materials-received")
    post(hall, "clerk1", f"/cases/{out['case']['id']}/approve")
    html = hall.app.test_client().get(f"/t/{out['public_id']}").get_data(as_text=True)
    assert "已办结，请到1号窗口领取" in html


def test_a_parked_visit_gives_a_one_time_notice_with_the_clerks_name_and_badge(
    sqlite_hall: Hall,
) -> None:
    hall = sqlite_hall
    add_promised_item(hall)
    assert (
        hall.client("admin")
        .patch(f"/api/v1/staff/{hall.ids['clerk1']}", json={"name": "王丽", "badge": "SC0107"})
        .status_code
        == 200
    )
    t = serve(hall)
    r = post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "parked", "materials": ["抵押合同", "主债权合同"], "note": "原件核对后退还"},
    )
    assert r.status_code == 200
    pid = _public_id(hall, t["id"])
    page = hall.app.test_client().get(f"/t/{pid}").get_data(as_text=True)
    assert "抵押合同" in page and f"/t/{pid}/notice" in page
    notice = hall.app.test_client().get(f"/t/{pid}/notice")
    assert notice.status_code == 200
    html = notice.get_data(as_text=True)
    for text in (
        "一次性告知书",
        "不动产抵押权首次登记",
        "抵押合同",
        "主债权合同",
        "1号窗口",
        "王丽",
        "SC0107",
        "2026年11月30日",
        "原件核对后退还",
        "size: A4",
    ):
        assert text in html or text in hall.app.test_client().get(
            "/cases-static/cases/notice.css"
        ).get_data(as_text=True), text
    assert hall.app.test_client().get(f"/t/{pid}/refusal").status_code == 404


def test_a_refusal_has_its_printable_notice_with_the_reason(sqlite_hall: Hall) -> None:
    hall = sqlite_hall
    t = serve(hall, service="A")
    post(
        hall,
        "clerk1",
        f"/tickets/{t['id']}/finish",
        {"outcome": "refused", "reason": "申请事项不属于本机关职权范围"},
    )
    pid = _public_id(hall, t["id"])
    html = hall.app.test_client().get(f"/t/{pid}/refusal").get_data(as_text=True)
    assert (
        "不予受理告知书" in html and "申请事项不属于本机关职权范围" in html and "行政复议" in html
    )
    assert "不予受理" in hall.app.test_client().get(f"/t/{pid}").get_data(as_text=True)


def test_the_lookup_page_is_open_to_everyone(sqlite_hall: Hall) -> None:
    r = sqlite_hall.app.test_client().get("/cases/lookup")
    assert r.status_code == 200 and "办件进度查询" in r.get_data(as_text=True)
    html = r.get_data(as_text=True)
    assert 'src="https://' not in html and 'href="https://' not in html  # nothing from a CDN
