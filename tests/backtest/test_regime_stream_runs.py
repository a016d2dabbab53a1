"""A backtest that simulates while its regime series is computed in a child trades exactly as one
that reads the series from the cache, and leaves the same cache entry behind."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import load_config
from tradewind.data import get_market_data
from tradewind.engine import regime_series
from tradewind.engine.regime_hooks import ScheduledRegime
from tradewind.engine.regime_stream import StreamedRegime
from tradewind.regime.series_cache import RegimeSeriesCache

ROOT = Path(__file__).resolve().parents[2]
START = "2019-01-01"


def _run(cache: RegimeSeriesCache | None) -> BacktestRun:
    cfg = load_config(ROOT / "config" / "demo.yaml", env={})
    return run_backtest(cfg, get_market_data(cfg), START, regime_cache=cache)


def _same(a: BacktestRun, b: BacktestRun) -> None:
    ra, rb = a.summary.recorder, b.summary.recorder
    assert ra.fingerprint() == rb.fingerprint()  # every decision, to the last bit
    assert ra.equity == rb.equity and ra.regime == rb.regime
    assert a.summary.performance == b.summary.performance


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and hasattr(os, "fork")), reason="needs os.fork"
)
def test_a_streamed_series_trades_like_the_cached_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: stream even with the test runner's threads alive (the CLI forks only without)
    monkeypatch.setattr(regime_series, "can_fork", lambda **_: True)
    cache = RegimeSeriesCache(tmp_path / "regime")
    # Act: a first run (nothing cached: streamed), a second (read back), one without a cache
    first = _run(cache)
    (entry,) = cache.folder.glob("*.npz")
    second = _run(cache)
    uncached = _run(None)
    # Assert
    hook = first.engine.parts.regime
    assert isinstance(hook, StreamedRegime) and hook.streamed
    assert type(second.engine.parts.regime) is ScheduledRegime
    assert (cache.misses, cache.hits) == (1, 1)
    assert list(cache.folder.glob("*.npz")) == [entry]
    assert any(r != "BULL" for r in first.summary.recorder.regime)  # the detector had a say
    _same(first, second)
    _same(first, uncached)
