"""Vectorised market statistics equal the per-symbol ``np.std`` / ``np.mean`` to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.rebalance import MarketStats
from tradewind.rebalance.market_stats import StatsTable, window_stats


def _one_by_one(closes: np.ndarray, volume: np.ndarray) -> list[MarketStats]:
    """The statistics as the planner computed them before (one symbol at a time)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rets = np.diff(np.log(closes), axis=0)
    out = []
    for i in range(closes.shape[1]):
        r = rets[:, i][np.isfinite(rets[:, i])]
        v = volume[:, i][np.isfinite(volume[:, i])]
        out.append(
            MarketStats(
                float(np.std(r, ddof=1)) if len(r) > 2 else None,
                float(v.mean()) if len(v) else None,
            )
        )
    return out


@pytest.mark.parametrize("window", [3, 20, 200])
def test_identical_to_the_loop_with_holes(window: int) -> None:
    rng = np.random.default_rng(window)
    n = 60
    closes = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, (window + 1, n)), axis=0))
    volume = rng.uniform(1e5, 1e7, (window, n))
    closes[:5, 3] = np.nan  # listed late
    closes[window // 2, 7] = np.nan  # a hole
    closes[:, 11] = np.nan  # no data at all
    closes[: window - 1, 13] = np.nan  # too short for a volatility
    closes[2, 17] = 0.0  # log(0): an infinite return, left out
    volume[:, 11] = np.nan
    volume[1, 19] = np.nan
    symbols = [f"S{i}" for i in range(n)]
    table = StatsTable.of(symbols, closes, volume)
    expected = _one_by_one(closes, volume)
    assert [table[s] for s in symbols] == expected  # exact equality, None where unknown
    assert table["S11"] == MarketStats(None, None)
    assert table["S13"].daily_volatility is None
    vol, adv = window_stats(closes, volume)
    assert np.array_equal(vol, table.volatility, equal_nan=True)
    assert np.array_equal(adv, table.volume, equal_nan=True)


def test_mapping_and_arrays() -> None:
    closes = np.array([[10.0, 20.0], [11.0, 19.0], [12.0, 21.0], [11.5, 20.5]])
    volume = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    table = StatsTable.of(["A", "B"], closes, volume)
    assert list(table) == ["A", "B"] and len(table) == 2
    assert table.get("C") is None
    assert table["A"].average_daily_volume == 3.0
    vol, adv = table.arrays(["B", "C"])
    assert adv[0] == 4.0 and np.isnan(adv[1]) and np.isnan(vol[1])
    assert vol[0] == pytest.approx(np.std(np.diff(np.log(closes[:, 1])), ddof=1), rel=0, abs=0)
