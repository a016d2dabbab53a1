"""The columnar check of the pre-trade limits is exact at the edge of each room: a buy a few
ulps either side of the largest quantity the trade-by-trade loop lets through unchanged gets
the loop's answer, and the batch passes on its columns exactly when the loop changes nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from riskkit import fill

from tradewind.domain.batches import TradeBatch
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Side
from tradewind.domain.plans import PlannedTrade, Policy
from tradewind.risk.limits import apply_limits, apply_limits_batch


def _bits(trades: list[PlannedTrade]) -> list[tuple[object, ...]]:
    return [
        (t.symbol, t.side, float(t.quantity).hex(), float(t.est_costs.total).hex(), t.reason)
        for t in trades
    ]


def _book(n: int, seed: int) -> tuple[Ledger, np.ndarray, list[PlannedTrade]]:
    """A book of ``n`` symbols, some held, and a planner-shaped rebalance: one trade per
    symbol, sells first, every cost component, the last row a buy."""
    rng = np.random.default_rng(seed)
    symbols = tuple(f"S{i:03d}" for i in range(n))
    prices = rng.uniform(5.0, 500.0, n)
    book = Ledger(symbols, float(rng.choice([0.0, 1e3, 5e4, 5e5])))
    for sym, price in zip(symbols, prices, strict=True):
        if rng.random() < 0.6:
            q = float(rng.choice([1.0, 3.5, 10.0, 40.0]))
            book.cash += q * price
            book.apply(fill(sym, Side.BUY, q, float(price)))
    sells, buys = [], []
    for i in rng.permutation(n)[: max(2, int(rng.integers(2, n + 1)))].tolist():
        sym, held = symbols[i], float(book.quantity[i])
        cost = CostBreakdown(*(float(c) for c in rng.uniform(0, 0.5, 3)))
        if held > 0 and rng.random() < 0.4:
            q = held * float(rng.choice([0.5, 1.0]))
            sells.append(PlannedTrade(sym, Side.SELL, q, float(prices[i]), cost))
        else:
            q = float(rng.uniform(0.1, 50.0))
            buys.append(PlannedTrade(sym, Side.BUY, q, float(prices[i]), cost))
    if not buys:  # the last sell becomes a buy (one trade per symbol)
        s = sells.pop()
        buys.append(PlannedTrade(s.symbol, Side.BUY, s.quantity, s.price, s.est_costs))
    return book, prices, [*sells, *buys]


def _with_last(trades: list[PlannedTrade], q: float) -> list[PlannedTrade]:
    last = trades[-1]
    return [*trades[:-1], PlannedTrade(last.symbol, last.side, q, last.price, last.est_costs)]


def _check_edge(book: Ledger, prices: np.ndarray, trades: list[PlannedTrade], p: Policy) -> int:
    """Compare batch and loop around the last buy's edge; return how many passed on columns."""
    huge = apply_limits(_with_last(trades, 1e12), book, prices, p, shortcut=False)[0]
    edge = next((t.quantity for t in huge if t.symbol == trades[-1].symbol), 0.0)
    if edge <= 0:
        return 0
    fast = 0
    for steps in range(-3, 4):
        q = edge
        for _ in range(abs(steps)):
            q = math.nextafter(q, math.inf if steps > 0 else 0.0)
        rows = _with_last(trades, q)
        want, notes = apply_limits(rows, book, prices, p, shortcut=False)
        batch = TradeBatch.of(book.symbols, None, rows)
        got, got_notes = apply_limits_batch(batch, book, prices, p)
        assert (_bits(got.trades()), got_notes) == (_bits(want), notes)
        unchanged = _bits(want) == _bits(rows) and not notes
        assert (got is batch) == unchanged  # the columns pass exactly what the loop leaves
        fast += got is batch
    return fast


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(2, 12),
    seed=st.integers(0, 100_000),
    cap=st.sampled_from([0.02, 0.1, 0.3, 1.0]),
    invested=st.sampled_from([0.5, 0.9, 1.0]),
)
def test_at_the_edge_of_each_room_the_columns_answer_as_the_loop(
    n: int, seed: int, cap: float, invested: float
) -> None:
    book, prices, trades = _book(n, seed)
    _check_edge(book, prices, trades, Policy("p", min(cap, invested), invested, 0.0))


@pytest.mark.parametrize("n", [2, 20, 500])
def test_the_edge_is_reached_on_columns_for_small_and_large_books(n: int) -> None:
    fast = 0
    for seed in range(20):
        book, prices, trades = _book(n, seed)
        for policy in (Policy("p", 1.0, 1.0, 0.0), Policy("p", 0.05, 0.9, 0.0)):
            fast += _check_edge(book, prices, trades, policy)
    assert fast > 0  # the columnar path was taken (at or below the edge), not only the loop
