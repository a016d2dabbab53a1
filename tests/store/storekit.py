"""Helpers shared by the store tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tradewind.domain import (
    ClientOrderId,
    Fill,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Side,
    Symbol,
)

T0 = datetime(2024, 1, 2, 21, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """``T0`` plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def request(
    cid: str, symbol: str = "AAA", side: Side = Side.BUY, qty: float = 10.0
) -> OrderRequest:
    """A market order request created at ``T0``."""
    return OrderRequest(ClientOrderId(cid), Symbol(symbol), side, qty, T0, reason="rebalance")


def fill_event(
    cid: str,
    qty: float,
    price: float,
    status: OrderStatus,
    *,
    minutes: float = 1.0,
    symbol: str = "AAA",
    side: Side = Side.BUY,
    commission: float = 1.0,
) -> OrderEvent:
    """An event carrying a fill of ``qty`` at ``price``."""
    ts = at(minutes)
    fill = Fill(ClientOrderId(cid), Symbol(symbol), side, qty, price, ts, commission=commission)
    return OrderEvent(status, ts, fill=fill)
