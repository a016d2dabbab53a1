"""The engine-facing call: ``optimize`` on a returns window, on the bundled S&P 500 data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from skfolio.datasets import load_sp500_dataset

from tradewind.config import TradewindConfig
from tradewind.domain.types import Regime
from tradewind.portfolio import (
    Constraints,
    MaxSharpe,
    MomentEstimator,
    OptimizationResult,
    _clarabel,
    optimize,
    optimize_from_config,
    returns_from_prices,
)

METHODS = ["equal_weight", "max_sharpe", "min_variance", "risk_parity", "hrp"]


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    frame: pd.DataFrame = load_sp500_dataset()
    return frame


@pytest.fixture(scope="module")
def returns(prices: pd.DataFrame) -> pd.DataFrame:
    return returns_from_prices(prices)


def test_t2_windows_match_the_reference_qp(prices: pd.DataFrame) -> None:
    """BENCH_TASKS T2: sample moments of 252 returns, cap 0.30, fully invested."""
    p = prices.to_numpy()
    months = pd.DatetimeIndex(prices.index).to_period("M")
    starts = [k for k in range(252, len(p)) if months[k] != months[k - 1]]
    for k in starts[::24]:
        r = p[k - 251 : k + 1] / p[k - 252 : k] - 1.0
        mu, cov = r.mean(axis=0), np.cov(r, rowvar=False)
        ours = MaxSharpe(Constraints(max_weight=0.3)).fit(mu, cov)
        if ours.fallback_reason_ is not None:
            continue
        ref = _clarabel.capped_qp(cov, mu, 0.0, 0.3, tol=1e-10)
        assert ref is not None
        np.testing.assert_allclose(ours.weights_, ref, atol=1e-6)


def test_the_one_undefined_t2_window_falls_back_to_equal_weights(prices: pd.DataFrame) -> None:
    p = prices.to_numpy()
    k = int(prices.index.searchsorted(pd.Timestamp("2009-03-02")))
    r = p[k - 251 : k + 1] / p[k - 252 : k] - 1.0
    opt = MaxSharpe(Constraints(max_weight=0.3)).fit(r.mean(axis=0), np.cov(r, rowvar=False))
    assert opt.method_ == "equal_weight" and opt.fallback_reason_ is not None
    np.testing.assert_allclose(opt.weights_, 1 / 20)


@pytest.mark.parametrize("method", METHODS)
def test_optimize_returns_a_complete_record(returns: pd.DataFrame, method: str) -> None:
    cons = Constraints(max_weight=0.3, max_exposure=0.8)
    result = optimize(method, returns, cons, asof="2015-06-30")
    assert isinstance(result, OptimizationResult)
    assert list(result.weights.index) == list(returns.columns)
    assert result.weights.sum() == pytest.approx(0.8)
    assert result.cash_weight == pytest.approx(0.2)
    assert result.risk_contributions.sum() == pytest.approx(1.0)
    assert result.window_end == pd.Timestamp("2015-06-30")
    assert result.n_observations == 252
    assert result.volatility > 0 and np.isfinite(result.sharpe)
    kinds = {b.kind for b in result.binding_constraints}
    assert "max_exposure" in kinds
    payload = result.to_dict()
    assert payload["weights"] and payload["method"] == method


def test_binding_caps_and_zero_weights_are_reported(returns: pd.DataFrame) -> None:
    result = optimize("max_sharpe", returns, Constraints(max_weight=0.15), asof="2019-12-31")
    binding = {b.kind: b for b in result.binding_constraints}
    at_cap = binding["max_weight"].symbols
    assert at_cap and all(result.weights[s] == pytest.approx(0.15) for s in at_cap)
    assert all(result.weights[s] == 0.0 for s in binding["long_only"].symbols)


def test_excluded_symbols_get_zero_weight(returns: pd.DataFrame) -> None:
    data = returns.loc[:"2015-06-30"].copy()
    data.iloc[:-100, 0] = np.nan  # first symbol listed 100 days ago
    result = optimize("min_variance", data, Constraints(max_weight=0.3))
    first = str(data.columns[0])
    assert result.weights[first] == 0.0 and first in result.excluded
    assert result.weights.sum() == pytest.approx(1.0)


def test_caps_too_small_for_the_budget_are_reported(returns: pd.DataFrame) -> None:
    result = optimize("equal_weight", returns[["AAPL", "AMD"]], Constraints(max_weight=0.3))
    assert result.weights.sum() == pytest.approx(0.6)
    assert "caps_limit_exposure" in {b.kind for b in result.binding_constraints}


def test_turnover_penalty_without_previous_weights_is_noted(returns: pd.DataFrame) -> None:
    result = optimize("max_sharpe", returns, Constraints(turnover_penalty=0.01))
    assert any("no previous weights" in n for n in result.notes)


def test_regime_policy_picks_method_and_caps(returns: pd.DataFrame) -> None:
    cfg = TradewindConfig()
    bear = optimize_from_config(cfg, returns, regime=Regime.BEAR, asof="2015-06-30")
    assert bear.method == "min_variance"
    assert bear.weights.max() <= 0.20 + 1e-12
    assert bear.weights.sum() == pytest.approx(cfg.risk_management.max_portfolio_risk)
    volatile = optimize_from_config(cfg, returns, regime=Regime.VOLATILE, asof="2015-06-30")
    policy = cfg.regime.policies[Regime.VOLATILE]
    exposure = policy.max_portfolio_risk or cfg.risk_management.max_portfolio_risk
    assert volatile.weights.sum() == pytest.approx(exposure - policy.cash_buffer)  # 0.8 - 0.15
    plain = optimize_from_config(cfg, returns, asof="2015-06-30")
    assert plain.method == cfg.portfolio_optimization.method


def test_estimator_choice_changes_the_moments(returns: pd.DataFrame) -> None:
    window = returns.loc[:"2015-06-30"]
    lw = MomentEstimator(covariance="ledoit_wolf").fit(window)
    sample = MomentEstimator(covariance="sample").fit(window)
    assert not np.allclose(lw.cov, sample.cov)
    assert np.linalg.cond(lw.cov) < np.linalg.cond(sample.cov)
