"""The runbook's ``from config.settings import config``: the validated ``trading_config.yaml``.

A thin shim over :func:`tradewind.config.load_config`; ``TRADEWIND_CONFIG`` selects another file.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SRC = Path(__file__).resolve().parent.parent / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:  # works even before `pip install -e .`
    sys.path.insert(0, str(_SRC))

from tradewind.config import (  # noqa: E402
    TradewindConfig,
    default_config_path,
    load_config,
    load_secrets,
)

_path = default_config_path()
if not _path.is_absolute() and not _path.exists():
    _path = Path(__file__).resolve().parent.parent / _path

config: TradewindConfig = load_config(_path)
"""The validated configuration (raises ``ConfigError`` naming each bad key)."""

secrets = load_secrets()
"""Credentials from the environment and ``.env``; values print as ``**********``."""

__all__ = ["config", "secrets"]
