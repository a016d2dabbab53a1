"""The ledger conserves value across fills and books costs and closed trades."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.domain import ClientOrderId, Fill, Side, Symbol
from tradewind.domain.ledger import Ledger

T0 = datetime(2024, 1, 2, 21, tzinfo=UTC)


def _fill(sym: str, side: Side, qty: float, price: float, cost: float = 0.0) -> Fill:
    return Fill(ClientOrderId("x"), Symbol(sym), side, qty, price, T0, slippage=cost)


def test_buy_then_sell_realizes_pnl_net_of_all_costs() -> None:
    book = Ledger(("AAPL", "MSFT"), 10_000.0)
    book.apply(_fill("AAPL", Side.BUY, 10, 100.0, cost=1.0))
    assert book.cash == pytest.approx(10_000 - 1000 - 1)
    assert book.average_cost[0] == pytest.approx(100.1)
    book.apply(_fill("AAPL", Side.SELL, 10, 110.0, cost=1.1))
    assert book.quantity[0] == 0 and book.average_cost[0] == 0
    assert book.realized_pnl == pytest.approx(1100 - 1001 - 1.1)
    assert book.closed_trades[0].pnl == pytest.approx(97.9)
    assert book.costs.total == pytest.approx(2.1)
    assert book.cash == pytest.approx(10_000 + 97.9)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]),
            st.booleans(),
            st.floats(0.1, 50.0),
            st.floats(1.0, 500.0),
            st.floats(0.0, 5.0),
        ),
        max_size=30,
    )
)
def test_value_is_conserved_except_for_costs(
    trades: list[tuple[str, bool, float, float, float]],
) -> None:
    book = Ledger(("A", "B"), 1_000_000.0)
    paid = 0.0
    for sym, buy, qty, price, cost in trades:
        i = book.index_of(sym)
        if not buy:
            qty = min(qty, book.quantity[i])
            if qty <= 0:
                continue
        prices = np.array([price, price]) if sym == "A" else np.array([price, price])
        before = book.equity(prices)
        book.apply(_fill(sym, Side.BUY if buy else Side.SELL, qty, price, cost))
        paid += cost
        assert book.equity(prices) == pytest.approx(before - cost, rel=1e-12, abs=1e-6)
    assert book.costs.total == pytest.approx(paid)
    assert (book.quantity >= -1e-9).all()


def test_marks_are_cached_per_read_only_prices_and_follow_every_fill() -> None:
    book = Ledger(("A", "B"), 1_000.0)
    prices = np.array([10.0, 20.0])
    prices.setflags(write=False)
    assert book.equity(prices) == 1_000.0
    book.apply(_fill("A", Side.BUY, 5, 10.0, cost=0.5))
    assert book.equity(prices) == pytest.approx(1_000.0 - 0.5)
    np.testing.assert_allclose(book.weights(prices), [50.0 / 999.5, 0.0])
    assert book.weights(prices) is book.weights(prices)  # cached until the book changes
    book.set_position("B", 2.0, 20.0)
    np.testing.assert_allclose(book.values(prices), [50.0, 40.0])
    writable = np.array([11.0, 20.0])
    assert book.market_value(writable) == 95.0  # a writable array is never cached
    writable[0] = 12.0
    assert book.market_value(writable) == 100.0
    with pytest.raises(ValueError, match="read-only"):
        book.quantity[0] = 1.0
