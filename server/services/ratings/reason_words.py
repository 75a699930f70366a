"""English words for the stock reasons of a bad rating, so the chips a visitor or clerk taps follow
the page's language; the reason kept with the rating stays the hall's Chinese text (reports, the
rectification and its 回访 read it as the hall wrote it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# the demo hall's list (demo_data.EVALUATION_REASONS) and the default offered when a hall set none
# (phone_rating.REASONS)
STOCK_EN: Mapping[str, str] = {
    "态度生硬": "Curt manner",
    "等候时间长": "Long wait",
    "一次性告知不到位": "Missing materials not all named at once",
    "办事效率低": "Slow service",
    "业务不熟练": "Clerk unsure of the procedure",
    "窗口无人/离岗": "Nobody at the window",
    "其他": "Other",
    "办理效率低": "Slow handling",
    "服务态度差": "Unfriendly service",
    "一次告知不清": "Missing materials not made clear at once",
    "材料要求多": "Too many materials asked for",
    "环境设施差": "Poor facilities",
}


def english(reason: str, settings: Mapping[str, Any] | None = None) -> str:
    """A reason's English words: the hall's own (settings["evaluation_reasons_en"], Chinese -> English),
    else the stock words, else the reason as written."""
    own = (settings or {}).get("evaluation_reasons_en") or {}
    if isinstance(own, Mapping) and str(own.get(reason) or "").strip():
        return str(own[reason]).strip()
    return STOCK_EN.get(reason, reason)


def english_list(reasons: Iterable[str], settings: Mapping[str, Any] | None = None) -> list[str]:
    """`english` of each reason, in order."""
    return [english(r, settings) for r in reasons]
