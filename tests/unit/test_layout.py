"""server/services/ stays grouped (issue 16 item 6): packages at its top level, nothing flat.

A new service module goes into the group it belongs to (or a new group with an __init__.py that
says what it holds), never beside them.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import server.services

SERVICES = Path(server.services.__file__).resolve().parent
TOP_FILES = {"__init__.py", "context.py"}  # the package's docstring and what every service needs
REQUIRED = {"queue", "printing", "oversight", "catalog", "access"}


def _groups() -> list[Path]:
    return sorted(p for p in SERVICES.iterdir() if p.is_dir() and (p / "__init__.py").is_file())


def test_services_top_level_holds_only_packages():
    stray = []
    for p in sorted(SERVICES.iterdir()):
        if p.name in TOP_FILES or p.name == "__pycache__":
            continue
        if p.is_dir() and (p / "__init__.py").is_file():
            continue
        if p.is_dir() and not any(p.rglob("*.py")):
            continue  # an untracked leftover (only __pycache__) after switching branches
        stray.append(p.name)
    assert not stray, f"put these into a group package of server/services/: {stray}"
    assert REQUIRED <= {p.name for p in _groups()}


def test_each_group_says_what_it_holds():
    for group in _groups():
        doc = ast.get_docstring(ast.parse((group / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 20, f"{group.name}/__init__.py needs a docstring"


def test_read_models_have_their_name():
    assert (SERVICES / "queue" / "read_models.py").is_file()
    assert not list(SERVICES.rglob("views.py"))


def test_every_service_module_imports():
    names = [m.name for m in pkgutil.walk_packages([str(SERVICES)], "server.services.")]
    assert len(names) > len(REQUIRED)
    for name in names:
        importlib.import_module(name)
