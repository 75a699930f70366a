"""What every page relies on: the icon, the vendored browser assets, the security headers."""

from __future__ import annotations

import io

from tests.conftest import Hall


def test_the_favicon_is_served_as_an_icon(sqlite_hall: Hall) -> None:
    from PIL import Image

    r = sqlite_hall.client().get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(r.get_data()))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
