"""A staff page opens its socket with a two-minute realtime token (caller.realtime_token). The
socket must stay for as long as the sign-in behind it holds: every revocation in the hall (a
sign-out, a catalogue save) makes the server check its open sockets, and one that counted the
token's expiry dropped every clerk page older than two minutes at each of them."""

from __future__ import annotations

from tests.conftest import Hall


def test_a_clerk_pages_socket_outlives_its_token_and_ends_with_the_sign_in(hall: Hall) -> None:
    realtime = hall.app.extensions["queuehall.realtime"]
    clerk = hall.client("clerk1")
    r = clerk.post("/api/v1/caller/realtime-token", json={})
    assert r.status_code == 200, r.get_json()
    page = realtime.sio.test_client(hall.app, auth={"token": r.get_json()["access_token"]})
    screen = realtime.sio.test_client(hall.app, auth={"token": hall.tokens["display"]})
    assert page.is_connected() and screen.is_connected()

    hall.clock.advance(minutes=10)  # the realtime token expired long ago; the sign-in holds
    admin = hall.client("admin")
    r = admin.patch(f"/api/v1/services/{hall.ids['A']}", json={"name": "个体工商户设立登记（新）"})
    assert r.status_code == 200, r.get_json()  # a catalogue save: a revocation check in the hall
    assert realtime.disconnect_revoked() == 0
    assert page.is_connected() and screen.is_connected()

    # the clerk's password is reset: their sign-ins end, and the page's socket with them
    staff = admin.get("/api/v1/staff").get_json()["items"]
    clerk_id = next(s["id"] for s in staff if s["username"] == "clerk1")
    r = admin.post(f"/api/v1/staff/{clerk_id}/reset-password")
    assert r.status_code == 200, r.get_json()
    realtime.disconnect_revoked()  # (the reset's own check, started in the background, may be first)
    assert not page.is_connected()
    assert screen.is_connected()


def test_a_clerk_pages_socket_ends_when_the_clerk_signs_out_or_the_sign_in_expires(
    hall: Hall,
) -> None:
    from server.services.access.auth import TOKEN_LIFETIME

    realtime = hall.app.extensions["queuehall.realtime"]
    clerk = hall.client("clerk1")

    def page() -> tuple[object, str]:
        r = clerk.post("/api/v1/caller/realtime-token", json={})
        assert r.status_code == 200, r.get_json()
        token = r.get_json()["access_token"]
        sock = realtime.sio.test_client(hall.app, auth={"token": token})
        assert sock.is_connected()
        return sock, token

    # the sign-in expires (a clerk who left the page open overnight): its page's socket goes
    first, _ = page()
    hall.clock.advance(seconds=TOKEN_LIFETIME.total_seconds() - 60)
    assert realtime.disconnect_revoked() == 0 and first.is_connected()
    hall.clock.advance(minutes=2)
    assert realtime.disconnect_revoked() == 1
    assert not first.is_connected()

    # signed in again, then signed out: the page's socket goes, and its token no longer works
    r = hall.app.test_client().post(
        "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
    )
    assert r.status_code == 200, r.get_json()
    clerk = hall.app.test_client()
    clerk.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {r.get_json()['access_token']}"
    second, token = page()
    hall.clock.advance(minutes=10)  # long past the realtime token's own two minutes
    assert realtime.disconnect_revoked() == 0 and second.is_connected()
    assert clerk.post("/api/v1/auth/logout", json={}).status_code == 200
    realtime.disconnect_revoked()  # (the sign-out's own check, in the background, may be first)
    assert not second.is_connected()
    hall.clock.advance(minutes=-10)  # within its two minutes again: revoked all the same
    r = hall.app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
