"""What every page shares: the hall's own name, its time zone, locally served assets."""

from __future__ import annotations

import json
import re

from tests.conftest import Hall


def qh_config(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="qh-config">(\{.*?\})</script>', html, re.S)
    assert m, "page has no QH_CONFIG"
    return json.loads(m.group(1))


def test_pages_name_the_hall_itself_and_carry_its_time_zone(sqlite_hall: Hall) -> None:
    c = sqlite_hall.client()
    html = c.get("/caller").get_data(as_text=True)
    assert "测试中心" in html
    cfg = qh_config(html)
    assert cfg["timezone"] == "Asia/Shanghai" and cfg["strings"]["common.centre"] == "测试中心"
    kiosk = c.get(f"/kiosk?token={sqlite_hall.tokens['kiosk']}").get_data(as_text=True)
    assert "<title>" in kiosk and "测试中心" in kiosk


def test_every_script_and_stylesheet_is_served_by_the_hall(sqlite_hall: Hall) -> None:
    c = sqlite_hall.client()
    pages = [
        "/caller",
        "/admin",
        f"/kiosk?token={sqlite_hall.tokens['kiosk']}",
        f"/display/hall?token={sqlite_hall.tokens['display']}",
    ]
    for page in pages:
        html = c.get(page).get_data(as_text=True)
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", ref), f"{page} loads {ref} from outside the hall"
            if ref.startswith("/vendor/") or ref.startswith("/static/"):
                assert c.get(ref).status_code == 200, f"{page}: {ref} is missing"
