"""Transaction costs: commission, slippage and market impact, each reported on its own.

One model serves both sides of a trade, so estimates and outcomes are comparable:

* **before** trading, :meth:`CostModel.costs` estimates an order's costs (the trade planner
  shows them, the simulated broker charges them);
* **after** a fill, :meth:`CostModel.account` states what the fill really cost, and
  :func:`compare` gives estimated minus realized, kind by kind.

Formulas, for ``q`` shares at reference price ``p`` (traded value ``V = q p``):

* **commission** ``= clip(per_order + per_share * q + pct_of_value * V, minimum, maximum)``,
  zero when nothing trades (a broker charges per order, so the minimum applies per order);
* **slippage** ``= slippage_pct * V`` (half-spread plus timing; a flat fraction);
* **market impact** ``= coefficient * sigma_d * sqrt(q / ADV) * V``, the square-root law
  (Almgren, Thum, Hauptmann & Li, "Direct estimation of equity market impact", Risk 18(7),
  2005; Grinold & Kahn, *Active Portfolio Management*, 2nd ed., ch. 16), with ``sigma_d`` the
  daily return volatility and ``ADV`` the average daily volume in shares. It is only computed
  when both are known and positive; otherwise it is 0 and ``impact_modelled`` is False, so
  an unknown impact never passes for a zero one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tradewind.config.execution import CommissionSection, ExecutionSection
from tradewind.config.portfolio import RebalancingSection
from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.costs import CostBreakdown, price_shortfall
from tradewind.domain.orders import Fill, Side


@dataclass(frozen=True, slots=True)
class CostModel:
    """Commission schedule, slippage and square-root impact (see the module docstring).

    Parameters
    ----------
    commission
        The broker's commission schedule; zero by default.
    slippage_pct
        Slippage as a fraction of traded value.
    impact_coefficient
        Coefficient of the square-root impact; 0 turns impact off.
    """

    commission: CommissionSection = CommissionSection()
    slippage_pct: float = 0.0
    impact_coefficient: float = 0.0
    _free: bool = field(init=False, repr=False, compare=False)
    """The schedule charges nothing: every part is exactly +0.0 (see :meth:`costs_many`)."""

    def __post_init__(self) -> None:
        if not self.slippage_pct >= 0.0:
            raise ValueError(f"slippage_pct must be >= 0, was {self.slippage_pct}")
        if not self.impact_coefficient >= 0.0:
            raise ValueError(f"impact_coefficient must be >= 0, was {self.impact_coefficient}")
        c = self.commission
        parts = (c.per_order, c.per_share, c.pct_of_value, c.minimum)
        free = all(x == 0.0 and math.copysign(1.0, x) > 0.0 for x in parts)
        object.__setattr__(self, "_free", free and (c.maximum is None or c.maximum > 0.0))

    @classmethod
    def from_config(cls, execution: ExecutionSection, rebalancing: RebalancingSection) -> CostModel:
        """The model ``execution`` (commission, impact) and ``rebalancing.slippage_pct`` give."""
        impact = execution.market_impact
        return cls(
            commission=execution.commission,
            slippage_pct=rebalancing.slippage_pct,
            impact_coefficient=impact.coefficient if impact.enabled else 0.0,
        )

    def commission_for(self, quantity: float, price: float) -> float:
        """Commission of one order of ``quantity`` shares at ``price`` (0 if nothing trades)."""
        q = abs(quantity)
        if q == 0.0:
            return 0.0
        c = self.commission
        raw = c.per_order + c.per_share * q + c.pct_of_value * q * price
        raw = max(raw, c.minimum)
        return min(raw, c.maximum) if c.maximum is not None else raw

    def impact_fraction(
        self, quantity: float, daily_volatility: float | None, average_daily_volume: float | None
    ) -> float | None:
        """Impact as a fraction of the price, or ``None`` when the inputs are unknown."""
        if self.impact_coefficient == 0.0:
            return 0.0
        if (
            daily_volatility is None
            or average_daily_volume is None
            or not math.isfinite(daily_volatility)
            or not math.isfinite(average_daily_volume)
            or daily_volatility < 0.0
            or average_daily_volume <= 0.0
        ):
            return None
        return (
            self.impact_coefficient
            * daily_volatility
            * math.sqrt(abs(quantity) / average_daily_volume)
        )

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
        """Estimated costs of trading ``quantity`` shares of ``symbol`` at ``price``.

        Parameters
        ----------
        symbol, side
            What is traded; the schedule is symmetric, so they only label the trade today.
        quantity
            Shares (the sign is ignored).
        price
            Reference (decision) price.
        daily_volatility, average_daily_volume
            Inputs of the impact model; impact is 0 and flagged when either is missing.
        """
        value = abs(quantity) * price
        fraction = (
            self.impact_fraction(quantity, daily_volatility, average_daily_volume)
            if self.impact_coefficient != 0.0
            else 0.0
        )
        return CostBreakdown(
            self.commission_for(quantity, price),
            self.slippage_pct * value,
            (fraction or 0.0) * value,
            fraction is not None,
        )

    def costs_many(
        self,
        quantity: FloatArray,
        price: FloatArray,
        daily_volatility: FloatArray | None = None,
        average_daily_volume: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
        """:meth:`costs` of many trades at once: commission, slippage, impact, impact_modelled.

        Element by element the same operations as :meth:`costs`, so the figures are identical
        to the last bit. Unknown volatility or volume is NaN (``None`` for :meth:`costs`).
        """
        q = np.abs(quantity)
        value = q * price
        if self._free and np.count_nonzero(np.isfinite(value)) == value.size:
            # a schedule of +0.0 charges +0.0 for every finite quantity and price (finite
            # values say they all are): the formula's result without its eight operations
            commission = np.zeros(q.shape)
        else:
            commission = self._commissions(q, price)
        slippage = self.slippage_pct * value
        if self.impact_coefficient == 0.0:
            modelled = np.ones(q.shape, dtype=bool)
            return commission, slippage, 0.0 * value, modelled
        if daily_volatility is None or average_daily_volume is None:
            return commission, slippage, 0.0 * value, np.zeros(q.shape, dtype=bool)
        vol, adv = daily_volatility, average_daily_volume
        with np.errstate(invalid="ignore", divide="ignore"):
            modelled = np.isfinite(vol) & np.isfinite(adv) & (vol >= 0.0) & (adv > 0.0)
            fraction = self.impact_coefficient * vol * np.sqrt(q / adv)
        impact = np.where(modelled, fraction, 0.0) * value
        return commission, slippage, impact, modelled

    def _commissions(self, q: FloatArray, price: FloatArray) -> FloatArray:
        """:meth:`commission_for` of each of ``q`` (shares, not negative) at ``price``."""
        c = self.commission
        raw = c.per_order + c.per_share * q + c.pct_of_value * q * price
        raw = np.maximum(raw, c.minimum)
        if c.maximum is not None:
            raw = np.minimum(raw, c.maximum)
        return np.where(q == 0.0, 0.0, raw)

    def account(self, fill: Fill, reference_price: float | None = None) -> CostBreakdown:
        """What a fill really cost, against the decision price ``reference_price``.

        The fill's own commission, slippage and impact are taken as charged (the simulated
        broker charges the model's estimate; a real broker reports its commission and leaves the
        rest at 0). The price shortfall ``side.sign * (fill.price - reference_price) * qty`` is
        added to slippage: after the fact, slippage and impact cannot be told apart in a price.
        """
        return CostBreakdown(
            commission=fill.commission,
            slippage=fill.slippage + price_shortfall(fill, reference_price),
            impact=fill.impact,
        )
