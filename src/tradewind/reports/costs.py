"""Estimated against realized transaction costs, fill by fill.

The planner estimates each order's commission, slippage and impact at the decision price
before it is sent (:class:`~tradewind.engine.recorder.OrderRecord` keeps the estimate and the
price); after the fill, :meth:`~tradewind.execution.costs.CostModel.account` states what it
really cost, the price shortfall against the decision price counted as slippage. A partly filled
order is compared on what filled: its estimate is scaled by the filled share. Orders that never
filled cost nothing and are left out of both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import ZERO_COST, CostBreakdown, CostComparison
from tradewind.domain.orders import Fill
from tradewind.domain.records import Decision, OrderRecord
from tradewind.engine.fill_columns import FillColumns
from tradewind.execution.costs import CostModel
from tradewind.reports.fill_pairs import FillPairs

_ACCOUNT = CostModel().account  # the accounting uses no model parameter, only the fill


@dataclass(frozen=True, slots=True)
class FillCost:
    """One fill's estimated and realized costs (USD) and its traded value."""

    ts: pd.Timestamp
    client_order_id: str
    notional: float
    estimated: CostBreakdown
    realized: CostBreakdown


def filled_share(order: OrderRecord, fill: Fill) -> float:
    """The share of ``order`` that ``fill`` filled (its estimate is scaled by it)."""
    return fill.quantity / order.quantity if order.quantity > 0 else 0.0


def fill_costs(decisions: Iterable[Decision], fills: Sequence[Fill]) -> list[FillCost]:
    """Pair every fill with the estimate of the order it filled (in fill order).

    A fill whose order is not in ``decisions`` (an order placed by hand, say) has no estimate:
    its estimate is zero and its realized cost is what the broker charged.
    """
    orders: dict[str, OrderRecord] = {o.client_order_id: o for d in decisions for o in d.orders}
    out: list[FillCost] = []
    for f in fills:
        order = orders.get(f.client_order_id)
        if order is None:
            estimated, reference = ZERO_COST, None
        else:
            share = filled_share(order, f)
            estimated = CostBreakdown(
                order.est_commission * share, order.est_slippage * share, order.est_impact * share
            )
            reference = order.price
        out.append(
            FillCost(
                pd.Timestamp(f.ts),
                f.client_order_id,
                f.notional,
                estimated,
                _ACCOUNT(f, reference),
            )
        )
    return out


def total_comparison(
    decisions: Iterable[Decision], fills: Sequence[Fill] | FillColumns
) -> CostComparison:
    """Estimated and realized totals of every fill, paired as in :func:`fill_costs`.

    The same sums as ``compare_costs(fill_costs(decisions, fills))`` without an object per
    fill: a run's summary needs only the totals, and a long backtest has 10^5 fills. ``fills``
    may be a recorder's :meth:`~tradewind.engine.recorder.Recorder.fill_columns` (no Fill
    object built at all).
    """
    columns = fills if isinstance(fills, FillColumns) else FillColumns.of([fills])
    return pairs_comparison(FillPairs.of(decisions, columns))


def pairs_comparison(pairs: FillPairs) -> CostComparison:
    """:func:`total_comparison` of the decisions and fills of ``pairs``."""
    with np.errstate(all="ignore"):  # Python's float arithmetic, which these repeat, never warns
        commission, slippage_estimate, impact, shortfall = _estimates(pairs)
    fills = pairs.fills
    slippage = np.empty(2 * len(fills))  # each fill's slippage, then its price shortfall
    slippage[0::2] = fills.slippage
    slippage[1::2] = shortfall
    return CostComparison(
        CostBreakdown(
            _added_in_order(commission),
            _added_in_order(slippage_estimate),
            _added_in_order(impact),
        ),
        CostBreakdown(
            _added_in_order(fills.commission),
            _added_in_order(slippage),
            _added_in_order(fills.impact),
        ),
    )


def _estimates(pairs: FillPairs) -> list[FloatArray]:
    """Per fill: its order's estimated commission, slippage and impact scaled by the filled
    share, and its price shortfall against the order's price
    (:func:`~tradewind.domain.costs.price_shortfall`); 0.0 for a fill without an order (adding
    0.0 leaves a sum that starts at 0.0 unchanged)."""
    fills = pairs.fills
    out = [np.zeros(len(fills)) for _ in range(4)]
    k = pairs.order_rows()
    matched = k >= 0
    if not matched.any():
        return out
    at = k[matched]
    quantity = fills.quantity[matched]
    ordered = pairs.order_column("quantity")[at]
    share = np.where(ordered > 0, quantity / ordered, 0.0)  # filled_share
    for j, name in enumerate(("est_commission", "est_slippage", "est_impact")):
        out[j][matched] = pairs.order_column(name)[at] * share
    reference = pairs.order_column("price")[at]  # None reads as NaN: told apart below
    priced = ~np.isnan(reference)
    if not priced.all():
        priced = pairs.order_priced()[at]
    shortfall = fills.sign[matched] * (fills.price[matched] - reference) * quantity
    out[3][matched] = np.where(priced, shortfall, 0.0)
    return out


def _added_in_order(values: FloatArray) -> float:
    """``0.0 + values[0] + values[1] + ...`` added left to right, as a Python loop adds them
    (``np.sum`` adds pairwise, which rounds differently; ``np.add.accumulate`` does not)."""
    running = np.empty(len(values) + 1)
    running[0] = 0.0
    running[1:] = values
    return float(np.add.accumulate(running)[-1])


def compare_costs(costs: Iterable[FillCost]) -> CostComparison:
    """Estimated and realized totals of ``costs``, kind by kind."""
    estimated = realized = ZERO_COST
    for c in costs:
        estimated = estimated + c.estimated
        realized = realized + c.realized
    return CostComparison(estimated, realized)


def cost_payload(comparison: CostComparison) -> dict[str, dict[str, float]]:
    """The comparison as plain numbers (JSON): each side by kind, and realized minus estimated."""

    def kinds(c: CostBreakdown) -> dict[str, float]:
        return {
            "commission": c.commission,
            "slippage": c.slippage,
            "impact": c.impact,
            "total": c.total,
        }

    return {
        "estimated": kinds(comparison.estimated),
        "realized": kinds(comparison.realized),
        "realized_minus_estimated": kinds(comparison.error),
    }


def usd(amount: float, decimals: int = 2) -> str:
    """``$1,234.50``, or ``-$12.00`` (realized costs can be negative: price improvement)."""
    return f"{'-' if amount < 0 else ''}${abs(amount):,.{decimals}f}"


def describe_comparison(comparison: CostComparison) -> str:
    """``$1,234 estimated, $1,250 realized (+1.3%)`` for tables and reports."""
    est, real = comparison.estimated.total, comparison.realized.total
    change = f" ({real / est - 1:+.1%})" if est > 0 else ""
    return f"{usd(est, 0)} estimated, {usd(real, 0)} realized{change}"
