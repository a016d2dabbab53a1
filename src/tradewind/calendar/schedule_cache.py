"""The NYSE session table kept on disk, so a command need not rebuild it at every start.

Building the XNYS calendar from 1885 (``exchange_calendars`` evaluating pandas' holiday rules
year by year) and importing the library (which registers every exchange it knows) cost about
0.25 s of each process's start; the answer (session dates, opens, closes) is the same for the
same inputs. This module stores it as three integer arrays in one ``.npz`` file per input key,
as matplotlib keeps its font list: a user cache folder, rebuilt whenever the key changes.

The key is what the table is computed from, never the time it was built: the first and last
day asked for, the pandas version (its holiday rules) and the size and modification time of
every module of the installed ``exchange_calendars`` (an upgrade, or an edit, changes it). A
file that cannot be read, or whose arrays fail the checks in :func:`load`, is ignored and
rebuilt. Files for other keys (last year's range, an older library) are removed after two days.

The folder is ``$TRADEWIND_CACHE_DIR`` if set (``off`` turns the cache off), else
``$XDG_CACHE_HOME/tradewind``, else ``~/.cache/tradewind``. A folder that cannot be written
only means the table is built in memory, as without a cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import zipfile
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from tradewind.calendar.cache_folder import CACHE_ENV, cache_dir, write_atomically

log = logging.getLogger(__name__)

__all__ = ["CACHE_ENV", "Schedule", "cache_dir", "load", "path_for", "save"]

FORMAT = 1
"""Bumped whenever the file's layout changes, so an old file is never misread."""
STALE_SECONDS = 2 * 24 * 3600
"""Files for other keys older than this are removed when a new one is written."""
_PREFIX = "nyse-schedule-"


@dataclass(frozen=True)
class Schedule:
    """The sessions (naive dates) and their opens and closes (UTC), as the calendar uses them."""

    opens: pd.Series
    closes: pd.Series

    @classmethod
    def from_arrays(cls, sessions: np.ndarray, opens: np.ndarray, closes: np.ndarray) -> Schedule:
        """A schedule from nanosecond integers (sessions naive, opens and closes UTC)."""
        index = pd.DatetimeIndex(sessions.astype("datetime64[ns]"))
        return cls(
            opens=pd.Series(pd.DatetimeIndex(opens, tz="UTC"), index=index, name="open"),
            closes=pd.Series(pd.DatetimeIndex(closes, tz="UTC"), index=index, name="close"),
        )

    @classmethod
    def from_table(cls, opens: pd.Series, closes: pd.Series) -> Schedule:
        """A schedule from ``exchange_calendars``' open and close columns (indexed by session)."""
        return cls.from_arrays(
            pd.DatetimeIndex(closes.index).as_unit("ns").asi8,
            pd.DatetimeIndex(opens).as_unit("ns").asi8,
            pd.DatetimeIndex(closes).as_unit("ns").asi8,
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The three nanosecond arrays stored on disk."""
        return {
            "sessions": pd.DatetimeIndex(self.closes.index).as_unit("ns").asi8,
            "opens": pd.DatetimeIndex(self.opens).as_unit("ns").asi8,
            "closes": pd.DatetimeIndex(self.closes).as_unit("ns").asi8,
        }


def _library_stamp() -> str:
    """Size and modification time of every module of the installed ``exchange_calendars``
    (found without importing it), and pandas' version."""
    spec = find_spec("exchange_calendars")
    parts = [f"pandas {pd.__version__}"]
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                st = entry.stat()
                parts.append(f"{entry.name} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(parts)


def path_for(start: str, end: str) -> Path | None:
    """The file holding the schedule from ``start`` to ``end``, or None without a cache."""
    folder = cache_dir()
    if folder is None:
        return None
    key = f"format {FORMAT}\nXNYS {start} {end}\n{_library_stamp()}"
    return folder / f"{_PREFIX}{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz"


def load(path: Path | None) -> Schedule | None:
    """The schedule stored at ``path``; None if there is none or it fails a check."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            sessions, opens, closes = (stored[k] for k in ("sessions", "opens", "closes"))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.debug("ignoring the calendar cache %s: %s", path, exc)
        return None
    day = 86_400 * 10**9
    ok = (
        sessions.dtype == opens.dtype == closes.dtype == np.int64
        and sessions.ndim == 1
        and sessions.shape == opens.shape == closes.shape
        and sessions.size > 0
        and bool(np.all(np.diff(sessions) > 0))
        and bool(np.all(sessions % day == 0))
        and bool(np.all((opens < closes) & (opens >= sessions) & (closes < sessions + 2 * day)))
    )
    if not ok:
        log.debug("ignoring the calendar cache %s: its arrays fail the checks", path)
        return None
    return Schedule.from_arrays(sessions, opens, closes)


def save(path: Path | None, schedule: Schedule) -> None:
    """Store ``schedule`` at ``path`` (atomically), and remove stale files beside it; a folder
    that cannot be written is left alone."""
    if path is None:
        return
    arrays = schedule.arrays()

    def write(fh: BinaryIO) -> None:
        np.savez(fh, sessions=arrays["sessions"], opens=arrays["opens"], closes=arrays["closes"])

    if not write_atomically(path, write):
        return
    now = time.time()
    for other in path.parent.glob(f"{_PREFIX}*.npz"):
        try:
            if other != path and now - other.stat().st_mtime > STALE_SECONDS:
                other.unlink()
        except OSError:
            pass  # another process removed it first
