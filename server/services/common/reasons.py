"""Why an input was refused, as a code and its parameters, so pages can say it in the visitor's language.

An error body keeps its English `message` (for logs and API users) and adds `reason` (a code
such as `string_too_short` or `prefix_forbidden`) with `params` (e.g. `{"min_length": 1}`); the
pages translate `error.reason.<code>` and put the field's own label in front of it.
"""

from __future__ import annotations

from typing import Any


def _plain(v: Any) -> Any:
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    return str(v)


def of_pydantic(err: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The reason code and parameters of one pydantic error (its `type` and `ctx`)."""
    ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items() if k != "error"}
    return str(err.get("type") or "invalid"), ctx


def prefix(value: str) -> tuple[str, dict[str, Any]]:
    """The reason code of an unusable ticket prefix: not one capital letter, or a letter not allowed."""
    if len(value) == 1 and "A" <= value <= "Z":
        return "prefix_forbidden", {"prefix": value}
    return "prefix_format", {}
