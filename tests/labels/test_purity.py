"""The document makers are pure: no web framework, database, clock or environment."""

from __future__ import annotations

import ast
from pathlib import Path

import labels

PACKAGE = Path(labels.__file__).parent
FORBIDDEN_MODULES = {"flask", "sqlalchemy", "werkzeug", "os", "time", "random", "requests"}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "getenv"}


def _modules():
    return sorted(PACKAGE.glob("*.py"))


def test_no_framework_database_or_environment_imports():
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_MODULES, (path.name, name)


def test_no_clock_reads():
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS:
                raise AssertionError(f"{path.name}:{node.lineno} reads {node.attr}")


def test_modules_stay_small():
    for path in _modules():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
