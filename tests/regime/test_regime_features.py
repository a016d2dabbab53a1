"""Features: formulas on hand-built series, causality, and the VIX proxy rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.domain.market import VixSeries
from tradewind.regime.features import FeatureSpec, adx, atr, compute_features, true_range
from tradewind.regime.vix import MAX_VIX_AGE, align_vix, vix_proxy


def _index(n: int) -> pd.DatetimeIndex:
    days = pd.bdate_range("2020-01-01", periods=n)
    return pd.DatetimeIndex(days + pd.Timedelta(hours=21), tz="UTC", name="timestamp")


def _bars(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
    spread = np.abs(rng.normal(0, 0.006, n))
    high = close * (1 + spread)
    low = close * (1 - spread)
    open_ = np.r_[close[0], close[:-1]]
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(high, open_),
            "low": np.minimum(low, open_),
            "close": close,
            "volume": 1e6,
        },
        index=_index(n),
    )


def test_true_range_is_close_to_close_for_close_only_series() -> None:
    c = pd.Series([10.0, 11.0, 10.5, 10.5, 12.0])
    tr = true_range(c, c, c)
    assert tr.iloc[1:].tolist() == pytest.approx([1.0, 0.5, 0.0, 1.5])


def test_atr_is_wilder_average_of_true_range() -> None:
    c = pd.Series(np.arange(1.0, 31.0))  # constant +1 moves
    assert atr(c, c, c, period=14).iloc[-1] == pytest.approx(1.0)


def test_adx_of_a_steady_rise_is_100_and_of_a_zigzag_is_0() -> None:
    rise = pd.Series(np.arange(1.0, 80.0))
    value, plus_di, minus_di = adx(rise, rise, rise, 14)
    assert value.iloc[-1] == pytest.approx(100.0)
    assert plus_di.iloc[-1] == pytest.approx(100.0) and minus_di.iloc[-1] == pytest.approx(0.0)
    zig = pd.Series(np.where(np.arange(80) % 2 == 0, 10.0, 11.0))
    assert adx(zig, zig, zig, 14)[0].iloc[-1] < 10.0


def test_features_are_causal_bit_for_bit() -> None:
    bars = _bars(400)
    vix = pd.Series(np.linspace(15, 30, 400), index=bars.index)
    full = compute_features(bars, vix)
    for cut in (80, 250, 399):
        part = compute_features(bars.iloc[:cut], vix.iloc[:cut])
        pd.testing.assert_frame_equal(part, full.iloc[:cut], check_exact=True)


def test_close_only_ignores_high_and_low() -> None:
    bars = _bars(300)
    closes_only = bars.assign(high=bars["close"] * 1.5, low=bars["close"] * 0.5)
    a = compute_features(bars, close_only=True)
    b = compute_features(closes_only, close_only=True)
    pd.testing.assert_frame_equal(a, b)
    assert (a["plus_di"] + a["minus_di"]).dropna().to_numpy() == pytest.approx(100.0)


def test_spec_warmup_leaves_every_feature_defined() -> None:
    spec = FeatureSpec()
    feats = compute_features(_bars(spec.warmup + 5), pd.Series(20.0, index=_index(spec.warmup + 5)))
    assert feats.iloc[spec.warmup :].notna().all().all()


def test_missing_vix_uses_flagged_proxy_never_a_calm_default() -> None:
    bars = _bars(200)
    r = np.log(bars["close"]).diff()
    level, is_proxy = align_vix(bars.index, None, r)
    assert is_proxy.all()
    pd.testing.assert_series_equal(level, vix_proxy(r).rename("vix"))


def test_stale_vix_falls_back_to_proxy_and_is_flagged() -> None:
    bars = _bars(60)
    r = np.log(bars["close"]).diff()
    vix = pd.Series(25.0, index=bars.index[:30])  # stops after bar 29
    level, is_proxy = align_vix(bars.index, vix, r)
    age = bars.index - bars.index[29]
    fresh = age <= MAX_VIX_AGE
    assert (level[fresh] == 25.0).all() and not is_proxy[fresh].any()
    assert is_proxy[~fresh].all()
    assert (level[~fresh] == vix_proxy(r)[~fresh]).all()


def test_vix_stamped_after_the_bar_is_not_used_for_it() -> None:
    bars = _bars(10)
    later = pd.Series(99.0, index=pd.DatetimeIndex(bars.index) + pd.Timedelta(minutes=15))
    level, is_proxy = align_vix(bars.index, later, np.log(bars["close"]).diff())
    assert level.iloc[0] != 99.0 and is_proxy.iloc[0]
    assert (level.iloc[1:] == 99.0).all()  # the previous bar's VIX, known by then


def test_provider_proxy_series_is_flagged() -> None:
    bars = _bars(30)
    series = VixSeries(pd.Series(20.0, index=bars.index), is_proxy=True, source="proxy")
    _, is_proxy = align_vix(bars.index, series, np.log(bars["close"]).diff())
    assert is_proxy.all()
