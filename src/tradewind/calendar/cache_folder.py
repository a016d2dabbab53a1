"""The user cache folder that the calendar's stored tables live in (standard library only).

``$TRADEWIND_CACHE_DIR`` if set (``off`` turns the cache off), else ``$XDG_CACHE_HOME/tradewind``,
else ``~/.cache/tradewind``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

CACHE_ENV = "TRADEWIND_CACHE_DIR"
"""Environment variable naming the cache folder (``off``: no cache)."""


def cache_dir() -> Path | None:
    """The cache folder (see the module docstring), or None when the cache is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "false", "no") else Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tradewind"


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> bool:
    """Write ``path`` through ``write`` so that readers see the old file or the whole new one,
    never a part; False (logged at debug level) when the folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    except OSError as exc:
        log.debug("cache file not written (%s): %s", path, exc)
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        log.debug("cache file not written (%s): %s", path, exc)
        return False
    return True
