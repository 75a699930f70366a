"""Helpers of the case tests: a promised item in the small test hall, a visit to the counter."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hall

CN2026_HOLIDAYS = (
    ["2026-01-01", "2026-01-02", "2026-01-03"]
    + [f"2026-02-{d}" for d in range(15, 24)]
    + [
        "2026-04-04",
        "2026-04-05",
        "2026-04-06",
        "2026-05-01",
        "2026-05-02",
        "2026-05-03",
        "2026-05-04",
        "2026-05-05",
        "2026-06-19",
        "2026-06-20",
        "2026-06-21",
        "2026-09-25",
        "2026-09-26",
        "2026-09-27",
    ]
    + [f"2026-10-0{d}" for d in range(1, 8)]
)
CN2026_WORKDAYS = [
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
]


def post(hall: Hall, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return hall.client(who).post("/api/v1" + path, json=body or {})


def add_promised_item(hall: Hall, days: int = 3) -> int:
    """不动产抵押权首次登记, promised in `days` working days, served at window 1 and comprehensive window 3."""
    admin = hall.client("admin")
    r = admin.post(
        "/api/v1/services",
        json={
            "department_id": hall.ids["dept1"],
            "name": "不动产抵押权首次登记",
            "prefix": "D",
            "mode": "promised",
            "promised_days": days,
            "disclosure": {
                "materials": ["不动产登记申请书", "抵押合同", "主债权合同"],
                "basis": "《不动产登记暂行条例》",
            },
        },
    )
    assert r.status_code == 201, r.get_json()
    sid = int(r.get_json()["id"])
    for w, wt in (("w1", 10), ("w3", 5)):
        cur = {s: 5 for s in admin.get(f"/api/v1/windows/{hall.ids[w]}").get_json()["service_ids"]}
        cur[sid] = wt
        body = {"services": [{"service_id": s, "weight": x} for s, x in cur.items()]}
        assert admin.patch(f"/api/v1/windows/{hall.ids[w]}", json=body).status_code == 200
    hall.ids["D"] = sid
    return sid


def serve(
    hall: Hall, service: str = "D", window: str = "w1", clerk: str = "clerk1"
) -> dict[str, Any]:
    """Issue a ticket and bring it to the counter (serving)."""
    post(hall, clerk, f"/windows/{hall.ids[window]}/open")
    t = post(hall, "kiosk", "/tickets", {"service_id": hall.ids[service]}).get_json()
    called = post(hall, clerk, f"/windows/{hall.ids[window]}/call-next").get_json()
    assert called["id"] == t["id"], called
    assert post(hall, clerk, f"/tickets/{t['id']}/start").status_code == 200
    return dict(t)


def accept(
    hall: Hall, name: str = "张小明", phone: str = "13812345678", **kw: Any
) -> dict[str, Any]:
    """A visit to window 1 that ends in 受理: the ticket's answer, with its case."""
    t = serve(hall, **kw)
    r = post(
        hall,
        kw.get("clerk", "clerk1"),
        f"/tickets/{t['id']}/finish",
        {"outcome": "accepted", "applicant": {"name": name, "phone": phone}},
    )
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())
