"""Domain errors: each maps to one clear API error code."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the hall refused the command; `code` is the API error code."""

    code = "domain_error"
    status = 409

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidTransition(DomainError):
    code = "invalid_transition"


class QueueEmpty(DomainError):
    code = "queue_empty"
    status = 404


class WindowBusy(DomainError):
    code = "window_busy"


class WindowNotOpen(DomainError):
    code = "window_not_open"


class DailyCapReached(DomainError):
    code = "daily_cap_reached"


class OutsideHours(DomainError):
    code = "outside_hours"


class ServiceUnavailable(DomainError):
    code = "service_unavailable"


class AlreadyEvaluated(DomainError):
    code = "already_evaluated"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
