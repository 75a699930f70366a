"""Search keywords for the kiosk: common words of a service hall, each tied to the items it finds.

The kiosk's on-screen keyboard types Latin letters only, so a visitor who does not know pinyin
initials taps a keyword instead. A keyword is offered only when the hall's catalogue has items
for it; its label on screen comes from the translations (`kiosk.kw.<key>`), and it finds every
item whose name, or whose department's short name, holds one of its terms.

Typed words find the same items: each keyword carries its terms and their pinyin initials, so the
kiosk matches `sb` (社保), `gjj` (公积金) or a typed 社保 to the keyword's items, as a tap on it would.
The first term of each keyword is its label on the Chinese screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# (key, terms), most asked-for first; the terms are matched against the Chinese names.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("licence", ("营业执照", "个体工商户", "公司设立", "企业开办", "设立登记")),
    ("social_security", ("社保", "社会保障", "社会保险", "参保", "养老保险", "失业保险")),
    ("medical_insurance", ("医保", "医疗保险", "医疗保障", "就医", "医疗费用", "门诊")),
    ("household", ("户口", "户籍", "出生登记", "居住证")),
    ("id_card", ("身份证",)),
    ("provident_fund", ("公积金",)),
    ("real_estate", ("不动产", "二手房", "商品房")),
    ("tax", ("税务", "税", "发票")),
    ("retirement", ("退休", "养老")),
    ("employment", ("就业", "失业", "创业")),
    ("disability", ("残疾人", "残疾")),
    ("assistance", ("救助补贴", "救助", "最低生活保障", "低保", "特困", "津贴", "补贴")),
    ("birth", ("出生", "新生儿")),
    ("permit", ("许可证", "许可")),
    ("transport", ("交通运输", "运输", "机动车", "驾驶", "出租汽车")),
    ("construction", ("规划建设", "规划", "施工", "建设工程", "用地")),
    ("housing", ("住房", "租赁", "网签")),
    ("one_thing", ("一件事",)),
)


def keywords_for(
    items: Iterable[tuple[int, str, str]], initials: Mapping[str, tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    """The keywords that find something among (service id, name, department short name), with the ids,
    their terms and the terms' pinyin initials (`initials`: term -> (initials, full pinyin))."""
    rows = list(items)
    out = []
    for key, terms in KEYWORDS:
        ids = [
            sid for sid, name, dept in rows if any(t in name or (dept and t in dept) for t in terms)
        ]
        if ids:
            keys = sorted(
                {initials[t][0] for t in terms if initials and initials.get(t, ("", ""))[0]}
            )
            out.append({"key": key, "service_ids": ids, "terms": list(terms), "initials": keys})
    return out


def all_terms() -> list[str]:
    """Every keyword term (for computing their pinyin initials in one go)."""
    return sorted({t for _key, terms in KEYWORDS for t in terms})
