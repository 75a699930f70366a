"""Helpers of the issue-18 tests: a served visit, a phone rating, moving the clock with fresh tokens."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall

STAFF = ("clerk1", "clerk2", "clerk3", "clerk4", "super", "admin")


def relogin(hall: Hall, *names: str) -> None:
    """Fresh staff tokens after the clock moved past their 12 hours."""
    from server.services.access import auth

    for name in names or STAFF:
        hall.tokens[name], _ = auth.login(hall.ctx, name, f"pw-{name}-123456")


def advance(hall: Hall, **kw: float) -> None:
    """Move the hall's clock and sign the staff in again."""
    hall.clock.advance(**kw)
    relogin(hall)


def visit(hall: Hall, window: int = 1, service: str = "A", finish: bool = True) -> dict[str, Any]:
    """A ticket served at `window` by its clerk; finished unless told otherwise."""
    ids, clerk = hall.ids, hall.client(f"clerk{window}")
    t = hall.client("kiosk").post("/api/v1/tickets", json={"service_id": ids[service]}).get_json()
    clerk.post(f"/api/v1/windows/{ids[f'w{window}']}/open", json={})
    called = clerk.post(f"/api/v1/windows/{ids[f'w{window}']}/call-next").get_json()
    assert called["id"] == t["id"], called
    clerk.post(f"/api/v1/tickets/{t['id']}/start")
    if finish:
        assert (
            clerk.post(f"/api/v1/tickets/{t['id']}/finish", json={"outcome": "done"}).status_code
            == 200
        )
    return t


def phone(hall: Hall, t: dict[str, Any], body: dict[str, Any]) -> Any:
    """Rate from the ticket's page, as anyone holding its public id."""
    return hall.app.test_client().post(
        f"/api/v1/public/tickets/{t['public_id']}/evaluation", json=body
    )
