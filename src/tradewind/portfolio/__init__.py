"""Portfolio construction: moment estimators, constraints and optimizers chosen by name.

The engine calls :func:`optimize` (or :func:`optimize_from_config`) with a window of daily
returns; backtests that need speed call an optimizer's ``fit(mu, cov)`` directly.
"""

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
