"""The user cache folder that the calendar's stored tables live in (standard library only).

``$TRADEWIND_CACHE_DIR`` if set (``off`` turns the cache off), else ``$XDG_CACHE_HOME/tradewind``,
else ``~/.cache/tradewind``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "TRADEWIND_CACHE_DIR"
"""Environment variable naming the cache folder (``off``: no cache)."""


def cache_dir() -> Path | None:
    """The cache folder (see the module docstring), or None when the cache is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "false", "no") else Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tradewind"
