"""Transaction costs as values: a trade's commission, slippage and impact, and estimate vs outcome.

The cost *model* that prices a trade is :class:`tradewind.execution.costs.CostModel`; these are
the records it produces, which the planner, brokers, ledger, store and reports all pass around,
and the :class:`CostEstimator` protocol the planner and the simulator price trades through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import Fill, Side


@fast_init
@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Costs of one trade (or a sum of trades) by kind, in USD, all non-negative estimates.

    Attributes
    ----------
    commission, slippage, impact
        The three kinds (realized slippage may be negative: price improvement).
    impact_modelled
        False when volatility or volume was unknown and the impact was left at 0.
    """

    commission: float = 0.0
    slippage: float = 0.0
    impact: float = 0.0
    impact_modelled: bool = True

    @property
    def total(self) -> float:
        """``commission + slippage + impact``."""
        return self.commission + self.slippage + self.impact

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(
            self.commission + other.commission,
            self.slippage + other.slippage,
            self.impact + other.impact,
            self.impact_modelled and other.impact_modelled,
        )


ZERO_COST = CostBreakdown()


def total_costs(parts: Iterable[CostBreakdown]) -> CostBreakdown:
    """Sum of several breakdowns."""
    out = ZERO_COST
    for part in parts:
        out = out + part
    return out


def price_shortfall(fill: Fill, reference_price: float | None) -> float:
    """What the fill price cost against the decision price, in USD (negative: it gained);
    0 without a decision price."""
    if reference_price is None:
        return 0.0
    return fill.side.sign * (fill.price - reference_price) * fill.quantity


@dataclass(frozen=True, slots=True)
class CostComparison:
    """Estimated against realized costs of one trade (or a sum), in USD.

    Attributes
    ----------
    estimated, realized
        The two breakdowns.
    """

    estimated: CostBreakdown
    realized: CostBreakdown

    @property
    def error(self) -> CostBreakdown:
        """Realized minus estimated, kind by kind (positive: the trade cost more)."""
        r, e = self.realized, self.estimated
        return CostBreakdown(
            r.commission - e.commission,
            r.slippage - e.slippage,
            r.impact - e.impact,
            e.impact_modelled,
        )

    @property
    def price_error(self) -> float:
        """Realized minus estimated slippage plus impact (what the price cost beyond plan)."""
        r, e = self.realized, self.estimated
        return (r.slippage + r.impact) - (e.slippage + e.impact)


def compare(estimated: CostBreakdown, realized: CostBreakdown) -> CostComparison:
    """Pair an estimate with its outcome."""
    return CostComparison(estimated, realized)


class CostEstimator(Protocol):
    """Prices a trade's costs (before trading to estimate, after to account a simulated fill).

    :class:`tradewind.execution.costs.CostModel` implements it from the configuration.
    """

    @property
    def impact_coefficient(self) -> float:
        """Coefficient of the square-root market impact (0: no impact)."""
        ...

    def costs(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        price: float,
        *,
        daily_volatility: float | None = None,
        average_daily_volume: float | None = None,
    ) -> CostBreakdown:
        """Costs of trading ``quantity`` shares of ``symbol`` at ``price``."""
        ...

    def costs_many(
        self,
        quantity: FloatArray,
        price: FloatArray,
        daily_volatility: FloatArray | None = None,
        average_daily_volume: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
        """:meth:`costs` of many trades: commission, slippage, impact, impact_modelled."""
        ...
