"""Performance metrics of an equity curve, its trades and costs, alone and against a benchmark.

Conventions (the same as ``shared/BENCH_TASKS.md``): metrics run on the value path
``[initial_capital, E_0, ..., E_{T-1}]``, i.e. T simple returns whose first one carries the first
day's trading cost. Sharpe is ``mean(r - rf_daily) / std(r, ddof=1) * sqrt(252)``; CAGR uses
``(last date - first date) / 365.25`` years; max drawdown is a negative number. Win rate and
profit factor count closed trades (every reduction of a position against its average cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

TRADING_DAYS = 252


@dataclass(frozen=True)
class Performance:
    """Headline metrics of one run (fractions, not percent, unless the name says ``_usd``)."""

    start: str
    end: str
    initial_capital: float
    final_equity: float
    total_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    max_drawdown_days: int
    calmar: float
    win_rate: float
    profit_factor: float
    closed_trades: int
    turnover: float
    costs_usd: float
    costs_pct_per_year: float
    costs_pct_per_month: float
    avg_exposure: float
    rebalances: int

    def as_dict(self) -> dict[str, float | int | str]:
        """The metrics as a plain dict (for JSON and tables)."""
        return asdict(self)


@dataclass(frozen=True)
class Relative:
    """Metrics of a run against its benchmark over the same dates."""

    benchmark_total_return: float
    benchmark_cagr: float
    benchmark_sharpe: float
    benchmark_max_drawdown: float
    excess_return: float
    beta: float
    tracking_error: float
    information_ratio: float

    def as_dict(self) -> dict[str, float]:
        """The metrics as a plain dict."""
        return asdict(self)


def value_path_returns(equity: pd.Series, initial_capital: float) -> np.ndarray:
    """Simple returns of ``[initial_capital, *equity]``."""
    path = np.concatenate([[initial_capital], equity.to_numpy(dtype=float)])
    out: np.ndarray = path[1:] / path[:-1] - 1.0
    return out


MIN_SHARPE_SESSIONS = 20
"""Fewest daily returns a running Sharpe is shown for (tracking CSV, weekly report): over a few
days the ratio is noise (a good first week annualises to 10 or more)."""


def sharpe_ratio(returns: np.ndarray, rf_annual: float = 0.0) -> float:
    """Annualised Sharpe of daily simple ``returns`` (0 when volatility is 0)."""
    excess = returns - rf_annual / TRADING_DAYS
    sd = float(np.std(excess, ddof=1)) if len(excess) > 1 else 0.0
    return float(np.mean(excess) / sd * np.sqrt(TRADING_DAYS)) if sd > 0 else 0.0


def prefix_sharpe_ratios(returns: np.ndarray, counts: Sequence[int]) -> list[float]:
    """``sharpe_ratio(returns[:n])`` for each ``n`` of ``counts`` (no risk-free rate), bit for
    bit: the reductions ``np.mean`` and ``np.std(ddof=1)`` make, in the same order, without
    their wrappers (a weekly report asks for the Sharpe to date of every week: a thousand
    prefixes for an 18-year run). ``tests/reports/test_report_bytes.py`` compares the two."""
    values = np.asarray(returns, dtype=float) - 0.0  # a fresh array, as sharpe_ratio's excess
    root = np.sqrt(TRADING_DAYS)
    out: list[float] = []
    for n in counts:
        if n < 2:  # no deviation: sharpe_ratio's 0
            out.append(0.0)
            continue
        head = values[:n]
        mean = np.add.reduce(head) / n
        deviation = head - mean
        sd = float(np.sqrt(np.add.reduce(deviation * deviation) / (n - 1)))
        out.append(float(mean / sd * root) if sd > 0 else 0.0)
    return out


def sortino_ratio(returns: np.ndarray, rf_annual: float = 0.0) -> float:
    """Annualised Sortino: mean excess return over downside deviation (target = rf)."""
    excess = returns - rf_annual / TRADING_DAYS
    downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) if len(excess) else 0.0
    return float(np.mean(excess) / downside * np.sqrt(TRADING_DAYS)) if downside > 0 else 0.0


def drawdown(path: np.ndarray) -> np.ndarray:
    """Drawdown of a value path from its running peak (zero or negative)."""
    out: np.ndarray = path / np.maximum.accumulate(path) - 1.0
    return out


def max_drawdown_duration(path: np.ndarray) -> int:
    """Longest number of steps spent below a previous peak."""
    under = np.concatenate(([False], drawdown(path) < 0, [False]))
    edges = np.flatnonzero(under[1:] != under[:-1])  # each run's first step, then its end
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0


def cagr(first_value: float, last_value: float, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Compound annual growth between two dates (``(end-start).days / 365.25`` years)."""
    years = (end - start).days / 365.25
    if years <= 0 or first_value <= 0 or last_value <= 0:
        return 0.0
    return float((last_value / first_value) ** (1.0 / years) - 1.0)


def cost_shares(costs_usd: float, path: np.ndarray, index: pd.Index) -> tuple[float, float]:
    """The costs' share of the average of the value ``path`` (``[initial, E_0, ...]``) per
    year and per month, over the time ``index`` spans (a day at least)."""
    start, end = pd.Timestamp(index[0]), pd.Timestamp(index[-1])
    years = max((end - start).days / 365.25, 1 / 365.25)
    avg_equity = float(np.mean(path))
    cost_frac = costs_usd / avg_equity if avg_equity > 0 else 0.0
    return cost_frac / years, cost_frac / (years * 12)


def performance(
    equity: pd.Series,
    initial_capital: float,
    *,
    trade_pnls: Sequence[float] = (),
    traded_notional: float = 0.0,
    turnover: float | None = None,
    costs_usd: float = 0.0,
    exposure: pd.Series | None = None,
    rebalances: int = 0,
    rf_annual: float = 0.0,
) -> Performance:
    """Compute :class:`Performance` for an equity curve indexed by timestamps."""
    if equity.empty:
        raise ValueError("no equity observations: the run produced no bars")
    r = value_path_returns(equity, initial_capital)
    path = np.concatenate([[initial_capital], equity.to_numpy(dtype=float)])
    start, end = pd.Timestamp(equity.index[0]), pd.Timestamp(equity.index[-1])
    growth = cagr(initial_capital, float(path[-1]), start, end)
    mdd = float(drawdown(path).min())
    pnls = np.asarray(trade_pnls, dtype=float)
    gains, losses = pnls[pnls > 0].sum(), -pnls[pnls < 0].sum()
    avg_equity = float(np.mean(path))
    per_year, per_month = cost_shares(costs_usd, path, equity.index)
    return Performance(
        start=start.date().isoformat(),
        end=end.date().isoformat(),
        initial_capital=initial_capital,
        final_equity=float(path[-1]),
        total_return=float(path[-1] / initial_capital - 1.0),
        cagr=growth,
        volatility=float(np.std(r, ddof=1) * np.sqrt(TRADING_DAYS)) if len(r) > 1 else 0.0,
        sharpe=sharpe_ratio(r, rf_annual),
        sortino=sortino_ratio(r, rf_annual),
        max_drawdown=mdd,
        max_drawdown_days=max_drawdown_duration(path),
        calmar=float(growth / -mdd) if mdd < 0 else 0.0,
        win_rate=float((pnls > 0).mean()) if len(pnls) else 0.0,
        profit_factor=float(gains / losses) if losses > 0 else (float("inf") if gains else 0.0),
        closed_trades=len(pnls),
        turnover=turnover if turnover is not None else traded_notional / avg_equity,
        costs_usd=costs_usd,
        costs_pct_per_year=per_year,
        costs_pct_per_month=per_month,
        avg_exposure=float(exposure.mean()) if exposure is not None and len(exposure) else 0.0,
        rebalances=rebalances,
    )


def relative(
    equity: pd.Series, benchmark: pd.Series, initial_capital: float, rf_annual: float = 0.0
) -> Relative:
    """Compare ``equity`` with ``benchmark`` closes over the equity's dates."""
    bench = benchmark.reindex(equity.index, method="ffill").dropna()
    eq = equity.loc[bench.index]
    r = value_path_returns(eq, initial_capital)[1:]
    b = bench.pct_change().to_numpy()[1:]
    bench_path = bench.to_numpy(dtype=float)
    var_b = float(np.var(b, ddof=1)) if len(b) > 1 else 0.0
    beta = float(np.cov(r, b, ddof=1)[0, 1] / var_b) if var_b > 0 else 0.0
    active = r - b
    te = float(np.std(active, ddof=1) * np.sqrt(TRADING_DAYS)) if len(active) > 1 else 0.0
    start, end = pd.Timestamp(bench.index[0]), pd.Timestamp(bench.index[-1])
    own = cagr(float(eq.iloc[0]), float(eq.iloc[-1]), start, end)
    theirs = cagr(float(bench_path[0]), float(bench_path[-1]), start, end)
    return Relative(
        benchmark_total_return=float(bench_path[-1] / bench_path[0] - 1.0),
        benchmark_cagr=theirs,
        benchmark_sharpe=sharpe_ratio(b, rf_annual),
        benchmark_max_drawdown=float(drawdown(bench_path).min()),
        excess_return=own - theirs,
        beta=beta,
        tracking_error=te,
        information_ratio=float(np.mean(active) * TRADING_DAYS / te) if te > 0 else 0.0,
    )
