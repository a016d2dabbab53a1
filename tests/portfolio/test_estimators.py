"""Moment estimators and the estimation-window rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from skfolio.moments import ShrunkMu
from sklearn.covariance import ledoit_wolf as sklearn_ledoit_wolf

from tradewind.domain.errors import MissingDataError, NaNPriceError
from tradewind.portfolio import (
    MomentEstimator,
    james_stein_mean,
    ledoit_wolf,
    returns_from_prices,
    sample_covariance,
)


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    index = pd.bdate_range("2020-01-01", periods=300, tz="UTC")
    market = rng.standard_normal((300, 1)) * 0.01
    data = market + rng.standard_normal((300, 6)) * 0.01 + rng.normal(0.0005, 0.0005, 6)
    return pd.DataFrame(data, index=index, columns=["A", "B", "C", "D", "E", "F"])


def test_sample_covariance_is_numpy_cov(returns: pd.DataFrame) -> None:
    x = returns.to_numpy()
    np.testing.assert_allclose(sample_covariance(x), np.cov(x, rowvar=False), rtol=1e-12)


@pytest.mark.parametrize(("t_obs", "n"), [(300, 6), (40, 60), (10, 3)])
def test_ledoit_wolf_matches_sklearn(t_obs: int, n: int) -> None:
    x = np.random.default_rng(t_obs + n).standard_normal((t_obs, n)) * 0.02
    ours, shrinkage = ledoit_wolf(x)
    ref, ref_shrinkage = sklearn_ledoit_wolf(x)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-16)
    assert shrinkage == pytest.approx(ref_shrinkage, rel=1e-10)
    assert np.linalg.eigvalsh(ours).min() > 0  # positive definite even when n > T


def test_james_stein_matches_skfolio_when_its_intensity_is_in_range() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((120, 10)) * 0.02 + rng.normal(0.001, 0.002, 10)  # weak factor
    ref = ShrunkMu().fit(x)
    assert 0.0 < ref.beta_ < 1.0
    np.testing.assert_allclose(james_stein_mean(x), ref.mu_, rtol=1e-10)


def test_james_stein_clips_a_negative_intensity_to_the_sample_mean() -> None:
    rng = np.random.default_rng(1)
    market = rng.standard_normal((120, 1)) * 0.03
    x = market + rng.standard_normal((120, 10)) * 0.002 + rng.normal(0.001, 0.002, 10)
    assert ShrunkMu().fit(x).beta_ < 0  # skfolio would push away from the mean
    np.testing.assert_allclose(james_stein_mean(x), x.mean(axis=0))


def test_window_uses_the_last_lookback_rows_at_or_before_asof(returns: pd.DataFrame) -> None:
    asof = returns.index[199]
    moments = MomentEstimator(lookback_days=100, covariance="sample").fit(returns, asof)
    expected = returns.iloc[100:200].to_numpy()
    assert moments.end == asof and moments.n_observations == 100
    np.testing.assert_allclose(moments.mu, expected.mean(axis=0))
    np.testing.assert_allclose(moments.cov, np.cov(expected, rowvar=False))


def test_no_look_ahead_rows_after_asof_are_never_read(returns: pd.DataFrame) -> None:
    asof = returns.index[199]
    poisoned = returns.copy()
    poisoned.iloc[200:] = np.nan  # a hole after asof would raise if it were read
    a = MomentEstimator(lookback_days=100).fit(poisoned, asof)
    b = MomentEstimator(lookback_days=100).fit(returns, asof)
    np.testing.assert_array_equal(a.cov, b.cov)


def test_short_history_is_excluded_and_recorded(returns: pd.DataFrame) -> None:
    data = returns.copy()
    data.iloc[:250, 1] = np.nan  # B listed late: 50 returns
    data.iloc[:120, 2] = np.nan  # C: 180 returns
    moments = MomentEstimator(lookback_days=200, min_history=150).fit(data)
    assert moments.symbols == ("A", "C", "D", "E", "F")
    assert "B" in moments.excluded and "50 of 150" in moments.excluded["B"]
    assert moments.n_observations == 180  # trimmed to C's listing
    strict = MomentEstimator(lookback_days=200).fit(data)  # whole window required
    assert set(strict.excluded) == {"B", "C"}


def test_a_hole_inside_the_window_raises_naming_symbol_and_time(returns: pd.DataFrame) -> None:
    data = returns.copy()
    data.iloc[250, 3] = np.nan
    with pytest.raises(NaNPriceError, match=r"\[D @ 2020-12-"):
        MomentEstimator(lookback_days=100).fit(data)


def test_no_asset_with_enough_history_raises(returns: pd.DataFrame) -> None:
    data = returns.copy()
    data.iloc[:290] = np.nan
    with pytest.raises(MissingDataError):
        MomentEstimator(lookback_days=100).fit(data)


@pytest.mark.parametrize("cut", ["no symbol", "no return"])
def test_an_empty_universe_or_window_is_a_clear_error(returns: pd.DataFrame, cut: str) -> None:
    data = returns.iloc[:, :0] if cut == "no symbol" else returns.iloc[:0]
    with pytest.raises(MissingDataError, match=f"{cut} to estimate from"):
        MomentEstimator(lookback_days=100).fit(data)


def test_returns_from_prices_keeps_leading_nan() -> None:
    closes = pd.DataFrame({"A": [10.0, 11.0, 12.1], "B": [np.nan, 5.0, 5.5]})
    out = returns_from_prices(closes)
    assert out["A"].tolist() == pytest.approx([0.1, 0.1])
    assert np.isnan(out["B"].iloc[0]) and out["B"].iloc[1] == pytest.approx(0.1)
