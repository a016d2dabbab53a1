"""The runbook's validation suites, run on the user's own configuration and data.

The runbook's prerequisite for paper trading is "All validation tests passed (basic: 4/4,
advanced: 3/4)". ``basic`` (``python scripts/test_portfolio_optimization.py``) checks the
optimizer on the configured symbols as of a date: valid weights in every regime, every cap
held, each method better than equal weight on its own objective, and the cost of buying the
first portfolio within the monthly budget. ``advanced`` (``python
scripts/test_advanced_portfolio_validation.py``) checks the strategy over history: every
regime detected, a walk-forward backtest whose costs and drawdown are within the readiness
thresholds, and no look-ahead (the backtest through a feed that refuses any read past the
clock gives identical decisions). Each check passes or fails with what it measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewind.backtest.runner import run_backtest
from tradewind.config import TradewindConfig
from tradewind.domain.errors import DataError
from tradewind.domain.fmt import pct
from tradewind.domain.market import MarketData
from tradewind.domain.types import Regime
from tradewind.engine.strategy import cost_model
from tradewind.portfolio import OptimizationResult, optimize_from_config, returns_from_prices
from tradewind.rebalance import PlannerSettings, plan_trades
from tradewind.regime import make_detector
from tradewind.regime.policy import effective_policy

Progress = Callable[[str], None]
CAP_TOLERANCE = 1e-6
PARITY_TOLERANCE = 0.02
"""Largest gap between a risk-parity asset's risk contribution and ``1/n`` (caps not binding)."""


@dataclass(frozen=True)
class Check:
    """One validation check: what it checks, whether it passed, what it measured."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Suite:
    """A suite's checks and its score (``basic: 4/4``)."""

    name: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> int:
        """Checks that passed."""
        return sum(1 for c in self.checks if c.passed)

    @property
    def score(self) -> str:
        """``basic: 4/4``."""
        return f"{self.name}: {self.passed}/{len(self.checks)}"


def _regimes(cfg: TradewindConfig) -> list[Regime | None]:
    return list(Regime) if cfg.portfolio_optimization.regime_aware else [None]


def _label(regime: Regime | None) -> str:
    return regime.value if regime is not None else "standard"


# --- basic ----------------------------------------------------------------------------------
def basic_suite(cfg: TradewindConfig, provider: MarketData, asof: pd.Timestamp) -> Suite:
    """The four optimizer checks on ``cfg``'s symbols with data up to ``asof``."""
    symbols = list(cfg.trading.symbols)
    lookback = cfg.portfolio_optimization.lookback_days
    bars = provider.bars(symbols, asof - pd.Timedelta(days=int(lookback * 1.6) + 30), asof)
    returns = returns_from_prices(bars.closes())
    results = {r: optimize_from_config(cfg, returns, regime=r, asof=asof) for r in _regimes(cfg)}
    return Suite(
        "basic",
        (
            _valid_weights(results),
            _caps_hold(cfg, results),
            _beats_equal_weight(cfg, returns, asof, results),
            _first_purchase_costs(cfg, bars.closes().iloc[-1], results),
        ),
    )


def _valid_weights(results: dict[Regime | None, OptimizationResult]) -> Check:
    problems = []
    for regime, res in results.items():
        w = res.weights.to_numpy(dtype=float)
        if not np.isfinite(w).all() or (w < -CAP_TOLERANCE).any() or w.sum() > 1 + CAP_TOLERANCE:
            problems.append(f"{_label(regime)}: weights not finite, negative or above 100%")
        if res.method_used != res.method:
            problems.append(f"{_label(regime)}: {res.method} fell back to {res.method_used} "
                            f"({res.fallback_reason})")  # fmt: skip
    methods = sorted({r.method for r in results.values()})
    detail = "; ".join(problems) or f"{', '.join(methods)}: valid weights, no fallback"
    return Check("optimizer gives valid weights in every regime", not problems, detail)


def _caps_hold(cfg: TradewindConfig, results: dict[Regime | None, OptimizationResult]) -> Check:
    problems, parts = [], []
    for regime, res in results.items():
        w = res.weights.to_numpy(dtype=float)
        if regime is not None:
            policy = effective_policy(regime, cfg)
            cap, invested = policy.max_position_size, policy.invested_fraction
        else:
            risk = cfg.risk_management
            cap, invested = (
                min(risk.max_position_size, risk.max_portfolio_risk),
                (risk.max_portfolio_risk),
            )
        top, total = float(w.max()) if len(w) else 0.0, float(w.sum())
        parts.append(f"{_label(regime)} {top:.1%}/{pct(cap)} each, {total:.1%}/{pct(invested)}")
        if top > cap + CAP_TOLERANCE or total > invested + CAP_TOLERANCE:
            problems.append(f"{_label(regime)}: largest {top:.2%} (cap {pct(cap)}), invested "
                            f"{total:.2%} (cap {pct(invested)})")  # fmt: skip
    return Check("position and exposure caps hold in every regime", not problems,
                 "; ".join(problems) or "; ".join(parts))  # fmt: skip


def _beats_equal_weight(
    cfg: TradewindConfig,
    returns: pd.DataFrame,
    asof: pd.Timestamp,
    results: dict[Regime | None, OptimizationResult],
) -> Check:
    problems, parts = [], []
    for regime, res in results.items():
        ew = optimize_from_config(cfg, returns, regime=regime, asof=asof, method="equal_weight")
        label = f"{_label(regime)} {res.method}"
        if res.method == "max_sharpe":
            ok = res.sharpe >= ew.sharpe - 1e-9
            parts.append(f"{label} Sharpe {res.sharpe:.2f} vs {ew.sharpe:.2f}")
        elif res.method == "min_variance":
            ok = res.volatility <= ew.volatility + 1e-12
            parts.append(f"{label} vol {res.volatility:.1%} vs {ew.volatility:.1%}")
        elif res.method == "risk_parity" and not _per_position_caps_bind(res):
            rc = res.risk_contributions.to_numpy(dtype=float)
            gap = float(np.abs(rc - 1 / len(rc)).max()) if len(rc) else 0.0
            ok = gap <= PARITY_TOLERANCE
            parts.append(f"{label} largest risk-share gap {gap:.3f}")
        else:
            ok = True
            parts.append(f"{label}: no single objective to compare")
        if not ok:
            problems.append(parts[-1])
    return Check("each method beats equal weight on its own objective (in sample)",
                 not problems, "; ".join(problems) or "; ".join(parts))  # fmt: skip


def _per_position_caps_bind(res: OptimizationResult) -> bool:
    """True when a per-position constraint shapes the weights (risk shares cannot be equal);
    the exposure cap and cash buffer scale every weight alike and leave the shares equal."""
    return any(
        b.kind in ("max_weight", "long_only", "turnover_penalty") for b in res.binding_constraints
    )


def _first_purchase_costs(
    cfg: TradewindConfig, prices: pd.Series, results: dict[Regime | None, OptimizationResult]
) -> Check:
    capital = cfg.trading.initial_capital
    budget = cfg.readiness.paper.max_monthly_costs
    settings = PlannerSettings.from_config(cfg.portfolio_optimization.rebalancing, cfg.broker)
    closes = {str(k): float(v) for k, v in prices.items()}
    worst = (0.0, "")
    for regime, res in results.items():
        weights = {str(k): float(v) for k, v in res.weights.items()}
        plan = plan_trades(
            {}, closes, capital, weights, settings=settings, cost_model=cost_model(cfg)
        )
        share = plan.est_cost.total / capital
        if share >= worst[0]:
            worst = (share, f"{_label(regime)}: ${plan.est_cost.total:,.2f} for "
                     f"{len(plan.orders)} orders, {share:.3%} of ${capital:,.0f}")  # fmt: skip
    return Check(f"buying the first portfolio costs less than the {pct(budget)} monthly budget",
                 worst[0] < budget, f"most expensive regime {worst[1]}")  # fmt: skip


# --- advanced -------------------------------------------------------------------------------
def advanced_suite(
    cfg: TradewindConfig,
    provider: MarketData,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
) -> Suite:
    """The four strategy checks over ``start`` to ``end`` (two backtests, one guarded)."""
    say = progress or (lambda _text: None)
    say("detecting regimes over the benchmark's history")
    coverage = _regime_coverage(cfg, provider, end)
    say(f"walk-forward backtest {start.date()} to {end.date()}")
    run = run_backtest(cfg, provider, start, end)
    say("the same backtest through the look-ahead guard")
    guarded = run_backtest(cfg, provider, start, end, guard=True)
    perf = run.summary.performance
    costs_budget = cfg.readiness.paper.max_monthly_costs
    dd_limit = cfg.readiness.paper.max_drawdown
    same = guarded.summary.recorder.fingerprint() == run.summary.recorder.fingerprint()
    return Suite(
        "advanced",
        (
            coverage,
            Check(f"backtest costs under {pct(costs_budget)} a month",
                  perf.costs_pct_per_month < costs_budget,
                  f"{perf.costs_pct_per_month:.3%} a month ({perf.start} to {perf.end}, "
                  f"{perf.rebalances} rebalances)"),
            Check(f"backtest drawdown under {pct(dd_limit)}", -perf.max_drawdown < dd_limit,
                  f"max drawdown {perf.max_drawdown:.1%} ({perf.start} to {perf.end})"),
            Check("no look-ahead: a guarded backtest makes identical decisions", same,
                  "identical decision log and equity curve" if same else
                  "the guarded backtest differs: a decision read data after its time"),
        ),
    )  # fmt: skip


def _regime_coverage(cfg: TradewindConfig, provider: MarketData, end: pd.Timestamp) -> Check:
    name = "the regime detector finds every regime in the history"
    if not cfg.portfolio_optimization.regime_aware:
        return Check(name, True, "regime_aware is off: one standard policy, nothing to cover")
    try:
        bars = provider.bars([cfg.data.benchmark], None, end)
        vix = provider.vix(None, end)
    except DataError as exc:
        return Check(name, False, f"no benchmark history to detect on: {exc}")
    frame = bars[cfg.data.benchmark]
    decisions = make_detector(cfg.regime).detect_series(
        frame, vix, close_only=cfg.data.benchmark in bars.derived_ohlc
    )
    labels = decisions["regime"].dropna()
    shares = labels.value_counts(normalize=True)
    missing = [r.value for r in Regime if r.value not in shares.index]
    detail = ", ".join(f"{r} {shares[r]:.0%}" for r in shares.index) + (
        f"; never detected: {', '.join(missing)}" if missing else ""
    )
    first, last = labels.index[0].date(), labels.index[-1].date()
    return Check(name, not missing, f"{detail} ({first} to {last}, {cfg.regime.detector})")
