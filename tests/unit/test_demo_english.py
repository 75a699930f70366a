"""The demo hall's guides in English (issue 15 #19): every item has every guide field in English."""

from __future__ import annotations

import re

from server import demo_data as D
from server.demo_data_en import english_guide

CJK = re.compile(r"[\u3400-\u9fff]")


def _english(text: str) -> bool:
    return bool(text) and not CJK.search(text)


def test_every_demo_item_has_its_whole_guide_in_english_line_for_line() -> None:
    for item in D.SERVICES:
        d = {**item["disclosure"], **english_guide(item["code"], item["disclosure"])}
        assert item["name_en"], item["code"]
        for field in ("basis", "conditions", "time_limit", "fees"):
            assert _english(d[f"{field}_en"]), (item["code"], field, d[f"{field}_en"])
        for field in ("materials", "procedure"):
            english = d[f"{field}_en"]
            assert len(english) == len(d[field]), (
                item["code"],
                field,
            )  # one English line per Chinese line
            assert all(_english(line) for line in english), (item["code"], field, english)
