"""Performance metrics on small hand-built curves whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradewind.reports.metrics import (
    max_drawdown_duration,
    performance,
    relative,
    sharpe_ratio,
    sortino_ratio,
)

DAYS = pd.date_range("2021-01-04", periods=6, freq="B", tz="UTC")


def _curve(values: list[float]) -> pd.Series:
    return pd.Series(values, index=DAYS[: len(values)])


def test_drawdown_duration_and_calmar_on_a_dip_and_recovery() -> None:
    # value path 100, 110, 99, 88, 121, 121: peak 110, trough 88 (-20%), recovered on day 4
    perf = performance(_curve([110.0, 99.0, 88.0, 121.0, 121.0]), 100.0)
    assert perf.max_drawdown == pytest.approx(88 / 110 - 1)
    assert perf.max_drawdown_days == 2  # two closes below the 110 peak
    assert perf.total_return == pytest.approx(0.21)
    assert perf.calmar == pytest.approx(perf.cagr / 0.2)
    assert max_drawdown_duration(np.array([1.0, 0.9, 1.0, 0.8, 0.7, 0.9, 1.1])) == 3


def test_win_rate_and_profit_factor_count_closed_trades() -> None:
    perf = performance(_curve([100.0, 101.0]), 100.0, trade_pnls=[30.0, -10.0, 20.0, -5.0])
    assert perf.win_rate == 0.5
    assert perf.profit_factor == pytest.approx(50 / 15)
    assert perf.closed_trades == 4
    no_losses = performance(_curve([100.0]), 100.0, trade_pnls=[5.0])
    assert no_losses.profit_factor == math.inf and no_losses.win_rate == 1.0
    nothing = performance(_curve([100.0]), 100.0)
    assert nothing.win_rate == 0.0 and nothing.profit_factor == 0.0


def test_sharpe_and_sortino_follow_their_formulas() -> None:
    r = np.array([0.01, -0.02, 0.015, 0.005, -0.01])
    assert sharpe_ratio(r) == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(252))
    downside = math.sqrt(((0.02**2) + (0.01**2)) / 5)  # only losses, over all 5 days
    assert sortino_ratio(r) == pytest.approx(r.mean() / downside * math.sqrt(252))
    rf = 0.0252  # 0.01% a day
    assert sharpe_ratio(r, rf) == pytest.approx(
        (r.mean() - 0.0001) / r.std(ddof=1) * math.sqrt(252)
    )
    assert sharpe_ratio(np.full(5, 0.001)) == 0.0  # no volatility: no ratio, not infinity


def test_costs_as_a_share_of_average_equity_per_year_and_month() -> None:
    idx = pd.date_range("2020-01-01", "2021-01-01", freq="D", tz="UTC")  # 366 days
    equity = pd.Series(100_000.0, index=idx)
    perf = performance(equity, 100_000.0, costs_usd=1_000.0)
    years = 366 / 365.25
    assert perf.costs_pct_per_year == pytest.approx(0.01 / years)
    assert perf.costs_pct_per_month == pytest.approx(0.01 / years / 12)


def test_relative_metrics_against_a_benchmark() -> None:
    rng = np.random.default_rng(3)
    idx = pd.date_range("2020-01-01", periods=300, freq="B", tz="UTC")
    b = rng.normal(0.0004, 0.01, len(idx))
    bench = pd.Series(100 * np.cumprod(1 + b), index=idx)
    # a strategy that is exactly twice the benchmark's daily return (after day 0)
    r = np.concatenate([[0.0], 2 * b[1:]])
    equity = pd.Series(1_000 * np.cumprod(1 + r), index=idx)
    rel = relative(equity, bench, initial_capital=1_000.0)
    assert rel.beta == pytest.approx(2.0)
    active = b[1:]  # 2b - b
    assert rel.tracking_error == pytest.approx(active.std(ddof=1) * math.sqrt(252))
    assert rel.information_ratio == pytest.approx(
        active.mean() * 252 / (active.std(ddof=1) * math.sqrt(252))
    )
    same = relative(bench * 10, bench, initial_capital=float(bench.iloc[0] * 10))
    assert same.beta == pytest.approx(1.0)
    assert same.tracking_error == pytest.approx(0.0, abs=1e-12)
    assert same.excess_return == pytest.approx(0.0, abs=1e-12)
    assert rel.benchmark_max_drawdown == pytest.approx(float((bench / bench.cummax() - 1).min()))


def test_an_empty_curve_is_an_error() -> None:
    with pytest.raises(ValueError, match="no equity"):
        performance(pd.Series([], dtype=float), 100.0)
