"""Pre-trade limits on columns (the engine's batch path) answer exactly as the trade-by-trade
loop, for the limits alone and for the risk manager's ``allow``."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from test_limits_shortcut import situations

from tradewind.domain.batches import TradeBatch
from tradewind.domain.ledger import Ledger
from tradewind.domain.plans import PlannedTrade, Policy
from tradewind.risk.limits import LimitsOnly, apply_limits, apply_limits_batch


def _bits(trades: list[PlannedTrade]) -> list[tuple[object, ...]]:
    """Each trade's fields, floats by their bits (NaN equals NaN; a numpy float of the loop
    equals the same Python float of the batch)."""
    return [
        (
            t.symbol,
            t.side,
            float(t.quantity).hex(),
            float(t.price).hex(),
            float(t.est_costs.commission).hex(),
            float(t.est_costs.slippage).hex(),
            float(t.est_costs.impact).hex(),
            t.est_costs.impact_modelled,
            t.reason,
        )
        for t in trades
    ]


@settings(max_examples=400, deadline=None)
@given(situations())
def test_the_batch_passes_what_the_loop_passes(
    case: tuple[Ledger, np.ndarray, list[PlannedTrade], Policy],
) -> None:
    book, prices, trades, policy = case
    batch = TradeBatch.of(book.symbols, None, trades)
    for fractional in (True, False):
        got, notes = apply_limits_batch(batch, book, prices, policy, fractional=fractional)
        want = apply_limits(trades, book, prices, policy, fractional=fractional, shortcut=False)
        assert (_bits(got.trades()), notes) == (_bits(want[0]), want[1])
        hook = LimitsOnly(fractional=fractional).allow_batch(batch, book, prices, policy)
        assert (_bits(hook[0].trades()), hook[1]) == (_bits(want[0]), want[1])


def test_a_batch_within_every_limit_comes_back_sells_first_without_a_copy_of_its_rows() -> None:
    from tradewind.domain.costs import CostBreakdown
    from tradewind.domain.orders import Side

    book = Ledger(("A", "B", "C"), 10_000.0)
    book.cash += 0.0
    prices = np.array([100.0, 50.0, 20.0])
    trades = [PlannedTrade(s, Side.BUY, q, p, CostBreakdown(1.0)) for s, q, p in
              zip(("A", "B", "C"), (20.0, 40.0, 100.0), prices, strict=True)]  # fmt: skip
    batch = TradeBatch.of(book.symbols, None, trades)
    got, notes = apply_limits_batch(batch, book, prices, Policy("p", 0.25, 0.9, 0.0))
    assert got is batch and notes == []  # the vectorised check passed them all
