"""Who may work at a window, read its queue, take it over and rate its visits (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.storage.models import Evaluation, WindowEvent
from tests.conftest import Hall


def _post(hall: Hall, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return hall.client(who).post("/api/v1" + path, json=body or {})


def _code(resp: Any) -> str:
    return str(resp.get_json()["error"]["code"])


def _issue(hall: Hall, service: str = "A") -> dict[str, Any]:
    r = _post(hall, "kiosk", "/tickets", {"service_id": hall.ids[service]})
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def _serve(
    hall: Hall, clerk: str, window: str, service: str = "A", start: bool = True
) -> dict[str, Any]:
    """Open the window (if needed), issue a ticket and call it there; start it unless told not to."""
    wid = hall.ids[window]
    assert _post(hall, clerk, f"/windows/{wid}/open").status_code == 200
    t = _issue(hall, service)
    called = _post(hall, clerk, f"/windows/{wid}/call-next")
    assert called.status_code == 200 and called.get_json()["id"] == t["id"], called.get_json()
    if start:
        assert _post(hall, clerk, f"/tickets/{t['id']}/start").status_code == 200
    return t


def _finish(hall: Hall, clerk: str, ticket: dict[str, Any]) -> None:
    r = _post(hall, clerk, f"/tickets/{ticket['id']}/finish", {"outcome": "done"})
    assert r.status_code == 200, r.get_json()


def _window_events(hall: Hall, window: str) -> list[WindowEvent]:
    with hall.ctx.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(WindowEvent)
            .where(WindowEvent.window_id == hall.ids[window])
            .order_by(WindowEvent.id)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def _window(hall: Hall, window: str) -> dict[str, Any]:
    return dict(hall.client("super").get(f"/api/v1/windows/{hall.ids[window]}").get_json())


# ---- assignment ---------------------------------------------------------------------------------


def test_a_clerk_removed_from_a_window_loses_it_at_once_and_the_window_is_released(
    hall: Hall,
) -> None:
    w1 = hall.ids["w1"]
    t = _serve(hall, "clerk1", "w1", start=False)
    assert (
        hall.client("clerk1").get(f"/api/v1/windows/{w1}/queue").status_code == 200
    )  # principal now cached
    screen = hall.app.extensions["queuehall.realtime"].sio.test_client(
        hall.app, auth={"token": hall.tokens["display"]}
    )
    screen.get_received()
    a = hall.client("admin")
    r = a.patch(f"/api/v1/staff/{hall.ids['clerk1']}", json={"window_ids": [hall.ids["w3"]]})
    assert r.status_code == 200 and r.get_json()["window_ids"] == [hall.ids["w3"]]

    # the window no longer sits open under someone who may not work there
    win = _window(hall, "w1")
    assert win["state"] == "closed" and win["staff"] is None
    assert win["current"] == {
        "id": t["id"],
        "number": t["number"],
        "service_id": t["service_id"],
        "state": "called",
    }
    changed = [
        e["args"][0]["window"] for e in screen.get_received() if e["name"] == "window.changed"
    ]
    assert [(w["id"], w["state"]) for w in changed] == [(w1, "closed")]
    screen.disconnect()
    ev = _window_events(hall, "w1")[-1]
    assert (ev.action, ev.from_state, ev.to_state, ev.reason) == (
        "released",
        "open",
        "closed",
        "unassigned",
    )
    assert ev.staff_id == hall.ids["admin"]
    assert ev.data == {"staff_id": hall.ids["clerk1"], "staff_name": "clerk1", "ticket_id": t["id"]}

    # and its old clerk can do nothing there, right away (the cached principal was dropped)
    assert hall.client("clerk1").get(f"/api/v1/windows/{w1}/queue").status_code == 403
    for path in (
        f"/windows/{w1}/open",
        f"/windows/{w1}/call-next",
        f"/tickets/{t['id']}/recall",
        f"/tickets/{t['id']}/start",
        f"/tickets/{t['id']}/no-show",
    ):
        assert _post(hall, "clerk1", path).status_code == 403, path
    assert (
        _post(
            hall, "clerk1", f"/tickets/{t['id']}/transfer", {"window_id": hall.ids["w3"]}
        ).status_code
        == 403
    )
    # the ticket it held waits at the window for whoever opens it next
    a.patch(f"/api/v1/windows/{w1}", json={"staff_ids": [hall.ids["clerk2"]]})
    assert _post(hall, "clerk2", f"/windows/{w1}/open").status_code == 200
    assert _post(hall, "clerk2", f"/tickets/{t['id']}/start").status_code == 200
    _finish(hall, "clerk2", t)


def test_taking_a_clerk_off_a_window_in_its_own_settings_releases_it_too(hall: Hall) -> None:
    w2 = hall.ids["w2"]
    _post(hall, "clerk2", f"/windows/{w2}/open")
    _post(hall, "clerk2", f"/windows/{w2}/pause", {"reason": "lunch"})
    r = hall.client("admin").patch(
        f"/api/v1/windows/{w2}", json={"staff_ids": [hall.ids["clerk3"]]}
    )
    assert r.status_code == 200
    assert _window(hall, "w2")["state"] == "closed"
    assert [(e.action, e.from_state, e.reason) for e in _window_events(hall, "w2")][-1] == (
        "released",
        "paused",
        "unassigned",
    )
    assert _post(hall, "clerk2", f"/windows/{w2}/resume").status_code == 403
    assert _post(hall, "clerk2", f"/windows/{w2}/open").status_code == 403
    # changes that leave the holder allowed release nothing
    _post(hall, "clerk3", f"/windows/{w2}/open")
    hall.client("admin").patch(
        f"/api/v1/windows/{w2}",
        json={"staff_ids": [hall.ids["clerk3"], hall.ids["clerk2"]], "name": "人社窗口（一）"},
    )
    hall.client("admin").patch(f"/api/v1/staff/{hall.ids['clerk3']}", json={"name": "李娜"})
    assert (
        _window(hall, "w2")["state"] == "open"
        and _window(hall, "w2")["staff"]["id"] == hall.ids["clerk3"]
    )


def test_a_clerk_never_acts_on_a_ticket_at_another_window(hall: Hall) -> None:
    t = _serve(hall, "clerk1", "w1", start=False)
    _post(hall, "clerk2", f"/windows/{hall.ids['w2']}/open")
    for action in ("recall", "start", "no-show"):
        assert _post(hall, "clerk2", f"/tickets/{t['id']}/{action}").status_code == 403
    waiting = _issue(hall)
    for action in ("start", "finish", "recall"):
        assert _post(hall, "clerk1", f"/tickets/{waiting['id']}/{action}").status_code == 403
    assert hall.client("clerk1").get(f"/api/v1/tickets/{t['id']}").get_json()["state"] == "called"


# ---- who reads a window's queue ----------------------------------------------------------------


def test_only_the_windows_clerks_and_supervisors_read_its_waiting_list(hall: Hall) -> None:
    w1 = hall.ids["w1"]
    t = _issue(hall)
    for who in ("clerk1", "super", "admin"):  # the window is closed: its clerk may still look ahead
        r = hall.client(who).get(f"/api/v1/windows/{w1}/queue")
        assert r.status_code == 200 and [i["number"] for i in r.get_json()["items"]] == [
            t["number"]
        ], who
    for who in ("clerk2", "display", "kiosk", "eval1"):
        r = hall.client(who).get(f"/api/v1/windows/{w1}/queue")
        assert r.status_code == 403 and _code(r) == "forbidden", who
    assert hall.app.test_client().get(f"/api/v1/windows/{w1}/queue").status_code == 401


# ---- take-over -------------------------------------------------------------------------------


def test_a_supervisor_takes_over_a_window_with_the_ticket_its_clerk_is_serving(hall: Hall) -> None:
    w1 = hall.ids["w1"]
    t = _serve(hall, "clerk1", "w1")
    assert _post(hall, "clerk2", f"/windows/{w1}/open").status_code == 403  # clerks never take over
    r = _post(hall, "super", f"/windows/{w1}/open")
    assert r.status_code == 200, r.get_json()
    win = r.get_json()
    assert win["state"] == "open" and win["staff"]["id"] == hall.ids["super"]
    assert win["current"]["id"] == t["id"] and win["current"]["state"] == "serving"
    ev = _window_events(hall, "w1")[-1]
    assert (ev.action, ev.from_state, ev.to_state, ev.staff_id) == (
        "taken_over",
        "open",
        "open",
        hall.ids["super"],
    )
    assert ev.data == {
        "from_staff_id": hall.ids["clerk1"],
        "from_staff_name": "clerk1",
        "to_staff_id": hall.ids["super"],
        "to_staff_name": "super",
        "by_staff_id": hall.ids["super"],
        "ticket_id": t["id"],
    }
    # the old clerk is off the window; the supervisor carries on from where they were
    assert (
        _post(hall, "clerk1", f"/tickets/{t['id']}/finish", {"outcome": "done"}).status_code == 403
    )
    assert _post(hall, "clerk1", f"/windows/{w1}/call-next").status_code == 403
    _finish(hall, "super", t)
    assert _post(hall, "eval1", f"/tickets/{t['id']}/evaluation", {"level": 5}).status_code == 201
    with hall.ctx.uow(write=False) as uow:  # the rating goes to who finished the visit
        assert (
            uow.session.scalar(select(Evaluation.staff_id).where(Evaluation.ticket_id == t["id"]))
            == hall.ids["super"]
        )
    nxt = _issue(hall)
    assert _post(hall, "super", f"/windows/{w1}/call-next").get_json()["id"] == nxt["id"]


def test_a_supervisor_takes_over_a_paused_window_and_may_hand_it_to_an_assigned_clerk(
    hall: Hall,
) -> None:
    w2 = hall.ids["w2"]
    _post(hall, "clerk2", f"/windows/{w2}/open")
    _post(hall, "clerk2", f"/windows/{w2}/pause", {"reason": "away"})
    r = _post(hall, "super", f"/windows/{w2}/open")
    assert (
        r.status_code == 200
        and r.get_json()["state"] == "open"
        and r.get_json()["pause_reason"] is None
    )
    # a supervisor names a clerk only if that clerk may work at the window
    r = _post(hall, "super", f"/windows/{w2}/open", {"staff_id": hall.ids["clerk1"]})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "staff_id"
    r = _post(hall, "super", f"/windows/{w2}/open", {"staff_id": hall.ids["clerk2"]})
    assert r.status_code == 200 and r.get_json()["staff"]["id"] == hall.ids["clerk2"]
    assert [(e.action, e.from_state, e.staff_id) for e in _window_events(hall, "w2")][-2:] == [
        ("taken_over", "paused", hall.ids["super"]),
        ("taken_over", "open", hall.ids["clerk2"]),
    ]
    assert _window_events(hall, "w2")[-1].data["by_staff_id"] == hall.ids["super"]


# ---- the counter's rating --------------------------------------------------------------------


def test_the_evaluator_rates_only_the_latest_visit_and_only_soon_after_it(hall: Hall) -> None:
    first = _serve(hall, "clerk1", "w1")
    _finish(hall, "clerk1", first)
    second = _serve(hall, "clerk1", "w1")
    _finish(hall, "clerk1", second)
    r = _post(hall, "eval1", f"/tickets/{first['id']}/evaluation", {"level": 5})
    assert r.status_code == 409 and _code(r) == "evaluation_closed"
    hall.clock.advance(minutes=29)
    assert (
        _post(hall, "eval1", f"/tickets/{second['id']}/evaluation", {"level": 4}).status_code == 201
    )
    # a second rating stays `already_evaluated`, however late
    hall.clock.advance(minutes=60)
    r = _post(hall, "eval1", f"/tickets/{second['id']}/evaluation", {"level": 1, "reason": "x"})
    assert r.status_code == 409 and _code(r) == "already_evaluated"

    late = _serve(hall, "clerk1", "w1")
    _finish(hall, "clerk1", late)
    hall.clock.advance(minutes=30, seconds=1)
    r = _post(hall, "eval1", f"/tickets/{late['id']}/evaluation", {"level": 5})
    assert (
        r.status_code == 409
        and _code(r) == "evaluation_closed"
        and "30 minutes" in r.get_json()["error"]["message"]
    )
    assert (
        _post(hall, "eval1", f"/tickets/{late['id']}/evaluation", {"level": 2}).status_code == 422
    )  # still 422 first
    hall.clock.advance(days=3)
    assert (
        _post(hall, "eval1", f"/tickets/{late['id']}/evaluation", {"level": 5}).status_code == 409
    )
    with hall.ctx.uow(write=False) as uow:
        rated = uow.session.scalars(select(Evaluation.ticket_id)).all()
    assert rated == [second["id"]]


def test_the_rating_time_is_configurable_and_a_visit_in_progress_does_not_close_the_last_one(
    hall: Hall,
) -> None:
    hall.app.config["EVALUATION_WINDOW_MIN"] = 5
    done = _serve(hall, "clerk1", "w1")
    _finish(hall, "clerk1", done)
    _serve(hall, "clerk1", "w1")  # the next visitor is at the counter while the last one rates
    hall.clock.advance(minutes=4)
    assert (
        _post(hall, "eval1", f"/tickets/{done['id']}/evaluation", {"level": 3}).status_code == 201
    )
    other = _serve(hall, "clerk2", "w2", service="B")
    _finish(
        hall, "clerk2", other
    )  # another window's visit neither closes nor opens this window's rating
    hall.clock.advance(minutes=5, seconds=1)
    r = _post(hall, "eval2", f"/tickets/{other['id']}/evaluation", {"level": 5})
    assert r.status_code == 409 and _code(r) == "evaluation_closed"
    assert (
        _post(hall, "eval1", f"/tickets/{other['id']}/evaluation", {"level": 5}).status_code == 403
    )


# ---- inactive departments ----------------------------------------------------------------------


def test_no_ticket_is_issued_for_an_item_of_a_deactivated_department(hall: Hall) -> None:
    a = hall.client("admin")
    assert a.patch(f"/api/v1/services/{hall.ids['B']}", json={"active": False}).status_code == 200
    item_off = _post(hall, "kiosk", "/tickets", {"service_id": hall.ids["B"]})
    a.patch(f"/api/v1/services/{hall.ids['B']}", json={"active": True})
    assert (
        a.patch(f"/api/v1/departments/{hall.ids['dept1']}", json={"active": False}).status_code
        == 200
    )
    dept_off = _post(hall, "kiosk", "/tickets", {"service_id": hall.ids["A"]})
    assert dept_off.status_code == item_off.status_code == 409
    assert _code(dept_off) == _code(item_off) == "service_unavailable"
    assert (
        _post(hall, "clerk1", "/tickets", {"service_id": hall.ids["A"]}).status_code == 409
    )  # staff too
    listed = [s["id"] for s in hall.app.test_client().get("/api/v1/services").get_json()["items"]]
    assert hall.ids["A"] not in listed and hall.ids["B"] in listed
    assert [
        s["id"] for s in hall.client("clerk1").get("/api/v1/services").get_json()["items"]
    ] == listed
    # nor is a visitor transferred to it
    t = _serve(hall, "clerk2", "w2", service="B")
    r = _post(hall, "clerk2", f"/tickets/{t['id']}/transfer", {"service_id": hall.ids["A"]})
    assert r.status_code == 404 and r.get_json()["error"]["field"] == "service_id"
    a.patch(f"/api/v1/departments/{hall.ids['dept1']}", json={"active": True})
    assert _post(hall, "kiosk", "/tickets", {"service_id": hall.ids["A"]}).status_code == 201
