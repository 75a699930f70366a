"""Search keywords for the kiosk: common words of a service hall, each tied to the items it finds.

The kiosk's on-screen keyboard types Latin letters only, so a visitor who does not know pinyin
initials taps a keyword instead. A keyword is offered only when the hall's catalogue has items
for it; its label on screen comes from the translations (`kiosk.kw.<key>`), and it finds every
item whose name, or whose department's short name, holds one of its terms.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    ("tax", ("税", "发票")),
    ("retirement", ("退休", "养老")),
    ("employment", ("就业", "失业", "创业")),
    ("disability", ("残疾",)),
    ("assistance", ("救助", "最低生活保障", "低保", "特困", "津贴", "补贴")),
    ("birth", ("出生", "新生儿")),
    ("permit", ("许可",)),
    ("transport", ("运输", "机动车", "驾驶", "出租汽车")),
    ("construction", ("规划", "施工", "建设工程", "用地")),
    ("housing", ("住房", "租赁", "网签")),
    ("one_thing", ("一件事",)),
)


def keywords_for(items: Iterable[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """The keywords that find something among (service id, name, department short name), with the ids."""
    rows = list(items)
    out = []
    for key, terms in KEYWORDS:
        ids = [sid for sid, name, dept in rows if any(t in name or (dept and t in dept) for t in terms)]
        if ids:
            out.append({"key": key, "service_ids": ids})
    return out
