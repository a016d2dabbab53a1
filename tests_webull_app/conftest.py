"""Tests of the ``webull_app`` adapter, run in ``.venv-webull-app`` (``make test-webull-app``,
part of ``make test``): the unofficial ``webull`` package cannot share ``.venv`` with the
official SDK. The same loopback-only network guard as ``tests/conftest.py`` applies."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests" / "brokers"))  # the shared fake exchange and server
sys.path.insert(0, str(HERE.parent / "tests"))  # the main conftest's helpers (repokit)

_spec = importlib.util.spec_from_file_location("tw_guard", HERE.parent / "tests" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse every connection but loopback, as the main suite does."""
    _guard.pytest_configure(config)
