"""The announcer's book of calls: what was said, which seq came last, which gap needs a snapshot.

No I/O and no sockets: the announcer feeds it events and acts on its answers,
and the unit tests drive it directly. Thread-safe (the Socket.IO thread and the
resync timer both use it).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hardware.mandarin import DEFAULT_TEMPLATE, announcement, speech_text

log = logging.getLogger(__name__)

REMEMBERED_SEQS = 5000


@dataclass(frozen=True)
class Call:
    """One call or recall as the announcer needs it."""

    seq: int
    number: str
    window: int | str
    window_name: str = ""
    recall: bool = False
    at: datetime | None = None
    text: str = ""  # the hall's sentence as shown, e.g. 请A001号到3号窗口办理

    def spoken(self) -> str:
        """What to say: the hall's sentence normalised for Mandarin (the default one if it sent none)."""
        if self.text.strip():
            return speech_text(self.text.strip(), self.number)
        return announcement(DEFAULT_TEMPLATE, self.number, self.window, self.window_name)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 stamp as an aware datetime (naive ones are UTC, as the contract says); None if bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_call(data: Any) -> Call | None:
    """Build a Call from a ``ticket.called`` body or a snapshot item; None if malformed."""
    try:
        ticket, window = data["ticket"], data["window"]
        return Call(
            seq=int(data["seq"]),
            number=str(ticket["number"]),
            window=window["number"],
            window_name=str(window.get("name") or ""),
            recall=bool(data.get("recall", False)),
            at=parse_time(data.get("at")),
            text=str(data.get("text") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        log.warning("ignoring a malformed call event: %r", data)
        return None


@dataclass
class SnapshotOutcome:
    """What a snapshot means for the announcer."""

    missed: list[Call] = field(default_factory=list)  # to announce, oldest first
    ask_again: bool = False  # it does not cover the newest gap: ask for another
    voice: dict[str, Any] | None = None  # the hall's voice settings, if it carried them


class CallBook:
    """Remembers handled calls by seq so none is said twice, and notices gaps in seq."""

    def __init__(self, missed_window_s: float, clock: Callable[[], datetime]) -> None:
        self.missed_window_s = missed_window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._known: set[int] = set()
        self._order: deque[int] = deque()
        # calls the first snapshot showed, not spoken: history, unless their live event still comes
        self._history: set[int] = set()
        self.last_seq: int | None = None
        self._had_snapshot = False
        self._fresh_link = True  # the next snapshot is the first of a new connection
        self._wanted: int | None = None  # a gap was seen at this seq; a snapshot must cover it
        self._missing: set[int] = set()  # seqs skipped by a later event, not heard since
        self._asked_at = float("-inf")

    def snapshot(self, data: dict[str, Any]) -> SnapshotOutcome:
        """Take a snapshot: remember its calls; the recent unseen ones are missed calls."""
        seq = int(data.get("seq", 0))
        calls = [c for c in (parse_call(item) for item in data.get("calls") or []) if c]
        # Calls are aged by the server's clock: this PC's clock may be minutes off.
        now = parse_time(data.get("server_time")) or self._clock()
        out = SnapshotOutcome(voice=data["voice"] if isinstance(data.get("voice"), dict) else None)
        with self._lock:
            baseline = not self._had_snapshot
            if self._fresh_link and self.last_seq is not None and seq < self.last_seq:
                # A new connection's snapshot is taken after all we saw was committed, so a
                # lower seq means the hall's sequence started over (a fresh database).
                log.warning(
                    "server seq went back from %s to %s; starting afresh", self.last_seq, seq
                )
                self._known.clear()
                self._order.clear()
                self._history.clear()
                self.last_seq = None
                baseline = True
            self._fresh_link = False
            self._had_snapshot = True
            self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
            self._missing = {m for m in self._missing if m > seq}
            if self._wanted is not None:
                if seq >= self._wanted:
                    self._wanted = None
                else:  # read before the newest gap's events were committed: not enough
                    out.ask_again = True
            for call in calls:
                if call.seq in self._known or call.seq in self._history:
                    continue
                if baseline:
                    # History from before we were listening is not ours to speak. The first snapshot
                    # can also be read after a call made once we had joined, whose live event is
                    # still on its way: that event is ours, so these seqs are not marked as said.
                    self._history.add(call.seq)
                    continue
                self._remember(call.seq)
                if self._is_recent(call, now):
                    out.missed.append(call)
                else:
                    log.info(
                        "not announcing missed call seq %s (%s): too old", call.seq, call.number
                    )
        out.missed.sort(key=lambda c: c.seq)
        return out

    def call(self, data: Any) -> tuple[Call | None, bool]:
        """A ``ticket.called`` body: (the call if it is new, else None; whether a gap came before it)."""
        call = parse_call(data)
        if call is None:
            return None, False
        with self._lock:
            gap = self._note_seq(call.seq)
            if call.seq in self._known:
                log.debug("call seq %s already announced", call.seq)
                return None, gap
            self._remember(call.seq)
        return call, gap

    def seq(self, seq: int) -> bool:
        """Another event's seq: whether a gap came before it."""
        with self._lock:
            return self._note_seq(seq)

    def link_lost(self) -> None:
        """The connection dropped: the next snapshot is a new connection's and covers any gap."""
        with self._lock:
            self._fresh_link = True
            self._wanted = None
            self._missing.clear()

    def gap_open(self, seen_seq: int) -> bool:
        """Whether an event before `seen_seq` that a later one skipped is still missing (neither heard
        since nor covered by a snapshot)."""
        with self._lock:
            return any(m < seen_seq for m in self._missing)

    def want_snapshot(self, seen_seq: int, now: float, retry_s: float) -> bool:
        """A gap was seen at `seen_seq`: True if a request should go now (none is on its way)."""
        with self._lock:
            on_its_way = self._wanted is not None and now - self._asked_at < retry_s
            self._wanted = max(self._wanted or 0, seen_seq)
            return not on_its_way

    def asked(self, now: float) -> None:
        """A snapshot request just went out."""
        with self._lock:
            self._asked_at = now

    def still_wanted(self, now: float, retry_s: float) -> bool:
        """True if a gap is still unfilled and the last request is older than `retry_s`."""
        with self._lock:
            return self._wanted is not None and now - self._asked_at >= retry_s

    def _note_seq(self, seq: int) -> bool:
        gap = self.last_seq is not None and seq > self.last_seq + 1
        if gap and self.last_seq is not None:
            self._missing.update(range(self.last_seq + 1, seq))
        self._missing.discard(seq)  # a late one: through Redis another process's event can overtake
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq
        return gap

    def _remember(self, seq: int) -> None:
        self._known.add(seq)
        self._order.append(seq)
        while len(self._order) > REMEMBERED_SEQS:
            self._known.discard(self._order.popleft())

    def _is_recent(self, call: Call, now: datetime) -> bool:
        if call.at is None:
            log.warning("missed call seq %s has no time stamp; not announcing it", call.seq)
            return False
        return (now - call.at).total_seconds() <= self.missed_window_s
