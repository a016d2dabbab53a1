"""A regime detector's series, computed once per input and kept on disk for the next run.

A backtest, a replay and every start of the trading service run the configured detector over
the benchmark's whole history before their first decision (seconds: refits over thousands of
bars). The result depends on nothing but its inputs, so :class:`RegimeSeriesCache` keeps it
under a key digesting exactly those inputs:

* the benchmark's bars and the VIX series the detector reads (values and timestamps, bit for
  bit; whether the benchmark's OHLC is derived from closes);
* the detector's name and settings (``regime`` without ``policies`` and ``protection``, which
  only say what to do with a regime);
* the code: the source of the ``tradewind.regime`` and ``tradewind.domain`` packages and of the
  detector's own classes, tradewind's version, and the versions of Python, numpy and pandas.

The key never contains a time: a new bar changes the data and so the key; the same data on
another day finds the same entry. An entry is one ``.npz`` file (numpy arrays only, read with
pickling off) holding its own key; a file that cannot be read, was written for another key or
does not hold a well-formed series is ignored and recomputed, and the fresh result replaces
it. Files are written to a temporary name and renamed, so a crash never leaves half a file
under a key. The folder keeps the ``keep`` most recently used entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import os
import platform
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import tradewind
from tradewind.config import TradewindConfig
from tradewind.config.regime import RegimeSection
from tradewind.domain.market import VixSeries
from tradewind.regime.base import BaseDetector
from tradewind.regime.fitcache import fingerprint

log = logging.getLogger(__name__)

FORMAT = 1
"""Version of the file layout (part of every key)."""
_NOT_DETECTION = {"policies", "protection"}
_STRINGS = ("regime", "raw_regime")


@dataclass(frozen=True)
class RegimeSeries:
    """A detector's decisions at every bar (``detect_series``' frame) and the feature columns
    it reports with each reading."""

    decisions: pd.DataFrame
    features: tuple[str, ...]


def code_digest(detector: BaseDetector) -> str:
    """A digest of the code a detector's series depends on (see the module docstring)."""
    root = Path(tradewind.__file__).resolve().parent
    files = {*(root / "regime").rglob("*.py"), *(root / "domain").rglob("*.py")}
    for cls in type(detector).__mro__:
        source = _source_file(cls)
        if source is not None:
            files.add(source)
    h = hashlib.blake2b(digest_size=20)
    versions = (tradewind.__version__, platform.python_version(), np.__version__, pd.__version__)
    h.update(json.dumps(versions).encode())
    for path in sorted(files):
        h.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _source_file(cls: type) -> Path | None:
    try:
        name = inspect.getsourcefile(cls)
    except TypeError:  # a built-in class (object)
        return None
    return Path(name).resolve() if name else None


class RegimeSeriesCache:
    """Regime series on disk under ``folder``, keyed on their inputs (module docstring).

    Parameters
    ----------
    folder
        Where the entries live (created when the first is written).
    keep
        Entries kept: writing one more removes the least recently used.
    """

    def __init__(self, folder: str | Path, keep: int = 32) -> None:
        self.folder = Path(folder)
        self.keep = max(keep, 1)
        self.hits = 0
        """Series read from disk."""
        self.misses = 0
        """Series computed (absent, unreadable or mismatching entries)."""
        self._code: dict[type, str] = {}

    def key(
        self,
        section: RegimeSection,
        detector: BaseDetector,
        bars: pd.DataFrame,
        vix: VixSeries | None,
        *,
        close_only: bool,
    ) -> str:
        """The key of ``detector``'s series on these inputs (``section`` configured it)."""
        if type(detector) not in self._code:
            self._code[type(detector)] = code_digest(detector)
        settings = section.model_dump(mode="json", exclude=_NOT_DETECTION)
        return fingerprint(
            FORMAT,
            self._code[type(detector)],
            detector.name,
            json.dumps(settings, sort_keys=True),
            bars,
            vix,
            close_only,
        )

    def path(self, key: str) -> Path:
        """The file of ``key``'s entry."""
        return self.folder / f"{key}.npz"

    def get_or_compute(self, key: str, compute: Callable[[], RegimeSeries]) -> RegimeSeries:
        """The series stored under ``key``, or ``compute()``'s, stored there first."""
        found = self.load(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        series = compute()
        self.save(key, series)
        return series

    def load(self, key: str) -> RegimeSeries | None:
        """The series stored under ``key``; None when absent, unreadable or not for ``key``."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                series = _decode(npz, key)
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is recomputed
            log.warning("regime cache entry %s ignored (%s); recomputing", path.name, exc)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: pruned last
        return series

    def save(self, key: str, series: RegimeSeries) -> Path | None:
        """Store ``series`` under ``key`` (best effort: a folder that cannot be written only
        costs the next run the computation); returns the file, or None if not written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **_encode(series, key))
            path = self.path(key)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("regime series not cached in %s (%s)", self.folder, exc)
            return None
        self._prune()
        return path

    def _prune(self) -> None:
        entries = sorted(self._entries(), key=_mtime, reverse=True)
        for old in entries[self.keep :]:
            old.unlink(missing_ok=True)

    def _entries(self) -> Iterable[Path]:
        return (p for p in self.folder.glob("*.npz") if not p.name.startswith("."))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _encode(series: RegimeSeries, key: str) -> dict[str, Any]:
    frame = series.decisions
    index = pd.DatetimeIndex(frame.index)
    out: dict[str, Any] = {
        "format": np.int64(FORMAT),
        "key": np.str_(key),
        "stamps": index.as_unit("ns").asi8,
        "tz": np.str_(str(index.tz) if index.tz is not None else ""),
        "index_name": np.str_(str(index.name) if index.name is not None else ""),
        "columns": np.asarray([str(c) for c in frame.columns], dtype=str),
        "features": np.asarray(series.features, dtype=str),
    }
    for j, column in enumerate(frame.columns):
        values = frame[column]
        if column in _STRINGS:
            missing = values.isna().to_numpy()
            out[f"c{j}"] = np.asarray(values.fillna("").astype(str), dtype=str)
            out[f"m{j}"] = missing
        else:
            out[f"c{j}"] = values.to_numpy(dtype=bool if column == "vix_is_proxy" else float)
    return out


def _decode(npz: Any, key: str) -> RegimeSeries:
    if int(npz["format"]) != FORMAT or str(npz["key"]) != key:
        raise ValueError("written for another key or format")
    stamps = np.asarray(npz["stamps"], dtype=np.int64)
    tz = str(npz["tz"])
    index = pd.DatetimeIndex(stamps.view("M8[ns]"), name=str(npz["index_name"]) or None)
    if tz:
        index = index.tz_localize("UTC").tz_convert(tz)
    columns = [str(c) for c in npz["columns"]]
    data: dict[str, Any] = {}
    for j, column in enumerate(columns):
        values = npz[f"c{j}"]
        if len(values) != len(index):
            raise ValueError(f"column {column} has {len(values)} rows, the index {len(index)}")
        if column in _STRINGS:
            text = pd.Series(values.astype(object), index=index, dtype="str")
            data[column] = text.mask(np.asarray(npz[f"m{j}"], dtype=bool))
        else:
            data[column] = pd.Series(values, index=index)
    features = tuple(str(f) for f in npz["features"])
    if not set(features) <= set(columns) or "regime" not in columns:
        raise ValueError("the entry lacks the regime or a feature column")
    return RegimeSeries(pd.DataFrame(data, index=index, columns=columns), features)


def series_cache(cfg: TradewindConfig) -> RegimeSeriesCache | None:
    """The run's regime-series cache (``data.cache.regime_path``), or None when
    ``data.cache.regime`` is off."""
    settings = cfg.data.cache
    return RegimeSeriesCache(settings.regime_folder) if settings.regime else None
