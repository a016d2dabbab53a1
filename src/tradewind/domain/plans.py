"""What a cycle decides before it trades: the regime reading, the policy, targets, planned trades.

Value types passed between the regime hook, the target model, the planner, the risk manager
and the engine; each package fills in its part and the engine carries them along.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import Side
from tradewind.domain.types import Regime


@dataclass(frozen=True, slots=True)
class Policy:
    """The optimizer method and limits that apply (a regime's policy resolved against the
    standard limits).

    Attributes
    ----------
    method
        Optimizer method (``max_sharpe``, ``min_variance``, ``risk_parity`` ...).
    max_position_size
        Largest weight of one position (fraction of equity).
    max_portfolio_risk
        Exposure cap: largest fraction of equity invested before the cash buffer.
    cash_buffer
        Extra cash kept on top of the exposure cap.
    """

    method: str
    max_position_size: float
    max_portfolio_risk: float
    cash_buffer: float

    @property
    def invested_fraction(self) -> float:
        """Largest fraction of equity that may be invested: exposure cap minus cash buffer."""
        return max(self.max_portfolio_risk - self.cash_buffer, 0.0)


@dataclass(frozen=True, slots=True)
class RegimeReading:
    """A detector's answer at one time."""

    regime: Regime
    confidence: float
    features: Mapping[str, float]
    is_vix_proxy: bool = False


@dataclass(frozen=True)
class TargetDecision:
    """Target weights over the feed's symbols (summing to at most the invested fraction)."""

    weights: FloatArray
    method: str
    fallback_reason: str | None = None
    excluded: tuple[str, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class PlannedTrade:
    """An order the planner proposes, with its estimated costs."""

    symbol: str
    side: Side
    quantity: float
    price: float
    est_costs: CostBreakdown
    reason: str = "rebalance"
