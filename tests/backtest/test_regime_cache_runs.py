"""Backtests and replays read the regime series back from the cache, with the same results.

``tradewind backtest`` without the cache, with an empty cache and with the cache warm writes
the same files, byte for byte (the tearsheet's random plotly element id aside); a replay of the
trading service started twice on the same data computes the series once. That the warm runs
really read the cache is shown by planting a different (valid) series under the key: the next
run then trades on it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from repokit import REGIME_CACHE_ENV
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.regime.series_cache import RegimeSeriesCache
from tradewind.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

import servicekit  # noqa: E402  (found through the path above)

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "config" / "demo.yaml")


def _backtest(out: Path) -> None:
    result = CliRunner().invoke(
        app, ["backtest", "-c", DEMO, "--start", "2021-01-01", "--out", str(out), "--no-record"]
    )
    assert result.exit_code == 0, result.output


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a run folder, as written (the tearsheet included: its chart's id is fixed)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(p for p in folder.rglob("*") if p.is_file())
    }


def _plant_bear(cache: RegimeSeriesCache, path: Path) -> None:
    """Rewrite the entry at ``path`` (valid, same key) with BEAR at every decided bar."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    j = list(arrays["columns"]).index("regime")
    arrays[f"c{j}"] = np.where(arrays[f"m{j}"], "", "BEAR")
    with path.open("wb") as fh:
        np.savez(fh, **arrays)
    assert cache.load(path.stem) is not None  # still a valid entry for its key


def test_a_cached_backtest_writes_the_same_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "regime-cache"
    monkeypatch.setenv(REGIME_CACHE_ENV, str(folder))
    # Act: without the cache, then cold, then warm
    monkeypatch.setenv("TRADEWIND__DATA__CACHE__REGIME", "false")
    _backtest(tmp_path / "uncached")
    assert not folder.exists()
    monkeypatch.delenv("TRADEWIND__DATA__CACHE__REGIME")
    _backtest(tmp_path / "cold")
    entries = list(folder.glob("*.npz"))
    _backtest(tmp_path / "warm")
    # Assert: one entry, and the same files byte for byte
    assert len(entries) == 1 and list(folder.glob("*.npz")) == entries
    uncached = _files(tmp_path / "uncached")
    assert {"summary.json", "tracking.csv", "tearsheet.html", "rollup.md"} <= set(uncached)
    assert _files(tmp_path / "cold") == uncached
    assert _files(tmp_path / "warm") == uncached
    # the warm run read the cache: a planted series (all BEAR) changes what the run does
    _plant_bear(RegimeSeriesCache(folder), entries[0])
    _backtest(tmp_path / "planted")
    planted = _files(tmp_path / "planted")
    assert planted["summary.json"] != uncached["summary.json"]
    assert b"Current Regime: BEAR" in planted["weekly/week-0001.md"]


def test_a_replay_started_twice_computes_the_regime_series_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: two replay runs of the same market, each in its own folder, one cache
    cache = tmp_path / "shared-cache"
    monkeypatch.setenv(REGIME_CACHE_ENV, str(cache))  # data.cache.regime_path
    fills = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        config = servicekit.write_config(folder)
        # Act
        _, result = servicekit.run_inprocess(config)
        assert result.status == "finished"
        with Store(servicekit.load(config).database_url, mode=None) as store:
            fills.append([f for _, f in store.fills_by_id(result.run_id)])
        if name == "first":
            (entry,) = cache.glob("*.npz")
            inode = entry.stat().st_ino
            os.utime(entry, (1, 1))  # as if last used in 1970
    # Assert: the second run read the entry (used again, never rewritten), traded alike
    assert list(cache.glob("*.npz")) == [entry]
    assert entry.stat().st_ino == inode and entry.stat().st_mtime > 1
    assert fills[0] and fills[0] == fills[1]
