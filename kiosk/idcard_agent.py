"""The ID card reader agent (issue 19): a small local program on the kiosk PC, like the printer
agent. It signs in with the kiosk's device token and sends each card the reader reads as
`idcard.read` {"name", "number"}; the server answers only that kiosk's page, masked.

A reader is anything with `read() -> (name, number) | None`; `LineReader` simulates one from
lines "姓名 身份证号" (standard input for `queuehall idcard-sim`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import socketio

from server.logmask import mask


class CardReader(Protocol):
    def read(self) -> tuple[str, str] | None: ...


class LineReader:
    """A simulated reader: each line "name number" is one card swiped; None at the end."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines)

    def read(self) -> tuple[str, str] | None:
        for line in self._lines:
            parts = line.strip().split()
            if len(parts) >= 2:
                return " ".join(parts[:-1]), parts[-1]
        return None


def relay(
    server: str, token: str, reader: CardReader, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Send every card the reader reads to the server as this kiosk; the server's answers."""
    sio = socketio.Client(reconnection=False)
    sio.connect(server, auth={"token": token}, transports=["websocket"], wait_timeout=timeout)
    answers: list[dict[str, Any]] = []
    try:
        while (card := reader.read()) is not None:
            name, number = card
            answer = sio.call("idcard.read", {"name": name, "number": number}, timeout=timeout)
            answers.append(answer if isinstance(answer, dict) else {"ok": False})
            print(mask(f"card {number}: {answers[-1]}"), flush=True)  # the number masked
    finally:
        sio.disconnect()
    return answers
