"""Optimizers by name, and the one call the engine makes: returns window in, target weights out.

::

    result = optimize("max_sharpe", returns, Constraints(max_weight=0.3, max_exposure=0.8))
    result.weights          # pd.Series over the symbols, summing to 0.8; the rest is cash

The arrays-level optimizers (``OPTIMIZERS[name](constraints).fit(mu, cov)``) are what a
backtest calls thousands of times; :func:`optimize` adds the estimation window, annualisation
and the record (excluded symbols, binding constraints, statistics).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tradewind.config.portfolio import OptimizerName
from tradewind.config.root import TradewindConfig
from tradewind.domain.types import Regime
from tradewind.portfolio.base import BaseOptimizer, FallbackName
from tradewind.portfolio.constraints import Constraints
from tradewind.portfolio.estimators import MomentEstimator
from tradewind.portfolio.hierarchical import EqualWeight, HierarchicalRiskParity
from tradewind.portfolio.mean_variance import MaxSharpe, MinVariance
from tradewind.portfolio.result import (
    OptimizationResult,
    binding_constraints,
    portfolio_stats,
    risk_contributions,
)
from tradewind.portfolio.risk_parity import RiskParity

OPTIMIZERS: dict[str, type[BaseOptimizer]] = {
    "equal_weight": EqualWeight,
    "max_sharpe": MaxSharpe,
    "min_variance": MinVariance,
    "risk_parity": RiskParity,
    "hrp": HierarchicalRiskParity,
}
"""Optimizer classes by the names ``portfolio_optimization.method`` accepts."""

PERIODS_PER_YEAR = 252


def make_optimizer(
    method: OptimizerName | str,
    constraints: Constraints | None = None,
    *,
    fallback: FallbackName = "equal_weight",
    risk_free_rate: float = 0.0,
    **params: Any,
) -> BaseOptimizer:
    """An unfitted optimizer by name.

    Parameters
    ----------
    method
        One of :data:`OPTIMIZERS`.
    constraints, fallback, risk_free_rate
        See :class:`~tradewind.portfolio.base.BaseOptimizer`.
    **params
        Method-specific parameters (e.g. ``solver``, ``linkage``, ``risk_budget``).

    Raises
    ------
    ValueError
        If ``method`` is unknown (the message lists the known names).
    """
    try:
        cls = OPTIMIZERS[method]
    except KeyError:
        known = ", ".join(sorted(OPTIMIZERS))
        raise ValueError(f"unknown optimizer {method!r}; known: {known}") from None
    return cls(constraints, fallback=fallback, risk_free_rate=risk_free_rate, **params)


def optimize(
    method: OptimizerName | str,
    returns: pd.DataFrame,
    constraints: Constraints | None = None,
    *,
    estimator: MomentEstimator | None = None,
    asof: object | None = None,
    previous_weights: Mapping[str, float] | None = None,
    risk_free_rate: float = 0.0,
    fallback: FallbackName = "equal_weight",
    periods_per_year: int = PERIODS_PER_YEAR,
    **params: Any,
) -> OptimizationResult:
    """Target weights from a window of daily returns.

    Parameters
    ----------
    method
        Optimizer name (see :data:`OPTIMIZERS`).
    returns
        Daily simple returns, timestamps x symbols; only rows at or before ``asof`` are read.
    constraints
        Caps, exposure, cash buffer, turnover penalty.
    estimator
        How ``(mu, cov)`` are estimated (window length, methods, minimum history).
    asof
        Decision time; the last row of ``returns`` when ``None``.
    previous_weights
        Current weights by symbol (missing symbols count as 0).
    risk_free_rate
        Annual risk-free rate.
    fallback
        What to hold when the method has no answer.
    periods_per_year
        Annualisation factor of ``mu`` and ``cov``.
    **params
        Method-specific parameters for :func:`make_optimizer`.

    Returns
    -------
    OptimizationResult

    Raises
    ------
    tradewind.domain.errors.DataError
        On a hole (NaN) in the window, or when no asset has enough history.
    """
    cons = constraints if constraints is not None else Constraints()
    moments = (estimator or MomentEstimator()).fit(returns, asof)
    mu = moments.mu * periods_per_year
    cov = moments.cov * periods_per_year
    prev = None
    if previous_weights is not None:
        prev = np.array([float(previous_weights.get(s, 0.0)) for s in moments.symbols])
    optimizer = make_optimizer(
        method, cons, fallback=fallback, risk_free_rate=risk_free_rate, **params
    ).fit(mu, cov, prev)
    w = optimizer.weights_
    expected, volatility, sharpe = portfolio_stats(w, mu, cov, risk_free_rate)
    notes = list(optimizer.notes_)
    if cons.turnover_penalty > 0.0 and prev is None and optimizer.uses_turnover_penalty:
        notes.append("turnover_penalty not applied: no previous weights")
    columns = [str(c) for c in returns.columns]
    weights = pd.Series(0.0, index=columns, name="weight")
    weights[list(moments.symbols)] = w
    contributions = pd.Series(0.0, index=columns, name="risk_contribution")
    contributions[list(moments.symbols)] = risk_contributions(w, cov)
    return OptimizationResult(
        weights=weights,
        method=str(method),
        method_used=optimizer.method_,
        fallback_reason=optimizer.fallback_reason_,
        risk_contributions=contributions,
        expected_return=expected,
        volatility=volatility,
        sharpe=sharpe,
        binding_constraints=binding_constraints(
            w,
            moments.symbols,
            cons,
            prev,
            include_long_only=optimizer.method_ in ("max_sharpe", "min_variance"),
        ),
        excluded=dict(moments.excluded),
        cash_weight=1.0 - float(w.sum()),
        solver=optimizer.solver_,
        n_observations=moments.n_observations,
        window_start=moments.start,
        window_end=moments.end,
        notes=tuple(notes),
    )


def optimize_from_config(
    cfg: TradewindConfig,
    returns: pd.DataFrame,
    *,
    regime: Regime | None = None,
    asof: object | None = None,
    previous_weights: Mapping[str, float] | None = None,
    method: OptimizerName | None = None,
) -> OptimizationResult:
    """:func:`optimize` with everything taken from the configuration.

    With ``portfolio_optimization.regime_aware`` and a ``regime``, that regime's policy picks
    the method and overrides the caps and the cash buffer; otherwise
    ``portfolio_optimization.method`` and ``risk_management`` apply. ``method`` overrides both.
    """
    section = cfg.portfolio_optimization
    policy = cfg.regime.policies[regime] if regime is not None and section.regime_aware else None
    chosen = method or (policy.method if policy is not None else section.method)
    return optimize(
        chosen,
        returns,
        Constraints.from_config(cfg.risk_management, section, policy),
        estimator=MomentEstimator.from_config(section),
        asof=asof,
        previous_weights=previous_weights,
        risk_free_rate=section.risk_free_rate,
        fallback=section.fallback,
    )
