"""Who is calling: a signed-in staff member or a registered device."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ...engine.errors import DomainError

STAFF_ROLES = ("clerk", "supervisor", "admin")
DEVICE_KINDS = ("kiosk", "display", "announcer", "evaluator", "printer")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


class ConfirmationRequired(Forbidden):
    code = "confirmation_required"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; `role` is the staff role or the device kind."""

    kind: Literal["staff", "device"]
    id: int
    site_id: int
    role: str
    name: str
    window_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins may oversee every window."""
        return self.kind == "staff" and self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.kind == "staff" and self.role == "admin"

    def require(self, *roles: str) -> None:
        """Raise Forbidden unless this caller has one of `roles` (staff role or device kind)."""
        if self.role not in roles:
            raise Forbidden(f"a {self.role} may not do this")


def check_may_issue(who: Principal, priority: str, vouched: bool) -> None:
    """A device issues only normal tickets; priority and green need staff, or a staff member's code.

    A kiosk's token sits in its page, so the token alone must not jump the queue.
    """
    if priority != "normal" and not who.is_staff and not vouched:
        raise ConfirmationRequired(
            "a priority or green-channel ticket needs a staff member's confirmation code"
        )
