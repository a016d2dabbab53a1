"""Features use only data up to their date; the indicators match the regime package's."""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlkit import market, small_ml

from tradewind.config import load_config
from tradewind.data import get_market_data
from tradewind.regime.features import compute_features
from tradewind.signals.features import FEATURES, WARMUP, build_features
from tradewind.signals.labels import forward_returns

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_feature_rows_equal_those_computed_on_the_history_cut_at_their_date() -> None:
    inputs = market(3, planted=True, days=900)
    inputs = type(inputs)(
        inputs.close,
        inputs.close * 1.01,
        inputs.close * 0.99,
        frozenset(),  # real high/low: ATR and ADX from OHLC
        inputs.benchmark,
        inputs.close.iloc[:, 0].rename("vix") / 5,
        pd.Series(False, index=inputs.close.index),
        pd.Series("BULL", index=inputs.close.index).where(np.arange(900) % 200 < 100, "BEAR"),
    )
    full = build_features(inputs)
    compared = 0
    for row in (WARMUP, 400, 650, 899):
        t = full.index[row]
        cut = build_features(inputs.until(t))
        assert cut.index[-1] == t
        np.testing.assert_array_equal(cut.at(row), full.at(row))
        compared += int(np.isfinite(full.at(row)).sum())
    assert compared > 4 * 16 * len(FEATURES) * 0.9  # nearly every feature defined and checked


def test_no_feature_changes_when_the_future_is_poisoned() -> None:
    inputs = market(4, planted=False, days=700)
    full = build_features(inputs)
    t = full.index[500]
    poisoned = inputs.close.copy()
    poisoned.loc[poisoned.index > t] *= 3.0
    bench = inputs.benchmark.copy()
    bench.loc[bench.index > t] = np.nan
    other = type(inputs)(poisoned, poisoned, poisoned, inputs.close_only, bench)
    np.testing.assert_array_equal(build_features(other).values[:501], full.values[:501])


def test_indicators_match_the_regime_features_on_one_symbol() -> None:
    inputs = market(5, planted=True, days=600)
    close = inputs.close.iloc[:, 0]
    bars = pd.DataFrame({"open": close, "high": close * 1.02, "low": close * 0.97, "close": close})
    expected = compute_features(bars, close_only=False)
    from tradewind.signals.indicators import adx, atr

    wide = lambda s: s.to_frame("x")  # noqa: E731 - one column frames
    got_atr = atr(wide(bars["high"]), wide(bars["low"]), wide(close), 14)["x"] / close
    got_adx = adx(wide(bars["high"]), wide(bars["low"]), wide(close), 14)["x"]
    pd.testing.assert_series_equal(got_atr, expected["atr_pct"], check_names=False)
    pd.testing.assert_series_equal(got_adx, expected["adx"], check_names=False)
    assert got_adx.notna().sum() > 500


def test_labels_are_forward_excess_returns_known_horizon_rows_later() -> None:
    close = pd.DataFrame({"A": [100.0, 110, 121, 133.1], "B": [100.0, 100, 100, 100]})
    labels = forward_returns(close, 2)
    a = np.log(121 / 100)
    np.testing.assert_allclose(labels.raw[0], [a, 0.0])
    np.testing.assert_allclose(labels.values[0], [a / 2, -a / 2])
    assert np.isnan(labels.values[2:]).all()  # the future is unknown at the end
    assert labels.end_row(np.array([0, 1])).tolist() == [2, 3]


def test_bundled_features_are_defined_after_the_warm_up() -> None:
    cfg = load_config(ROOT / "config" / "demo.yaml")
    provider = get_market_data(cfg)
    bars = provider.bars(["AAPL", "MSFT", "KO", "XOM"], "2015-01-01", "2016-12-31")
    from tradewind.signals.features import MarketInputs

    inputs = MarketInputs(
        bars.field("close"), bars.field("high"), bars.field("low"), bars.derived_ohlc
    )
    panel = build_features(inputs)
    symbol_part = panel.values[WARMUP:, :, :16]
    assert np.isfinite(symbol_part).all()
    assert small_ml().horizon_days == 21
