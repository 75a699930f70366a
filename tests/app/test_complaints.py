"""Complaints and suggestions (issue 18, item 3): filed, routed, answered in time, seen by the visitor."""

from __future__ import annotations

from tests.app.ratingkit import advance, visit
from tests.conftest import Hall


def _file(hall: Hall, who: str | None = None, **body: object) -> dict:
    c = hall.client(who) if who else hall.app.test_client()
    r = c.post(
        "/api/v1/public/complaints",
        json={"category": "complaint", "content": "窗口人员态度生硬", **body},
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_complaint_with_a_ticket_goes_to_its_department_and_the_visitor_reads_the_reply(
    hall: Hall,
) -> None:
    t = visit(hall, window=2, service="B")
    got = _file(hall, phone="13812345678", ticket=t["public_id"])
    assert (
        got["number"].startswith("TS20261130") and got["due"] == "2026-12-07"
    )  # 5 working days from Monday
    sup = hall.client("super")
    [row] = sup.get("/api/v1/complaints").get_json()["items"]
    assert (
        row["department"]["name"],
        row["state"],
        row["phone"],
        row["ticket"],
        row["source"],
    ) == ("区人社局", "assigned", "138****5678", t["number"], "phone")
    assert "13812345678" not in str(sup.get("/api/v1/complaints").get_json())
    assert hall.client("clerk1").get("/api/v1/complaints").status_code == 403
    r = sup.post(f"/api/v1/complaints/{row['id']}/reply", json={"reply": "已核实并批评教育"})
    assert r.status_code == 200 and (r.get_json()["state"], r.get_json()["late"]) == (
        "replied",
        False,
    )
    page = hall.app.test_client().get(f"/api/v1/public/tickets/{t['public_id']}").get_json()
    assert [(c["number"], c["reply"]) for c in page["complaints"]] == [
        (got["number"], "已核实并批评教育")
    ]
    own = hall.app.test_client().get(f"/api/v1/public/complaints/{got['public_id']}").get_json()
    assert own["reply"] == "已核实并批评教育" and own["state_label"] == "已答复"
    assert (
        sup.post(f"/api/v1/complaints/{row['id']}/close", json={}).get_json()["state"] == "closed"
    )
    assert sup.post(f"/api/v1/complaints/{row['id']}/reply", json={"reply": "x"}).status_code == 409


def test_a_complaint_without_a_ticket_is_routed_by_a_supervisor_and_a_late_reply_is_marked(
    hall: Hall,
) -> None:
    got = _file(hall, category="suggestion", content="建议增设母婴室")
    assert got["number"].startswith("JY")
    sup = hall.client("super")
    [row] = sup.get("/api/v1/complaints").get_json()["items"]
    assert (row["state"], row["department"], row["source"]) == ("received", None, "phone")
    r = sup.post(
        f"/api/v1/complaints/{row['id']}/assign", json={"department_id": hall.ids["dept1"]}
    )
    assert (
        r.get_json()["department"]["name"] == "区市场监督管理局"
        and r.get_json()["state"] == "assigned"
    )
    advance(hall, days=8)  # Tuesday 12-08, past the 12-07 deadline
    from server.services.oversight import alerts

    assert [a["kind"] for a in alerts.check(hall.ctx) if a["kind"] == "complaint_overdue"] == [
        "complaint_overdue"
    ]
    sup = hall.client("super")
    assert [c["id"] for c in sup.get("/api/v1/complaints?late=true").get_json()["items"]] == [
        row["id"]
    ]
    answered = sup.post(
        f"/api/v1/complaints/{row['id']}/reply", json={"reply": "已列入改造计划"}
    ).get_json()
    assert answered["late"] is True  # answered after its deadline: it stays late in the record


def test_the_kiosk_and_staff_file_complaints_and_bad_input_is_refused(hall: Hall) -> None:
    k = _file(hall, who="kiosk")
    sup = hall.client("super")
    r = sup.post(
        "/api/v1/complaints",
        json={
            "category": "complaint",
            "content": "来电反映排队时间长",
            "source": "call",
            "phone": "0457-3456789",
            "department_id": hall.ids["dept2"],
        },
    )
    assert (
        r.status_code == 201
        and r.get_json()["source"] == "call"
        and r.get_json()["phone"] == "045****6789"
    )
    assert {c["source"] for c in sup.get("/api/v1/complaints").get_json()["items"]} == {
        "kiosk",
        "call",
    }
    assert k["category"] == "complaint"
    c = hall.app.test_client()
    bad = c.post("/api/v1/public/complaints", json={"category": "praise", "content": "好"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "category"
    bad = c.post(
        "/api/v1/public/complaints",
        json={"category": "complaint", "content": "x" * 10, "phone": "abc"},
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "phone"
    bad = c.post(
        "/api/v1/public/complaints",
        json={"category": "complaint", "content": "xxxx", "ticket": "nosuch12"},
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "ticket"
    r = sup.post("/api/v1/complaints/999/reply", json={"reply": "x"})
    assert r.status_code == 404


def test_the_supervision_phone_is_printed_on_the_ticket_and_shown_on_the_hall_screen(
    hall: Hall,
) -> None:
    from server.services.printing import ticket_paper

    assert (
        hall.client("admin")
        .patch("/api/v1/settings/ratings", json={"supervision_phone": "0457-12345"})
        .status_code
        == 200
    )
    t = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": hall.ids["A"]}).get_json()
    with hall.ctx.uow(write=False) as uow:
        from server.storage.models import Ticket

        layout = ticket_paper.ticket_layout(
            uow.session, uow.session.get_one(Ticket, t["id"]), hall.app.config, None
        )
    assert layout.footer is not None and layout.footer.endswith("；监督电话：0457-12345")
    # in English a sentence of its own after the footer's full stop, not ".; supervision hotline"
    assert layout.footer_en == ticket_paper.DEFAULT_FOOTER_EN + " Supervision hotline: 0457-12345."
    screen = (
        hall.app.test_client()
        .get(f"/display/hall?token={hall.tokens['display']}")
        .get_data(as_text=True)
    )
    assert "监督电话：0457-12345" in screen
    page = hall.app.test_client().get(f"/t/{t['public_id']}").get_data(as_text=True)
    assert "监督电话：0457-12345" in page
    assert "监督电话" in hall.app.test_client().get("/feedback").get_data(as_text=True)


def test_one_address_cannot_flood_the_complaints(hall: Hall) -> None:
    hall.app.config["RATE_LIMIT_PUBLIC_WRITES"] = 2
    _file(hall)
    _file(hall)
    r = hall.app.test_client().post(
        "/api/v1/public/complaints", json={"category": "complaint", "content": "再来"}
    )
    assert r.status_code == 429


def test_the_kiosk_files_a_consultation_routed_to_the_department_it_names(hall: Hall) -> None:
    """The kiosk's form (issue 18): 咨询 as a third category, and the department chosen on screen
    routes it; a department of no hall, or a bad category, is refused with its reason."""
    got = _file(
        hall,
        "kiosk",
        category="consultation",
        content="问题：办件进度；单位：区人社局",
        department_id=hall.ids["dept2"],
    )
    assert got["number"].startswith("ZX20261130")
    sup = hall.client("super")
    [row] = sup.get("/api/v1/complaints").get_json()["items"]
    assert (row["category"], row["source"], row["department"]["id"], row["state"]) == (
        "consultation",
        "kiosk",
        hall.ids["dept2"],
        "assigned",
    )
    pub = hall.app.test_client()
    bad = pub.post(
        "/api/v1/public/complaints",
        json={"category": "complaint", "content": "问题：等候时间长", "department_id": 999},
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["reason"] == "department_unknown"
    bad = pub.post("/api/v1/public/complaints", json={"category": "praise", "content": "很好"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "category"
    assert len(sup.get("/api/v1/complaints").get_json()["items"]) == 1


def test_the_kiosk_shows_the_qr_code_of_a_complaint_s_reply_page(hall: Hall) -> None:
    got = _file(hall, "kiosk")
    c = hall.app.test_client()
    r = c.get(f"/kiosk/qr/c/{got['public_id']}.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert c.get("/kiosk/qr/c/nosuchcomplaint1.svg").status_code == 404
    assert c.get(f"/c/{got['public_id']}").status_code == 200
