"""Issue 15 (part A): priority tickets, logout, deep JSON, lockout, demo init, image bombs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Hall

# ---- 1: a device issues only normal tickets ----------------------------------------------------


@pytest.mark.parametrize("priority", ["priority", "green"])
def test_a_kiosk_token_alone_cannot_issue_a_priority_or_green_ticket(
    hall: Hall, priority: str
) -> None:
    kiosk = hall.client("kiosk")
    r = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"], "priority": priority})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "confirmation_required"
    # nothing was issued and no number was used: the next normal ticket is A001
    r = kiosk.post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
    assert r.status_code == 201 and r.get_json()["number"] == "A001"


def test_staff_still_issue_priority_tickets_themselves(hall: Hall) -> None:
    r = hall.client("clerk1").post(
        "/api/v1/tickets", json={"service_id": hall.ids["A"], "priority": "green"}
    )
    assert r.status_code == 201 and r.get_json()["priority"] == "green"


def test_a_kiosk_with_a_staff_code_still_issues_a_priority_ticket(hall: Hall) -> None:
    code = (
        hall.client("clerk1")
        .post("/api/v1/confirm-codes", json={"priority": "priority"})
        .get_json()["code"]
    )
    r = hall.client("kiosk").post(
        "/api/v1/kiosk/confirmed-tickets",
        json={"service_id": hall.ids["A"], "priority": "priority", "code": code},
    )
    assert r.status_code == 201 and r.get_json()["priority"] == "priority"


# ---- 2: bearer logout revokes that token ---------------------------------------------------------


def test_bearer_logout_revokes_the_token_it_was_called_with(hall: Hall) -> None:
    r = hall.client().post(
        "/api/v1/auth/login", json={"username": "clerk1", "password": "pw-clerk1-123456"}
    )
    token = r.get_json()["access_token"]
    api = hall.app.test_client(use_cookies=False)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/auth/me", headers=bearer).status_code == 200
    assert api.post("/api/v1/auth/logout", headers=bearer).status_code == 200
    r = api.post(f"/api/v1/windows/{hall.ids['w1']}/open", json={}, headers=bearer)
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert api.get("/api/v1/auth/me", headers=bearer).status_code == 401
    # the clerk's other sign-ins are theirs to end separately
    assert hall.client("clerk1").get("/api/v1/auth/me").status_code == 200


# ---- 7: deep JSON is malformed input ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1000,
        "[" * 1000 + "]" * 1000,
        '{"service_id": ' + "[" * 200 + "]" * 200 + "}",
        '{"a":' * 5000 + "1" + "}" * 5000,
    ],
)
def test_deeply_nested_json_is_a_400_not_a_500(sqlite_hall: Hall, body: str) -> None:
    kiosk, clerk = sqlite_hall.client("kiosk"), sqlite_hall.client("clerk1")
    for c, path in (
        (kiosk, "/api/v1/tickets"),
        (clerk, "/api/v1/auth/logout"),
        (clerk, "/api/v1/tickets/1/recall"),
    ):
        r = c.post(path, data=body, content_type="application/json")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_json", (
            path,
            r.status_code,
        )
    r = sqlite_hall.client().post("/api/v1/auth/login", data=body, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_json"
    # ordinary nesting (an object with a list of objects) still works
    ok = sqlite_hall.client("kiosk").post(
        "/api/v1/tickets", json={"service_id": sqlite_hall.ids["A"]}
    )
    assert ok.status_code == 201


# ---- 14: every bad rating raises exactly one alert ------------------------------------------------


def _serve(hall: Hall, clerk: str, window: str, service: str) -> dict[str, Any]:
    c = hall.client(clerk)
    t = (
        hall.client("kiosk")
        .post("/api/v1/tickets", json={"service_id": hall.ids[service]})
        .get_json()
    )
    r = c.post(f"/api/v1/windows/{hall.ids[window]}/call-next")
    assert r.status_code == 200 and r.get_json()["id"] == t["id"], r.get_json()
    assert c.post(f"/api/v1/tickets/{t['id']}/start").status_code == 200
    hall.clock.advance(minutes=3)
    assert c.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"}).status_code == 200
    return t


def test_a_bad_rating_raises_one_alert_even_when_another_window_works_right_after_it(
    hall: Hall,
) -> None:
    from server.services.oversight import alerts

    for clerk, window in (("clerk1", "w1"), ("clerk2", "w2")):
        assert (
            hall.client(clerk).post(f"/api/v1/windows/{hall.ids[window]}/open", json={}).status_code
            == 200
        )
    rated = []
    for _ in range(2):
        t = _serve(hall, "clerk1", "w1", "A")
        r = hall.client("eval1").post(
            f"/api/v1/tickets/{t['id']}/evaluation", json={"level": 1, "reason": "态度差"}
        )
        assert r.status_code == 201
        rated.append(t["number"])
        hall.clock.advance(seconds=5)
        _serve(
            hall, "clerk2", "w2", "B"
        )  # another window calls and finishes within seconds of the rating
        hall.clock.advance(seconds=50)
        alerts.check(hall.ctx)
    alerts.check(hall.ctx)  # a later round raises nothing twice
    items = hall.client("super").get("/api/v1/alerts").get_json()["items"]
    bad = sorted(a["data"]["number"] for a in items if a["kind"] == "bad_rating")
    assert bad == sorted(rated)


# ---- 9: lockout by account and address, unknown names answered alike ----------------------------


def _login(hall: Hall, user: str, password: str, addr: str = "10.0.0.66") -> Any:
    return hall.client().post(
        "/api/v1/auth/login",
        json={"username": user, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def test_an_attacker_locks_out_only_their_own_address_not_the_admin(hall: Hall) -> None:
    for _ in range(5):
        assert _login(hall, "admin", "guess-123456").status_code == 401
    r = _login(hall, "admin", "pw-admin-123456")
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "locked_out"
    # the admin at their own desk still signs in
    assert _login(hall, "admin", "pw-admin-123456", addr="10.0.0.2").status_code == 200


def test_unknown_usernames_are_answered_exactly_like_known_ones(hall: Hall) -> None:
    def trail(user: str, addr: str) -> list[tuple[int, str, str]]:
        out = []
        for _ in range(7):
            r = _login(hall, user, "guess-123456", addr)
            err = r.get_json()["error"]
            out.append((r.status_code, err["code"], err["message"]))
        return out

    known, unknown = trail("clerk3", "10.0.1.1"), trail("no-such-clerk", "10.0.1.2")
    assert known == unknown
    assert [s for s, _c, _m in known] == [401] * 5 + [429] * 2


def test_unknown_usernames_cost_a_password_hash_like_known_ones(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.services.access import auth

    checked: list[str] = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    _login(hall, "clerk3", "guess-123456")
    _login(hall, "no-such-clerk", "guess-123456")
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_each_lockout_of_a_pair_lasts_longer_than_the_last(hall: Hall) -> None:
    until = []
    for _round in range(3):
        while True:
            r = _login(hall, "clerk4", "guess-123456")
            if r.status_code == 429:
                break
            assert r.status_code == 401
        from datetime import datetime

        ends = datetime.fromisoformat(r.get_json()["error"]["until"])
        until.append((ends - hall.clock.now()).total_seconds())
        hall.clock.current = ends  # wait it out; the next wrong password locks again, for longer
    assert until[0] > 0 and until[1] > until[0] and until[2] > until[1]
    hall.clock.current = hall.clock.now()
    assert (
        _login(hall, "clerk4", "pw-clerk4-123456").status_code == 200
    )  # the right password after the wait


# ---- 12: image bombs are refused before they are decoded --------------------------------------------


def _image(mode: str, size: tuple[int, int], fmt: str) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (
            lambda: _image("L", (12000, 12000), "PNG"),
            "/api/v1/admin/uploads",
        ),  # 140 kB, 144 million pixels
        (lambda: _image("1", (30000, 30000), "PNG"), "/api/v1/admin/uploads"),
        (lambda: _image("RGB", (8000, 4000), "JPEG"), "/api/v1/staff/{clerk1}/photo"),
    ],
)
def test_an_image_with_too_many_pixels_is_refused_without_decoding_it(
    sqlite_hall: Hall, monkeypatch: pytest.MonkeyPatch, data: Any, path: str
) -> None:
    import io

    from PIL import ImageFile

    body = data()
    assert (
        len(body) < 5 * 1024 * 1024
    )  # small enough for the byte limit: only the pixel count can stop it
    decoded: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(
        ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self)
    )
    r = sqlite_hall.client("admin").post(
        path.format(clerk1=sqlite_hall.ids["clerk1"]),
        data={"file": (io.BytesIO(body), "big.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    err = r.get_json()["error"]
    assert (
        err["field"] == "file" and err["reason"] == "image_too_large" and "pixels" in err["message"]
    )
    assert decoded == []
    # a photo of ordinary size still goes through, scaled
    r = sqlite_hall.client("admin").post(
        "/api/v1/admin/uploads",
        data={"file": (io.BytesIO(_image("RGB", (4032, 3024), "JPEG")), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.get_json()


def test_the_hall_goes_on_issuing_while_a_password_is_checked(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password hash at the production cost takes tens of milliseconds: a sign-in must not hold
    the hall's write turn meanwhile (on SQLite a kiosk's ticket would wait for it, then fail)."""
    import threading

    from server.services.access import auth

    issued: list[int] = []
    real = auth.verify_password

    def verify_while_a_kiosk_issues(h: str, p: str) -> bool:
        kiosk = threading.Thread(
            target=lambda: issued.append(
                hall.client("kiosk")
                .post("/api/v1/tickets", json={"service_id": hall.ids["A"]})
                .status_code
            )
        )
        kiosk.start()
        kiosk.join()  # the kiosk's ticket is issued while this sign-in is being checked
        return bool(real(h, p))

    monkeypatch.setattr(auth, "verify_password", verify_while_a_kiosk_issues)
    assert _login(hall, "clerk3", "guess-123456").status_code == 401
    assert _login(hall, "admin", "pw-admin-123456").status_code == 200
    assert issued == [201, 201]
