"""The ``portfolio_optimization`` section and its ``rebalancing`` block."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradewind.config.base import Section

OptimizerName = Literal["equal_weight", "max_sharpe", "min_variance", "risk_parity", "hrp"]
TriggerType = Literal["drift", "calendar", "combined"]
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]


class RebalancingSection(Section):
    """When to rebalance and how to turn target weights into orders."""

    enabled: bool = True
    trigger_type: TriggerType = Field(
        "combined", description="drift, calendar, or combined (either fires)."
    )
    drift_threshold: float = Field(
        0.10,
        gt=0,
        le=1,
        description="Portfolio drift (half the sum of absolute weight deviations) that triggers.",
    )
    frequency: Frequency = Field("monthly", description="Calendar trigger period.")
    min_trade_value: float = Field(200.0, ge=0, description="Skip trades smaller than this (USD).")
    max_trades_per_rebalance: int = Field(8, ge=1, le=1000)
    slippage_pct: float = Field(
        0.001, ge=0, le=0.05, description="Expected slippage as a fraction of traded value."
    )
    on_regime_change: bool | None = Field(
        None,
        description="Also rebalance when the regime changes. None (the default): when "
        "regime.protection is enabled (its cut to cash should not wait for the calendar).",
    )


class PortfolioOptimizationSection(Section):
    """How target weights are computed (``portfolio_optimization:`` in the YAML)."""

    enabled: bool = True
    method: OptimizerName = Field("max_sharpe", description="Optimizer used outside regime policy.")
    lookback_days: int = Field(252, ge=20, le=5040, description="Trading days of history used.")
    regime_aware: bool = Field(True, description="Let the regime policy choose method and caps.")
    covariance: Literal["sample", "ledoit_wolf"] = "ledoit_wolf"
    expected_returns: Literal["sample", "shrinkage"] = "sample"
    risk_free_rate: float = Field(0.0, ge=-0.05, le=0.25, description="Annual risk-free rate.")
    turnover_penalty: float = Field(0.0, ge=0, le=1)
    fallback: Literal["equal_weight", "previous", "cash"] = Field(
        "equal_weight", description="What to hold when the optimizer has no valid answer."
    )
    rebalancing: RebalancingSection = Field(default_factory=RebalancingSection)
