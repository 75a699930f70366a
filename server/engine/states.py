"""Ticket and window life cycles: which action moves which state where."""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidTransition


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"
    PARKED = "parked"


class Priority(StrEnum):
    NORMAL = "normal"
    PRIORITY = "priority"  # elderly, disabled, pregnant
    GREEN = "green"  # green channel for major projects


class WindowState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


class Outcome(StrEnum):
    DONE = "done"  # 即办件 completed on the spot
    ACCEPTED = "accepted"  # 受理: a promised item's case opens (services/cases/cases.py)
    REFUSED = "refused"  # 不予受理
    PARKED = "parked"  # 补正: waiting for materials


def is_promised(handling: str, promised_days: int) -> bool:
    """An item with a promised time opens a case (承诺件; joint and agency items with days too).

    The hall handles an item one of four ways (即办, 承诺, 联办, 代办); what a visitor and the
    contract see is whether it is done on the spot (`instant`) or promised for a later day.
    """
    return handling != "instant" and promised_days > 0


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    CANCEL = "cancel"
    TRANSFER = "transfer"
    PARK = "park"
    RESUME = "resume"
    REACTIVATE = "reactivate"


PAUSE_REASONS: dict[str, str] = {
    "lunch": "午休",
    "meeting": "会议",
    "field": "外出勘察",
    "away": "离岗",
}

S = TicketState
# (allowed from-states, to-state). A transfer ends the visit at one window and
# puts the same ticket (same number, same public link) back in another queue;
# the `transferred` event keeps the history, so the row goes straight to waiting.
TICKET_TRANSITIONS: dict[Action, tuple[frozenset[TicketState], TicketState]] = {
    Action.CALL: (frozenset({S.WAITING}), S.CALLED),
    Action.RECALL: (frozenset({S.CALLED}), S.CALLED),
    Action.START: (frozenset({S.CALLED}), S.SERVING),
    Action.FINISH: (frozenset({S.SERVING}), S.DONE),
    Action.NO_SHOW: (frozenset({S.CALLED}), S.NO_SHOW),
    Action.CANCEL: (frozenset({S.WAITING, S.CALLED, S.PARKED}), S.CANCELLED),
    Action.TRANSFER: (frozenset({S.CALLED, S.SERVING}), S.WAITING),
    Action.PARK: (frozenset({S.SERVING}), S.PARKED),
    Action.RESUME: (frozenset({S.PARKED}), S.WAITING),
    Action.REACTIVATE: (frozenset({S.NO_SHOW, S.CANCELLED}), S.WAITING),
}

FINAL_STATES = frozenset({S.DONE, S.NO_SHOW, S.CANCELLED, S.TRANSFERRED})
# States in which a ticket occupies its window: the window must end it first.
HELD_STATES = frozenset({S.CALLED, S.SERVING})


def next_state(current: TicketState | str, action: Action | str) -> TicketState:
    """Return the state `action` leads to from `current`, or raise InvalidTransition."""
    act = Action(action)
    allowed, target = TICKET_TRANSITIONS[act]
    state = TicketState(current)
    if state not in allowed:
        raise InvalidTransition(
            f"cannot {act.value} a ticket that is {state.value}",
            state=state.value,
            action=act.value,
        )
    return target


WINDOW_ACTIONS: dict[str, tuple[frozenset[WindowState], WindowState]] = {
    "open": (frozenset({WindowState.CLOSED, WindowState.OPEN}), WindowState.OPEN),
    "pause": (frozenset({WindowState.OPEN}), WindowState.PAUSED),
    "resume": (frozenset({WindowState.PAUSED}), WindowState.OPEN),
    "close": (frozenset(WindowState), WindowState.CLOSED),
}


def next_window_state(current: WindowState | str, action: str) -> WindowState:
    """Return the window state after `action`, or raise InvalidTransition."""
    if action not in WINDOW_ACTIONS:
        raise InvalidTransition(f"unknown window action {action}")
    allowed, target = WINDOW_ACTIONS[action]
    state = WindowState(current)
    if state not in allowed:
        raise InvalidTransition(
            f"cannot {action} a window that is {state.value}", state=state.value, action=action
        )
    return target
