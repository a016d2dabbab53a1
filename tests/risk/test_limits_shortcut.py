"""Pre-trade limits: the vectorised all-within check answers exactly as the trade-by-trade loop."""

from __future__ import annotations

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from riskkit import fill

from tradewind.domain.costs import CostBreakdown
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Side
from tradewind.domain.plans import PlannedTrade, Policy
from tradewind.risk.limits import apply_limits

SYMBOLS = ("A", "B", "C", "D", "E", "F")


@st.composite
def situations(draw: st.DrawFn) -> tuple[Ledger, np.ndarray, list[PlannedTrade], Policy]:
    prices = np.array([draw(st.floats(5.0, 500.0)) for _ in SYMBOLS])
    book = Ledger(SYMBOLS, draw(st.sampled_from([0.0, 2_000.0, 50_000.0, 500_000.0])))
    held: dict[str, float] = {}
    for sym, price in zip(SYMBOLS, prices, strict=True):
        held[sym] = draw(st.sampled_from([0.0, 0.0, 3.0, 10.0, 40.0]))
        if held[sym]:
            book.cash += held[sym] * price  # the shares were bought with cash added for them
            book.apply(fill(sym, Side.BUY, held[sym], price))
    trades = []
    unique = draw(st.booleans())  # the planner's case: one trade per symbol
    picks = st.lists(st.integers(0, len(SYMBOLS) - 1), min_size=2, max_size=8, unique=unique)
    for k in draw(picks):
        sym = SYMBOLS[k]
        side = draw(st.sampled_from([Side.BUY, Side.SELL]))
        if side is Side.SELL and held[sym]:
            qty = held[sym] * draw(st.sampled_from([0.5, 1.0, 1.0 + 1e-12, 2.0]))
        else:
            qty = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0, 40.0, 300.0]))
        price = float(prices[k]) if draw(st.integers(0, 20)) else float("nan")
        cost = draw(st.sampled_from([0.0, 0.01, 1.0])) * qty
        trades.append(PlannedTrade(sym, side, qty, price, CostBreakdown(cost / 2, cost / 2)))
    cap = draw(st.sampled_from([0.05, 0.3, 0.9]))
    policy = Policy("p", cap, draw(st.sampled_from([cap, 1.0])), 0.0)
    return book, prices, trades, policy


@settings(max_examples=600, deadline=None)
@given(situations())
def test_the_shortcut_gives_what_the_loop_gives(
    case: tuple[Ledger, np.ndarray, list[PlannedTrade], Policy],
) -> None:
    book, prices, trades, policy = case
    fast = apply_limits(trades, book, prices, policy)
    slow = apply_limits(trades, book, prices, policy, shortcut=False)
    assert fast == slow
    event("every trade passed unchanged" if not slow[1] else "something changed")


def test_a_rebalance_within_every_limit_passes_unchanged_and_one_over_a_cap_is_resized() -> None:
    book = Ledger(SYMBOLS[:3], 10_000.0)
    prices = np.array([100.0, 50.0, 20.0])
    trades = [PlannedTrade(s, Side.BUY, q, p, CostBreakdown(1.0)) for s, q, p in
              zip(SYMBOLS[:3], (20.0, 40.0, 100.0), prices, strict=True)]  # fmt: skip
    policy = Policy("p", 0.25, 0.9, 0.0)
    passed, notes = apply_limits(trades, book, prices, policy)
    assert passed == trades and notes == []
    big = [
        *trades[:2],
        PlannedTrade("C", Side.BUY, 200.0, 20.0, CostBreakdown(1.0)),
    ]  # 40% of equity
    passed, notes = apply_limits(big, book, prices, policy)
    assert passed[:2] == trades[:2] and passed[2].quantity < 200.0
    assert notes and "position cap" in notes[0]
    assert (passed, notes) == apply_limits(big, book, prices, policy, shortcut=False)
