"""Blocking work off the event loop.

Under the gevent worker every request, socket and background job shares one OS thread; whatever
blocks it without yielding (a year's report in Python and SQLite, espeak-ng rendering through its C
library, reading an XLSX file) holds every screen's call behind it. `@blocking` runs such a function
in a real OS thread from gevent's hub thread pool and lets the loop go on meanwhile; called from
that pool, or when the process is not monkey-patched (the gthread worker, tests, the CLI), it is a
plain call. Flask's context (current_app, the request) goes with the work.

Short SQLite statements of ordinary requests stay on the loop: a pool hop costs more than they do
(README: Serving).
"""

from __future__ import annotations

import contextvars
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

_pool_thread: Any = None  # a native thread-local, made on first use under gevent


def green() -> bool:
    """True when this process is monkey-patched by gevent (the gevent serving worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("threading"))


def _marker() -> Any:
    global _pool_thread
    if _pool_thread is None:
        from gevent.monkey import get_original

        _pool_thread = get_original("threading", "local")()
    return _pool_thread


def run_blocking(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn(*args, **kwargs) in a pool thread when on gevent's loop; a plain call otherwise."""
    if not green():
        return fn(*args, **kwargs)
    marker = _marker()
    if getattr(marker, "inside", False):
        return fn(*args, **kwargs)  # already in the pool: nested blocking work runs where it is
    import gevent

    context = contextvars.copy_context()

    def in_pool() -> Any:
        marker.inside = True
        try:
            return context.run(fn, *args, **kwargs)
        finally:
            marker.inside = False

    return gevent.get_hub().threadpool.apply(in_pool)


def blocking(fn: F) -> F:
    """Decorate a function that may hold the CPU or a blocking C call for long: see module doc."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return run_blocking(fn, *args, **kwargs)

    return cast(F, wrapper)
