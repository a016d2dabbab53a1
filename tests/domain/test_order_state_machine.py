"""The order state machine: legal paths work, illegal transitions raise, fills add up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.domain import (
    ClientOrderId,
    Fill,
    IllegalTransition,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Side,
    Symbol,
)
from tradewind.domain.orders import TRANSITIONS

T0 = datetime(2024, 1, 2, 21, tzinfo=UTC)


def _order(qty: float = 10.0) -> Order:
    return Order(OrderRequest(ClientOrderId("c1"), Symbol("AAPL"), Side.BUY, qty, T0))


def _fill(qty: float, price: float = 100.0) -> Fill:
    return Fill(ClientOrderId("c1"), Symbol("AAPL"), Side.BUY, qty, price, T0)


def test_partial_then_full_fill_tracks_average_price() -> None:
    o = _order(10)
    o.apply(OrderEvent(OrderStatus.NEW, T0))
    o.apply(OrderEvent(OrderStatus.PARTIALLY_FILLED, T0, fill=_fill(4, 100.0)))
    o.apply(OrderEvent(OrderStatus.FILLED, T0, fill=_fill(6, 110.0)))
    assert o.status is OrderStatus.FILLED
    assert o.filled_quantity == 10
    assert o.average_price == pytest.approx(106.0)
    assert o.remaining == 0


def test_terminal_states_refuse_everything() -> None:
    o = _order()
    o.apply(OrderEvent(OrderStatus.REJECTED, T0, message="no"))
    with pytest.raises(IllegalTransition, match="rejected -> new"):
        o.apply(OrderEvent(OrderStatus.NEW, T0))


def test_overfill_is_refused() -> None:
    o = _order(5)
    o.apply(OrderEvent(OrderStatus.NEW, T0))
    with pytest.raises(IllegalTransition, match="exceeds remaining"):
        o.apply(OrderEvent(OrderStatus.FILLED, T0, fill=_fill(6)))


def test_order_request_validates_quantity_and_limit() -> None:
    with pytest.raises(ValueError, match="quantity must be > 0"):
        OrderRequest(ClientOrderId("x"), Symbol("AAPL"), Side.BUY, 0, T0)
    from tradewind.domain import OrderType

    with pytest.raises(ValueError, match="limit_price"):
        OrderRequest(ClientOrderId("x"), Symbol("AAPL"), Side.BUY, 1, T0, OrderType.LIMIT)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(OrderStatus)), min_size=1, max_size=8))
def test_random_event_sequences_follow_the_table(path: list[OrderStatus]) -> None:
    o = _order()
    for status in path:
        before = o.status
        legal = status in TRANSITIONS[before]
        try:
            o.apply(OrderEvent(status, T0))
        except IllegalTransition:
            assert not legal
            assert o.status is before
        else:
            assert legal
            assert o.status is status
