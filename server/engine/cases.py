"""A case's (办件) life cycle: which move takes which state where (pure rules, no I/O).

accepted → in_review ⇄ awaiting_materials → ready (办结，待领取/待送达) → delivered, or rejected (不予许可).
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition


class CaseState(StrEnum):
    ACCEPTED = "accepted"  # 已受理
    IN_REVIEW = "in_review"  # 审查中
    AWAITING_MATERIALS = "awaiting_materials"  # 待补正
    READY = "ready"  # 已办结，待领取/待送达
    DELIVERED = "delivered"  # 已送达
    REJECTED = "rejected"  # 不予许可


C = CaseState
# move -> (states it may start from, state it leads to, event type)
CASE_MOVES: dict[str, tuple[frozenset[CaseState], CaseState, str]] = {
    "review": (frozenset({C.ACCEPTED}), C.IN_REVIEW, "review_started"),
    "request-materials": (
        frozenset({C.ACCEPTED, C.IN_REVIEW}),
        C.AWAITING_MATERIALS,
        "materials_requested",
    ),
    "materials-received": (frozenset({C.AWAITING_MATERIALS}), C.IN_REVIEW, "materials_received"),
    "approve": (frozenset({C.IN_REVIEW}), C.READY, "approved"),
    "reject": (frozenset({C.ACCEPTED, C.IN_REVIEW}), C.REJECTED, "rejected"),
    "deliver": (frozenset({C.READY}), C.DELIVERED, "delivered"),
}

# Moves made by the item's own windows (and supervisors); delivery is the first-ask window's
# or a comprehensive window's (首问负责制, 综合窗口统一送达).
DELIVERY_MOVES = frozenset({"deliver"})


def next_case_state(current: CaseState | str, move: str) -> tuple[CaseState, str]:
    """The state and event type `move` leads to from `current`, or raise InvalidTransition."""
    if move not in CASE_MOVES:
        raise InvalidTransition(f"unknown case move {move}")
    allowed, target, event = CASE_MOVES[move]
    state = CaseState(current)
    if state not in allowed:
        raise InvalidTransition(
            f"cannot {move} a case that is {state.value}", state=state.value, action=move
        )
    return target, event


def format_case_number(day_iso: str, value: int) -> str:
    """XL20261207-0001: the acceptance day and a gapless number of that day (at least four digits)."""
    return f"XL{day_iso.replace('-', '')}-{value:04d}"


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小明 -> 张*明: enough for the applicant to know it is theirs."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; other numbers keep only their last four digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]
