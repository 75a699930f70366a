"""Layering rules, checked on the source (issue 16 item 6), so they hold after the next change too:

- the service layer never reads Flask's request: no module under server/services imports
  `request`, `g`, `session` (or `has_request_context`, `current_app`) from flask, nor reaches them
  as `flask.request`; who called and from where are given to services as plain values by
  server/api/ (audit_context.py, ratelimit.py);
- the page packages (kiosk/, display/, caller/, server/admin, server/oversight) use the service
  layer's public functions only: no name starting with `_` imported or reached through a module
  they imported, and no storage models or sessions (server/storage, `ctx.uow`, `.session`,
  `ctx.db`) used directly.

Each rule is also run on a small bad example, so a checker that finds nothing is not mistaken for
a clean tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

REQUEST_BOUND = {"request", "g", "session", "has_request_context", "current_app"}
PAGE_PACKAGES = ["kiosk", "display", "caller", "server/admin", "server/oversight"]


def request_reads(source: str) -> list[str]:
    """Where `source` imports or reaches a request-bound name of Flask."""
    out: list[str] = []
    tree = ast.parse(source)
    flask_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flask":
            out += [f"line {node.lineno}: from flask import {a.name}" for a in node.names
                    if a.name in REQUEST_BOUND]  # fmt: skip
        elif isinstance(node, ast.Import):
            flask_aliases |= {a.asname or a.name for a in node.names if a.name == "flask"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in flask_aliases
            and node.attr in REQUEST_BOUND
        ):
            out.append(f"line {node.lineno}: flask.{node.attr}")
    return out


def internals_used(source: str) -> list[str]:
    """Where a page module imports a private name, reaches one through an imported module, or uses
    the storage layer directly."""
    out: list[str] = []
    tree = ast.parse(source)
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "__future__":
                continue
            parts = module.split(".")
            if "storage" in parts and (node.level > 0 or parts[0] == "server"):
                out.append(f"line {node.lineno}: imports the storage layer ({module})")
            if any(p.startswith("_") for p in parts if p):
                out.append(f"line {node.lineno}: imports from a private module {module}")
            for a in node.names:
                if a.name.startswith("_"):
                    out.append(f"line {node.lineno}: imports the private name {a.name}")
                if a.name == "storage":
                    out.append(f"line {node.lineno}: imports the storage layer")
                imported.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("server.storage"):
                    out.append(f"line {node.lineno}: imports the storage layer ({a.name})")
                imported.add((a.asname or a.name).split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
        ):
            out.append(f"line {node.lineno}: uses {node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("uow", "db", "session")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("flask", "requests"))
        ):
            out.append(f"line {node.lineno}: opens the database itself (.{node.attr})")
    return out


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "node_modules" not in p.parts)


def test_no_service_module_reads_the_request() -> None:
    services = _modules(ROOT / "server" / "services")
    assert len(services) > 30  # the whole layer, sub-packages included
    found = {
        str(p.relative_to(ROOT)): hits
        for p in services
        if (hits := request_reads(p.read_text(encoding="utf-8")))
    }
    assert found == {}, found


def test_the_request_check_finds_what_it_looks_for() -> None:
    bad = "import flask\nfrom flask import Flask, request as rq, g\n\ndef f():\n    return flask.session\n"
    assert request_reads(bad) == [
        "line 2: from flask import request",
        "line 2: from flask import g",
        "line 5: flask.session",
    ]
    assert request_reads("from flask import Flask, Response\n") == []


def test_page_packages_use_only_public_service_functions() -> None:
    pages = [p for pkg in PAGE_PACKAGES for p in _modules(ROOT / pkg)]
    assert {p.relative_to(ROOT).parts[0] for p in pages} >= {"kiosk", "display", "caller", "server"}
    found = {
        str(p.relative_to(ROOT)): hits
        for p in pages
        if (hits := internals_used(p.read_text(encoding="utf-8")))
    }
    assert found == {}, found


def test_the_page_check_finds_what_it_looks_for() -> None:
    bad = (
        "from server.services import public\n"
        "from server.services.tickets import _fields\n"
        "from ..storage.models import Ticket\n"
        "from server import storage\n"
        "import server.storage.db\n"
        "def f(ctx):\n"
        "    return public._status(ctx), ctx._private\n"
        "def g(ctx):\n"
        "    with ctx.uow(write=False) as uow:\n"
        "        return uow.session.get(1)\n"
    )
    assert internals_used(bad) == [
        "line 2: imports the private name _fields",
        "line 3: imports the storage layer (storage.models)",
        "line 4: imports the storage layer",
        "line 5: imports the storage layer (server.storage.db)",
        "line 7: uses public._status",
        "line 9: opens the database itself (.uow)",
        "line 10: opens the database itself (.session)",
    ]
