"""The benchmark tasks T1, T2 and T3 of ``shared/BENCH_TASKS.md``: data, targets and configs.

One definition shared by ``make bench`` (``bench/bench_engine.py``) and the correctness tests,
so both run exactly the same inputs:

* **data**: the 20 stocks of ``skfolio.datasets.load_sp500_dataset()`` (T1, T2) and the seeded
  one-factor GBM of T3 (:func:`t3_prices`);
* **rebalance rows and targets**: every month-start row at ``1/N`` (T1); the month-start rows
  ``k >= 252`` at the long-only max-Sharpe weights, capped at 0.30, of the 253 closes of rows
  ``k-252 .. k`` (T2), from tradewind's own optimizer, cleaned as the task says;
* **the metrics** every engine is judged by, computed on the value path
  ``[100,000, E_0, ..., E_{T-1}]`` (:func:`path_metrics`);
* **the tradewind configuration** of each task (:func:`task_config`): fills at the close,
  10 bps slippage as the only cost, fractional shares, a monthly calendar trigger, no regime
  policy, no stops or breakers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.backtest.reference import month_start_rows
from tradewind.config import TradewindConfig, validate_config
from tradewind.domain.arrays import FloatArray

TaskName = Literal["T1", "T2"]

INITIAL_CASH = 100_000.0
COST_RATE = 0.001
"""Cost of a trade as a fraction of its notional (10 bps)."""
LOOKBACK = 252
"""Daily returns in a T2 estimation window."""
T2_CAP = 0.30
"""Largest T2 weight."""
ZERO_BELOW = 1e-8
"""T2 weights below this are set to exactly zero (solver noise)."""

T3_SEED = 20240101
T3_START = date(2000, 1, 3)
T3_END = date(2019, 12, 31)
T3_SIZES = (100, 500)
T3_CORRELATION = 0.3
TRADING_DAYS = 252


# --- data ---------------------------------------------------------------------------------------
def load_sp500_closes() -> pd.DataFrame:
    """Adjusted closes of the 20 skfolio S&P 500 stocks, 1990-01-02 .. 2022-12-28 (8313 rows).

    The index holds naive dates, as shipped.
    """
    from skfolio.datasets import load_sp500_dataset

    prices = pd.DataFrame(load_sp500_dataset()).astype(float)
    prices.index = pd.DatetimeIndex(prices.index).normalize()
    prices.index.name = "date"
    prices.columns = [str(c) for c in prices.columns]
    return prices


def t3_symbols(n_assets: int) -> list[str]:
    """Ticker-shaped names of the T3 assets: ``S000``, ``S001``, ..."""
    width = max(3, len(str(n_assets - 1)))
    return [f"S{i:0{width}d}" for i in range(n_assets)]


def t3_dates(start: date = T3_START, end: date = T3_END) -> pd.DatetimeIndex:
    """Every Monday to Friday from ``start`` to ``end`` inclusive (no holidays).

    For the task's dates this has 5217 rows; ``shared/BENCH_TASKS.md`` says 5216, which does
    not match its own dates (its rebalance counts, 240 and 228, hold either way).
    """
    return pd.bdate_range(start, end, name="date")


def t3_prices(
    n_assets: int,
    *,
    seed: int = T3_SEED,
    start: date = T3_START,
    end: date = T3_END,
) -> pd.DataFrame:
    """The T3 one-factor GBM closes (dates x ``n_assets``), exactly as the task defines them.

    Draws, in this order, from ``numpy.random.default_rng(seed)``: ``mu ~ U(0.02, 0.15)`` and
    ``sigma ~ U(0.15, 0.40)`` (annual, ``n_assets`` each), the factor ``f`` ((T-1) x 1
    standard normal), then the idiosyncratic ``e`` ((T-1) x N). With
    ``z = sqrt(0.3) f + sqrt(0.7) e`` (pairwise correlation 0.3) the daily log return is
    ``(mu - sigma^2 / 2) / 252 + sigma / sqrt(252) z``, and every asset starts at 100.
    """
    dates = t3_dates(start, end)
    mu, sigma, f, e = t3_draws(n_assets, len(dates) - 1, seed=seed)
    z = np.sqrt(T3_CORRELATION) * f + np.sqrt(1.0 - T3_CORRELATION) * e
    log_returns = (mu - sigma**2 / 2.0) / TRADING_DAYS + sigma / np.sqrt(TRADING_DAYS) * z
    log_prices = np.vstack([np.zeros((1, n_assets)), np.cumsum(log_returns, axis=0)])
    return pd.DataFrame(100.0 * np.exp(log_prices), index=dates, columns=t3_symbols(n_assets))


def t3_draws(
    n_assets: int, steps: int, *, seed: int = T3_SEED
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The T3 generator's raw draws ``(mu, sigma, f, e)``, in the task's order."""
    if n_assets < 1:
        raise ValueError(f"n_assets must be at least 1, was {n_assets}")
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.02, 0.15, n_assets)
    sigma = rng.uniform(0.15, 0.40, n_assets)
    f = rng.standard_normal((steps, 1))
    e = rng.standard_normal((steps, n_assets))
    return mu, sigma, f, e


def t3_draws_sha256(n_assets: int, *, seed: int = T3_SEED) -> str:
    """SHA-256 of the T3 draws at ``n_assets`` (mu, sigma, f, e concatenated): the generator's
    stream alone, which is the same on every machine, unlike the prices' last bits (``exp`` and
    ``cumsum`` round differently with the CPU's vector instructions)."""
    draws = t3_draws(n_assets, len(t3_dates()) - 1, seed=seed)
    return prices_sha256(np.concatenate([d.ravel() for d in draws]))


def prices_sha256(prices: pd.DataFrame | FloatArray) -> str:
    """SHA-256 of a price matrix's float64 values, row-major (shows generator drift)."""
    values = prices.to_numpy(dtype=np.float64) if isinstance(prices, pd.DataFrame) else prices
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()


# --- rebalance rows and targets -----------------------------------------------------------------
def t1_weights(index: pd.DatetimeIndex, n_assets: int) -> dict[int, FloatArray]:
    """T1: ``1/N`` on every month-start row."""
    w = np.full(n_assets, 1.0 / n_assets)
    return {int(k): w for k in month_start_rows(index)}


def t2_rows(index: pd.DatetimeIndex, lookback: int = LOOKBACK) -> npt.NDArray[np.int64]:
    """T2 rebalance rows: the month-start rows ``k >= lookback``."""
    rows = month_start_rows(index)
    return rows[rows >= lookback]


def estimation_moments(
    prices: FloatArray, row: int, lookback: int = LOOKBACK
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample covariance (ddof 1) of the ``lookback`` simple returns ending at ``row``.

    The returns are ``P[row-lookback+1 .. row] / P[row-lookback .. row-1] - 1``: they include the
    return into the rebalance day's close, known when trading at that close.
    """
    if row < lookback:
        raise ValueError(f"row {row} has fewer than {lookback} returns before it")
    window = prices[row - lookback : row + 1]
    returns = window[1:] / window[:-1] - 1.0
    return returns.mean(axis=0), np.cov(returns, rowvar=False, ddof=1)


def clean_weights(w: FloatArray, cap: float = T2_CAP) -> FloatArray:
    """Clip to ``[0, cap]``, set weights below 1e-8 to exactly zero, renormalise to sum one."""
    out: FloatArray = np.clip(np.asarray(w, dtype=np.float64), 0.0, cap)
    out[out < ZERO_BELOW] = 0.0
    return out / float(out.sum())


def max_sharpe_weights(mu: FloatArray, cov: FloatArray, cap: float = T2_CAP) -> FloatArray:
    """tradewind's long-only max-Sharpe weights (``1/N`` when undefined), cleaned."""
    from tradewind.portfolio import Constraints, MaxSharpe

    optimizer = MaxSharpe(Constraints(max_weight=cap), fallback="equal_weight")
    return clean_weights(optimizer.fit(mu, cov).weights_, cap)


def t2_weights(
    prices: pd.DataFrame, cap: float = T2_CAP, lookback: int = LOOKBACK
) -> dict[int, FloatArray]:
    """T2 targets by row: max Sharpe on each rebalance row's estimation window."""
    values = prices.to_numpy(dtype=np.float64)
    rows = t2_rows(pd.DatetimeIndex(prices.index), lookback)
    return {
        int(k): max_sharpe_weights(*estimation_moments(values, int(k), lookback), cap) for k in rows
    }


def task_weights(task: TaskName, prices: pd.DataFrame) -> dict[int, FloatArray]:
    """Targets by row for ``task`` on ``prices``."""
    if task == "T1":
        return t1_weights(pd.DatetimeIndex(prices.index), prices.shape[1])
    return t2_weights(prices)


# --- metrics --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskMetrics:
    """The figures a benchmark report prints for one run (fractions, USD)."""

    final_equity: float
    cagr: float
    sharpe: float
    max_drawdown: float
    turnover: float
    total_costs: float


def path_metrics(
    equity: npt.ArrayLike,
    dates: pd.DatetimeIndex,
    *,
    turnover: float,
    total_costs: float,
    initial_cash: float = INITIAL_CASH,
) -> TaskMetrics:
    """Metrics on the value path ``[initial_cash, E_0, ..., E_{T-1}]`` (the task's convention)."""
    values = np.asarray(equity, dtype=np.float64)
    path = np.concatenate([[initial_cash], values])
    returns = path[1:] / path[:-1] - 1.0
    years = (dates[-1] - dates[0]).days / 365.25
    drawdown = path / np.maximum.accumulate(path) - 1.0
    return TaskMetrics(
        final_equity=float(values[-1]),
        cagr=float((values[-1] / initial_cash) ** (1.0 / years) - 1.0),
        sharpe=float(returns.mean() / returns.std(ddof=1) * np.sqrt(TRADING_DAYS)),
        max_drawdown=float(drawdown.min()),
        turnover=float(turnover),
        total_costs=float(total_costs),
    )


# --- tradewind configuration ---------------------------------------------------------------
def task_config(
    task: TaskName, symbols: list[str], *, overrides: Mapping[str, Any] | None = None
) -> TradewindConfig:
    """The tradewind configuration that runs ``task`` on ``symbols``.

    Fills at the close with ``slippage_pct = 0.001`` as the only cost (no commission, no market
    impact), fractional shares, no trade-size floor, a monthly calendar trigger, no regime
    policy, and every stop and breaker off (their thresholds pushed out of reach, since the
    daily loss limit has no switch). T1 holds equal weights uncapped; T2 max Sharpe on 252
    days of sample moments, capped at 0.30. ``overrides`` replaces whole top-level sections.
    """
    t2 = task == "T2"
    data: dict[str, Any] = {
        "trading": {"mode": "backtest", "symbols": list(symbols), "initial_capital": INITIAL_CASH},
        "broker": {"name": "simulated", "fractional_shares": True},
        "portfolio_optimization": {
            "enabled": True,
            "method": "max_sharpe" if t2 else "equal_weight",
            "lookback_days": LOOKBACK,
            "regime_aware": False,
            "covariance": "sample",
            "expected_returns": "sample",
            "risk_free_rate": 0.0,
            "turnover_penalty": 0.0,
            "fallback": "equal_weight",
            "rebalancing": {
                "enabled": True,
                "trigger_type": "calendar",
                "frequency": "monthly",
                "min_trade_value": 0.0,
                "max_trades_per_rebalance": 1000,
                "slippage_pct": COST_RATE,
                "on_regime_change": False,
            },
        },
        "risk_management": {
            "max_position_size": T2_CAP if t2 else 1.0,
            "max_portfolio_risk": 1.0,
            "daily_loss_limit": 0.99,
            "daily_loss_warning": 0.98,
            "stop_loss": {"enabled": False},
            "circuit_breaker": {
                "enabled": False,
                "consecutive_losses": 100,
                "max_drawdown": 0.99,
                "drawdown_warning": 0.98,
            },
        },
        "execution": {
            "fill_price": "close",
            "commission": {"per_share": 0.0, "per_order": 0.0, "pct_of_value": 0.0},
            "market_impact": {"enabled": False},
        },
        "notifications": {"discord": {"enabled": False}, "telegram": {"enabled": False}},
    }
    data.update(overrides or {})
    return validate_config(data, source=f"bench task {task}")
