"""What a cycle decides before it trades: the regime reading, the policy, targets, planned trades.

Value types passed between the regime hook, the target model, the planner, the risk manager
and the engine; each package fills in its part and the engine carries them along.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import Side
from tradewind.domain.records import EngineEvent
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
    exposure_scale
        The protective policy's scale of the invested fraction (1: none; see
        :mod:`tradewind.regime.protective`), already applied through the cash buffer.
    """

    method: str
    max_position_size: float
    max_portfolio_risk: float
    cash_buffer: float
    exposure_scale: float = 1.0

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

    def to_json(self) -> dict[str, Any]:
        """JSON form (non-finite numbers as null)."""
        return {
            "regime": self.regime.value,
            "confidence": _finite_or_none(self.confidence),
            "features": {k: _finite_or_none(v) for k, v in self.features.items()},
            "is_vix_proxy": bool(self.is_vix_proxy),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RegimeReading:
        """Inverse of :meth:`to_json` (null back to NaN)."""
        return cls(
            Regime(str(d["regime"])),
            _float_or_nan(d.get("confidence")),
            {str(k): _float_or_nan(v) for k, v in dict(d.get("features", {})).items()},
            bool(d.get("is_vix_proxy", False)),
        )


@dataclass(frozen=True)
class TargetDecision:
    """Target weights over the feed's symbols (summing to at most the invested fraction)."""

    weights: FloatArray
    method: str
    fallback_reason: str | None = None
    excluded: tuple[str, ...] = ()
    events: tuple[EngineEvent, ...] = ()
    """What the target model reports (ML ensemble views used, or its fallback alert)."""


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


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def _float_or_nan(x: Any) -> float:
    return float("nan") if x is None else float(x)
