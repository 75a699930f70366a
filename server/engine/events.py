"""Domain events: what happened in a hall, as plain data (no I/O, no wire format).

Commands record them on their unit of work; once it commits, the unit of work hands them, in order,
to the subscribers registered in `create_app` (realtime, printing, audit, alerts, ...). Subscribers
decide what an event means to them: the realtime one alone knows event names, payloads, rooms and
the sentence a screen shows for a call.

An event the hall's screens follow (`sequenced`) gets the site's next event number (`seq`) when its
transaction commits: screens notice a gap by it and resync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(kw_only=True)
class Event:
    """Something that happened in hall `site_id`."""

    sequenced: ClassVar[bool] = True
    site_id: int
    seq: int | None = field(default=None, compare=False)  # set by the unit of work at commit


@dataclass(frozen=True)
class TicketRef:
    """The public identity of a ticket."""

    id: int
    public_id: str
    number: str
    service_id: int


@dataclass(frozen=True)
class WindowRef:
    """The public identity of a window."""

    id: int
    number: int
    name: str


# ---- tickets --------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class TicketEvent(Event):
    """A ticket changed; `view` is its read model after the change (the API's ticket shape)."""

    ticket: TicketRef
    view: dict[str, Any]


@dataclass(kw_only=True)
class TicketIssued(TicketEvent):
    """A kiosk or staff member issued a ticket (the queue's counts follow as `QueueChanged`)."""

    sequenced: ClassVar[bool] = False
    device_id: int | None = None


@dataclass(kw_only=True)
class TicketCalled(TicketEvent):
    """A window called a waiting ticket; `template` is the hall's call sentence with {number}, {window}.

    `waiting` holds the hall's waiting counts right after the call (filled at commit, as of the
    call's `seq`): the screens' one message about a call carries them, so no `QueueChanged` follows."""

    window: WindowRef
    template: str
    waiting: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True)
class TicketRecalled(TicketCalled):
    """A window called its ticket again."""


@dataclass(kw_only=True)
class TicketStarted(TicketEvent):
    """The visitor reached the window; service began."""


@dataclass(kw_only=True)
class TicketEnded(TicketEvent):
    """Service at the counter ended (finished or parked): what in-transaction subscribers need.

    `details` is what the clerk entered with the outcome beyond the ticket's own fields (an
    applicant, missing materials, a note); `log` is the data of the ticket's log row for this step,
    which such a subscriber may add to (it is inserted at commit); `by` the principal who ended it,
    at `at`. A subscriber may add what it made of the end to `view` (the command's answer), e.g. the
    case that 受理 opened."""

    details: dict[str, Any] = field(default_factory=dict)
    log: dict[str, Any] = field(default_factory=dict)
    by: Any = None
    at: datetime | None = None


@dataclass(kw_only=True)
class TicketFinished(TicketEnded):
    """Service ended with an outcome (done, accepted, refused)."""

    outcome: str | None = None


@dataclass(kw_only=True)
class TicketParked(TicketEnded):
    """Service paused while the visitor fetches materials (补正)."""


@dataclass(kw_only=True)
class TicketResumed(TicketEvent):
    """A parked ticket rejoined the queue."""


@dataclass(kw_only=True)
class TicketReactivated(TicketEvent):
    """A no-show or cancelled ticket rejoined the queue."""


@dataclass(kw_only=True)
class TicketNoShow(TicketEvent):
    """The visitor did not come when called."""


@dataclass(kw_only=True)
class TicketCancelled(TicketEvent):
    """The ticket was withdrawn."""


@dataclass(kw_only=True)
class TicketTransferred(TicketEvent):
    """The ticket waits again, in another item's or window's queue, with the same number."""

    from_window_id: int | None = None


@dataclass(kw_only=True)
class QueueChanged(Event):
    """The waiting counts of a hall's items (service id as text -> count) after a change."""

    waiting: dict[str, int]


@dataclass(kw_only=True)
class WaitingChanged(Event):
    """A hall's waiting counts changed, and no `QueueChanged` of this transaction says so: the hall's
    screens hear the new counts in a coalesced `QueueChanged` soon after (services/queue/queue_news.py)."""

    sequenced: ClassVar[bool] = False


# ---- windows --------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class WindowEvent(Event):
    """A window changed; `view` is its read model after the change."""

    window: WindowRef
    view: dict[str, Any]


@dataclass(kw_only=True)
class WindowOpened(WindowEvent):
    """A clerk opened the window (or a supervisor took it over)."""


@dataclass(kw_only=True)
class WindowPaused(WindowEvent):
    """The window paused (a break, a meeting)."""


@dataclass(kw_only=True)
class WindowResumed(WindowEvent):
    """A paused window serves again."""


@dataclass(kw_only=True)
class WindowClosed(WindowEvent):
    """The window closed."""


@dataclass(kw_only=True)
class WindowChanged(WindowEvent):
    """Any other change of a window (its settings)."""


WINDOW_EVENTS: dict[str, type[WindowEvent]] = {
    "open": WindowOpened,
    "pause": WindowPaused,
    "resume": WindowResumed,
    "close": WindowClosed,
}


# ---- printing -------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class PrintQueued(Event):
    """A ticket's paper was queued for kiosk `device_id`'s printer (job `job_id`)."""

    sequenced: ClassVar[bool] = False
    job_id: int
    ticket: TicketRef
    device_id: int
    print_state: str


# ---- ratings ----------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class VisitRated(Event):
    """A visit was rated (`level` 1-5, at the counter or from the phone): evaluation `evaluation_id`."""

    sequenced: ClassVar[bool] = False  # screens hear `evaluation.created` (a Notice) with its seq
    evaluation_id: int
    ticket_id: int
    level: int
    channel: str


# ---- anything not yet modelled ---------------------------------------------------------------------


@dataclass(kw_only=True)
class Notice(Event):
    """A message a service has not yet turned into a domain event: `name`, `body` for `room`.

    Kept so that older services (catalogue, alerts, evaluations, printing) keep their messages on
    the same ordered path as the domain events; the body's `seq`, if it holds the unit of work's
    slot, is filled at commit. `sequenced` is false: the slot inside the body was asked for already.
    """

    sequenced: ClassVar[bool] = False
    name: str
    body: dict[str, Any]
    room: str
