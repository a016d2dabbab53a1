"""Portfolio construction: moment estimators, constraints and optimizers chosen by name.

The engine calls :func:`optimize` (or :func:`optimize_from_config`) with a window of daily
returns; backtests that need speed call an optimizer's ``fit(mu, cov)`` directly.

The names below are imported on first use, so a light submodule does not bring scipy's
clustering (hierarchical risk parity) or the optimizers with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
    from tradewind.portfolio.base import BaseOptimizer, FallbackName, OptimizationFailed
    from tradewind.portfolio.constraints import BindingConstraint, Constraints
    from tradewind.portfolio.estimators import (
        MomentEstimator,
        Moments,
        james_stein_mean,
        ledoit_wolf,
        returns_from_prices,
        sample_covariance,
        sample_mean,
    )
    from tradewind.portfolio.hierarchical import EqualWeight, HierarchicalRiskParity
    from tradewind.portfolio.mean_variance import MaxSharpe, MinVariance
    from tradewind.portfolio.registry import (
        OPTIMIZERS,
        make_optimizer,
        optimize,
        optimize_from_config,
    )
    from tradewind.portfolio.result import OptimizationResult, portfolio_stats, risk_contributions
    from tradewind.portfolio.risk_parity import RiskParity

__all__ = [
    "OPTIMIZERS",
    "BaseOptimizer",
    "BindingConstraint",
    "Constraints",
    "EqualWeight",
    "FallbackName",
    "HierarchicalRiskParity",
    "MaxSharpe",
    "MinVariance",
    "MomentEstimator",
    "Moments",
    "OptimizationFailed",
    "OptimizationResult",
    "RiskParity",
    "james_stein_mean",
    "ledoit_wolf",
    "make_optimizer",
    "optimize",
    "optimize_from_config",
    "portfolio_stats",
    "returns_from_prices",
    "risk_contributions",
    "sample_covariance",
    "sample_mean",
]

_WHERE: dict[str, str] = {
    "BaseOptimizer": "tradewind.portfolio.base",
    "BindingConstraint": "tradewind.portfolio.constraints",
    "Constraints": "tradewind.portfolio.constraints",
    "EqualWeight": "tradewind.portfolio.hierarchical",
    "FallbackName": "tradewind.portfolio.base",
    "HierarchicalRiskParity": "tradewind.portfolio.hierarchical",
    "MaxSharpe": "tradewind.portfolio.mean_variance",
    "MinVariance": "tradewind.portfolio.mean_variance",
    "MomentEstimator": "tradewind.portfolio.estimators",
    "Moments": "tradewind.portfolio.estimators",
    "OPTIMIZERS": "tradewind.portfolio.registry",
    "OptimizationFailed": "tradewind.portfolio.base",
    "OptimizationResult": "tradewind.portfolio.result",
    "RiskParity": "tradewind.portfolio.risk_parity",
    "james_stein_mean": "tradewind.portfolio.estimators",
    "ledoit_wolf": "tradewind.portfolio.estimators",
    "make_optimizer": "tradewind.portfolio.registry",
    "optimize": "tradewind.portfolio.registry",
    "optimize_from_config": "tradewind.portfolio.registry",
    "portfolio_stats": "tradewind.portfolio.result",
    "returns_from_prices": "tradewind.portfolio.estimators",
    "risk_contributions": "tradewind.portfolio.result",
    "sample_covariance": "tradewind.portfolio.estimators",
    "sample_mean": "tradewind.portfolio.estimators",
}
"""The submodule defining each public name: imported on first use (PEP 562), so importing one
light submodule of this package does not import its heavy siblings."""

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
