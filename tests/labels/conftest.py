"""Makes ``helpers.py`` importable as ``labels_test_helpers``.

Pytest's importlib mode puts no test folder on ``sys.path``, and a bare ``helpers`` could clash
with another package's test helpers, so the module is loaded once under a name of its own.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

NAME = "labels_test_helpers"

if NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(NAME, Path(__file__).with_name("helpers.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[NAME] = _module
    _spec.loader.exec_module(_module)
