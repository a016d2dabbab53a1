"""The optimizer's answer as the engine and the CLI see it, with the statistics people read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.portfolio.constraints import BindingConstraint, Constraints

_AT_BOUND = 1e-9


def risk_contributions(weights: FloatArray, cov: FloatArray) -> FloatArray:
    """Each asset's share of the portfolio variance, ``w_i (S w)_i / w'Sw`` (sums to one).

    All zeros when the portfolio has no variance (all cash, or zero-variance assets only).
    """
    marginal = cov @ weights
    variance = float(weights @ marginal)
    if variance <= 0.0:
        return np.zeros_like(weights)
    return np.asarray(weights * marginal / variance, dtype=np.float64)


def binding_constraints(
    weights: FloatArray,
    symbols: tuple[str, ...],
    constraints: Constraints,
    previous: FloatArray | None = None,
    *,
    include_long_only: bool = True,
) -> tuple[BindingConstraint, ...]:
    """The constraints that shape ``weights`` (see :class:`BindingConstraint` for the kinds)."""
    out: list[BindingConstraint] = []
    n = weights.size
    cap = constraints.max_weight
    at_cap = tuple(s for s, w in zip(symbols, weights, strict=True) if w >= cap - _AT_BOUND)
    if at_cap and cap < 1.0:
        out.append(BindingConstraint("max_weight", at_cap, f"{len(at_cap)} at the {cap:.2%} cap"))
    invested = float(weights.sum())
    if constraints.max_exposure < 1.0:
        out.append(
            BindingConstraint(
                "max_exposure",
                detail=f"exposure cap {constraints.max_exposure:.2%}; invested {invested:.2%}",
            )
        )
    if constraints.cash_buffer > 0.0:
        out.append(
            BindingConstraint("cash_buffer", detail=f"{constraints.cash_buffer:.2%} kept in cash")
        )
    if n * cap < constraints.budget - 1e-12:
        out.append(
            BindingConstraint(
                "caps_limit_exposure",
                detail=f"{n} x {cap:.2%} = {n * cap:.2%} < budget {constraints.budget:.2%}",
            )
        )
    if include_long_only and invested > 0.0:
        zeros = tuple(s for s, w in zip(symbols, weights, strict=True) if w <= _AT_BOUND)
        if zeros:
            out.append(BindingConstraint("long_only", zeros, f"{len(zeros)} at zero weight"))
    if constraints.turnover_penalty > 0.0 and previous is not None:
        held = tuple(
            s
            for s, w, p in zip(symbols, weights, previous, strict=True)
            if abs(w - p) <= 1e-7 and p > _AT_BOUND
        )
        if held:
            out.append(
                BindingConstraint("turnover_penalty", held, f"{len(held)} kept at previous weight")
            )
    return tuple(out)


@dataclass(frozen=True)
class OptimizationResult:
    """Target weights and everything needed to explain them.

    Attributes
    ----------
    weights
        Target weight per symbol (fractions of equity, including excluded symbols at 0); they
        sum to the invested fraction, the rest is cash.
    method
        Method requested.
    method_used
        Method that produced the weights (differs when a fallback applied).
    fallback_reason
        Why the fallback applied, or ``None``.
    risk_contributions
        Share of the portfolio variance per symbol (sums to one when invested).
    expected_return, volatility, sharpe
        Annualised, from the estimated moments; cash earns the risk-free rate.
    binding_constraints
        The constraints that shape the weights.
    excluded
        Symbols left out of the optimisation, with the reason.
    cash_weight
        ``1 - sum(weights)``.
    solver
        Algorithm that produced the weights.
    n_observations
        Returns in the estimation window.
    notes
        Further remarks (an ignored turnover penalty, a solver fallback).
    """

    weights: pd.Series
    method: str
    method_used: str
    fallback_reason: str | None
    risk_contributions: pd.Series
    expected_return: float
    volatility: float
    sharpe: float
    binding_constraints: tuple[BindingConstraint, ...]
    excluded: dict[str, str] = field(default_factory=dict)
    cash_weight: float = 0.0
    solver: str = ""
    n_observations: int = 0
    window_start: pd.Timestamp | None = None
    window_end: pd.Timestamp | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (floats and strings only)."""
        return {
            "method": self.method,
            "method_used": self.method_used,
            "fallback_reason": self.fallback_reason,
            "weights": {str(k): float(v) for k, v in self.weights.items()},
            "cash_weight": self.cash_weight,
            "risk_contributions": {str(k): float(v) for k, v in self.risk_contributions.items()},
            "expected_return": self.expected_return,
            "volatility": self.volatility,
            "sharpe": self.sharpe,
            "binding_constraints": [
                {"kind": b.kind, "symbols": list(b.symbols), "detail": b.detail}
                for b in self.binding_constraints
            ],
            "excluded": dict(self.excluded),
            "solver": self.solver,
            "n_observations": self.n_observations,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "notes": list(self.notes),
        }


def portfolio_stats(
    weights: FloatArray, mu: FloatArray, cov: FloatArray, risk_free_rate: float
) -> tuple[float, float, float]:
    """``(expected return, volatility, Sharpe)`` in the units of ``mu`` and ``cov``.

    Cash (``1 - sum(weights)``) earns ``risk_free_rate``; the Sharpe ratio is NaN when the
    volatility is zero.
    """
    cash = 1.0 - float(weights.sum())
    expected = float(weights @ mu) + cash * risk_free_rate
    volatility = float(np.sqrt(max(float(weights @ cov @ weights), 0.0)))
    sharpe = (expected - risk_free_rate) / volatility if volatility > 0.0 else float("nan")
    return expected, volatility, sharpe
