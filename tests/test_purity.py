"""Pure modules import neither Flask nor SQLAlchemy, and make no HTTP calls (ARCHITECTURE.md).

At run time no Flask, Werkzeug or SQLAlchemy module may be loaded by importing them; in their
source, no import of ``requests`` (geopy itself loads requests for its optional geocoders, which
the pure code never calls).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE = [
    "tracking.status",
    "tracking.workdays",
    "tracking.appointment",
    "tracking.estimate",
    "tracking.estimate_batch",
    "webhooks.signature",
    "webhooks.policy",
    "labels.s10",
    "courier.geography",
    "courier.transit",
    "courier.adapters",
]
FORBIDDEN_LOADED = ("flask", "sqlalchemy", "werkzeug")
FORBIDDEN_IMPORTED = ("flask", "sqlalchemy", "werkzeug", "requests", "httpx", "urllib.request")


def _files(module: str) -> list[Path]:
    path = ROOT / module.replace(".", "/")
    if path.with_suffix(".py").exists():
        return [path.with_suffix(".py")]
    if (path / "__init__.py").exists():
        return sorted(path.glob("*.py"))
    pytest.fail(f"{module} is listed as pure but does not exist")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_loads_no_framework(module: str) -> None:
    _files(module)
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_LOADED!r}]\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, f"{module} pulls in {out.stdout.strip()} {out.stderr[-500:]}"


@pytest.mark.parametrize("module", PURE)
def test_pure_module_source_imports_no_io_library(module: str) -> None:
    for file in _files(module):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN_IMPORTED), f"{file.name} imports {name}"
