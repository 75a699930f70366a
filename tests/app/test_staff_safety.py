"""Admin changes to staff take effect at once: old sign-ins end, windows are released, an admin stays."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.storage.models import Staff, WindowEvent
from tests.conftest import Hall


def _sign_in(hall: Hall, username: str, password: str | None = None) -> tuple[Any, str]:
    """A browser-like client signed in by cookie, and the bearer token the same sign-in returned."""
    c = hall.app.test_client()
    r = c.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password or f"pw-{username}-123456"},
    )
    assert r.status_code == 200, r.get_json()
    return c, str(r.get_json()["access_token"])


def _me(hall: Hall, token: str) -> int:
    return int(
        hall.client()
        .get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


def _page_signed_in(cookie_client: Any) -> bool:
    page = cookie_client.get("/caller").get_data(as_text=True)
    return 'id="window-select"' in page and 'id="signin"' not in page


def _realtime_token(hall: Hall, who: str) -> str:
    r = hall.client(who).post("/api/v1/caller/realtime-token", json={})
    assert r.status_code == 200
    return str(r.get_json()["access_token"])


def test_a_password_reset_ends_every_earlier_sign_in_at_once(hall: Hall) -> None:
    page, token = _sign_in(hall, "clerk1")
    socket_token = _realtime_token(hall, "clerk1")
    assert _me(hall, token) == 200 and _page_signed_in(page)  # and now cached
    r = hall.client("admin").post(f"/api/v1/staff/{hall.ids['clerk1']}/reset-password")
    assert r.status_code == 200
    for old in (token, hall.tokens["clerk1"], socket_token):
        assert _me(hall, old) == 401
    assert not _page_signed_in(page)
    assert page.get("/api/v1/auth/me").status_code == 401
    sio = hall.app.extensions["queuehall.realtime"].sio.test_client(
        hall.app, auth={"token": socket_token}
    )
    assert not sio.is_connected()
    # the new password works; the old one does not
    assert (
        hall.app.test_client()
        .post("/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"})
        .status_code
        == 401
    )
    _, fresh = _sign_in(hall, "clerk1", r.get_json()["password"])
    assert _me(hall, fresh) == 200


def test_a_role_change_or_a_new_password_by_patch_signs_the_person_out(hall: Hall) -> None:
    _, sup_token = _sign_in(hall, "super")
    assert _me(hall, sup_token) == 200
    a = hall.client("admin")
    assert a.patch(f"/api/v1/staff/{hall.ids['super']}", json={"role": "clerk"}).status_code == 200
    assert _me(hall, sup_token) == 401 and _me(hall, hall.tokens["super"]) == 401
    _, after = _sign_in(hall, "super")
    me = (
        hall.client()
        .get("/api/v1/auth/me", headers={"Authorization": f"Bearer {after}"})
        .get_json()
    )
    assert me["role"] == "clerk"
    assert (
        a.patch(
            f"/api/v1/staff/{hall.ids['super']}", json={"password": "a-new-password-42"}
        ).status_code
        == 200
    )
    assert _me(hall, after) == 401
    # a change that takes nothing away keeps the sign-in
    assert (
        a.patch(
            f"/api/v1/staff/{hall.ids['clerk2']}", json={"name": "王芳", "badge": "RS-01"}
        ).status_code
        == 200
    )
    assert _me(hall, hall.tokens["clerk2"]) == 200


def test_a_deactivated_clerk_is_signed_out_and_their_window_closed(hall: Hall) -> None:
    w2 = hall.ids["w2"]
    c = hall.client("clerk2")
    assert c.post(f"/api/v1/windows/{w2}/open", json={}).status_code == 200
    page, token = _sign_in(hall, "clerk2")
    assert _page_signed_in(page)
    r = hall.client("admin").patch(f"/api/v1/staff/{hall.ids['clerk2']}", json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert (
        _me(hall, token) == 401
        and _me(hall, hall.tokens["clerk2"]) == 401
        and not _page_signed_in(page)
    )
    assert c.post(f"/api/v1/windows/{w2}/call-next", json={}).status_code == 401
    win = hall.client("super").get(f"/api/v1/windows/{w2}").get_json()
    assert win["state"] == "closed" and win["staff"] is None
    with hall.ctx.uow(write=False) as uow:
        ev = uow.session.scalars(
            select(WindowEvent).where(WindowEvent.window_id == w2).order_by(WindowEvent.id.desc())
        ).first()
        assert ev is not None and (ev.action, ev.reason) == ("released", "deactivated")
        assert ev.data is not None and ev.data["staff_name"] == "clerk2"
    assert (
        hall.app.test_client()
        .post("/api/v1/auth/login", json={"username": "clerk2", "password": "pw-clerk2-123456"})
        .status_code
        == 401
    )


def test_deleting_a_staff_member_ends_their_sign_ins_and_one_with_history_is_deactivated_instead(
    hall: Hall,
) -> None:
    a = hall.client("admin")
    new = a.post(
        "/api/v1/staff",
        json={
            "username": "temp1",
            "name": "临时",
            "password": "pw-temp1-123456",
            "window_ids": [hall.ids["w4"]],
        },
    ).get_json()
    _, token = _sign_in(hall, "temp1")
    assert (
        a.delete(f"/api/v1/staff/{new['id']}").status_code == 200
    )  # never worked at a window: gone
    assert _me(hall, token) == 401
    # one who has opened a window is in the window log: deleting is refused (figures must stay
    # traceable to a person) and deactivating ends the sign-in and frees the window
    other = a.post(
        "/api/v1/staff",
        json={
            "username": "temp2",
            "name": "临时二",
            "password": "pw-temp2-123456",
            "window_ids": [hall.ids["w4"]],
        },
    ).get_json()
    _, token = _sign_in(hall, "temp2", "pw-temp2-123456")
    opened = hall.client().post(
        f"/api/v1/windows/{hall.ids['w4']}/open",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert opened.status_code == 200
    refused = a.delete(f"/api/v1/staff/{other['id']}")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "has_history"
    assert a.patch(f"/api/v1/staff/{other['id']}", json={"active": False}).status_code == 200
    assert _me(hall, token) == 401
    win = hall.client("super").get(f"/api/v1/windows/{hall.ids['w4']}").get_json()
    assert win["state"] == "closed" and win["staff"] is None


def test_an_admin_can_neither_lock_themselves_out_nor_remove_the_last_admin(hall: Hall) -> None:
    a = hall.client("admin")
    me = hall.ids["admin"]
    for change in ({"active": False}, {"role": "supervisor"}):
        r = a.patch(f"/api/v1/staff/{me}", json=change)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "last_admin", change
    r = a.delete(f"/api/v1/staff/{me}")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "last_admin"
    # with a second admin it is still not your own account to remove
    other = a.post(
        "/api/v1/staff",
        json={
            "username": "admin2",
            "name": "副管理员",
            "role": "admin",
            "password": "pw-admin2-123456",
        },
    ).get_json()
    for change in ({"active": False}, {"role": "clerk"}):
        r = a.patch(f"/api/v1/staff/{me}", json=change)
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "own_account", change
    assert a.delete(f"/api/v1/staff/{me}").get_json()["error"]["code"] == "own_account"
    # harmless edits of yourself pass, and nothing above changed anything
    assert (
        a.patch(
            f"/api/v1/staff/{me}", json={"name": "管理员", "role": "admin", "active": True}
        ).status_code
        == 200
    )
    assert _me(hall, hall.tokens["admin"]) == 200
    with hall.ctx.uow(write=False) as uow:
        row = uow.session.get_one(Staff, me)
        assert (row.role, row.active) == ("admin", True)
    # another admin may be demoted while one remains; then the remaining one is the last
    _, other_token = _sign_in(hall, "admin2", "pw-admin2-123456")
    assert a.patch(f"/api/v1/staff/{other['id']}", json={"role": "supervisor"}).status_code == 200
    assert _me(hall, other_token) == 401
    assert (
        a.patch(f"/api/v1/staff/{me}", json={"role": "clerk"}).get_json()["error"]["code"]
        == "last_admin"
    )
    # an inactive admin is no safety net: deactivating the only active one is refused too
    a.patch(f"/api/v1/staff/{other['id']}", json={"role": "admin", "active": False})
    assert (
        a.patch(f"/api/v1/staff/{me}", json={"active": False}).get_json()["error"]["code"]
        == "last_admin"
    )


def test_a_null_in_a_staff_patch_is_refused_and_changes_nothing(hall: Hall) -> None:
    a = hall.client("admin")
    r = a.patch(
        f"/api/v1/staff/{hall.ids['clerk1']}", json={"role": None, "name": None, "active": None}
    )
    assert r.status_code == 422 and r.get_json()["error"]["field"] in ("role", "name", "active")
    st = next(
        x for x in a.get("/api/v1/staff").get_json()["items"] if x["id"] == hall.ids["clerk1"]
    )
    assert (st["role"], st["name"], st["active"]) == ("clerk", "clerk1", True)
    assert _me(hall, hall.tokens["clerk1"]) == 200  # a refused change signs nobody out
