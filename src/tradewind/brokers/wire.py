"""What each real broker adapter provides: a few calls that speak the broker's API.

A :class:`BrokerWire` turns the broker's replies into plain snapshots (:class:`BrokerOrder`,
:class:`AccountSnapshot`, :class:`MarketClock`) and its errors into
:mod:`tradewind.brokers.errors`. Everything tradewind needs on top (the ``Broker`` protocol,
fills from cumulative quantities, change detection, rate limits, retries after 429) is written
once, in :class:`~tradewind.brokers.snapshot.SnapshotBroker`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side


@dataclass(frozen=True)
class BrokerOrder:
    """An order as the broker reports it now (cumulative fill quantity and average price).

    Attributes
    ----------
    client_order_id, broker_order_id
        Our id and the broker's.
    symbol, side, quantity, order_type, limit_price
        What was ordered.
    status
        The broker's status mapped to ours (:class:`OrderStatus`).
    filled_quantity, average_price
        Cumulative fill and its average price (0 while nothing filled).
    fees
        Commission and fees charged so far, USD (0 when the broker reports none).
    created_at, updated_at
        When the broker took the order, and the time of its last fill or change (UTC).
    message
        The broker's reason for a rejection or cancel, if any.
    raw_status
        The broker's own status word (for messages).
    """

    client_order_id: ClientOrderId
    broker_order_id: str
    symbol: str
    side: Side
    quantity: float
    status: OrderStatus
    filled_quantity: float
    average_price: float
    created_at: datetime
    updated_at: datetime
    order_type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    fees: float = 0.0
    message: str = ""
    raw_status: str = ""


@dataclass(frozen=True)
class AccountSnapshot:
    """The account: id (shown masked), cash and equity in USD, and whether it may trade."""

    account_id: str
    cash: float
    equity: float
    paper: bool | None = None
    trading_blocked: bool = False
    currency: str = "USD"


@dataclass(frozen=True)
class MarketClock:
    """Whether the broker's market is open now, and when it next opens and closes (UTC)."""

    is_open: bool
    next_open: datetime | None = None
    next_close: datetime | None = None


class BrokerWire(Protocol):
    """The calls a real broker adapter implements (see the module docstring).

    Every call raises only :mod:`tradewind.brokers.errors` (and their bases in
    :mod:`tradewind.domain.errors`).
    """

    name: str

    def place(self, request: OrderRequest) -> BrokerOrder | None:
        """Send a new order; its snapshot, or None when the broker acknowledged it without
        details (the caller then looks it up). A repeated client order id raises
        :class:`DuplicateClientOrderId`."""
        ...

    def get(self, client_order_id: ClientOrderId) -> BrokerOrder | None:
        """The order with our id, or None if the broker never received it."""
        ...

    def cancel(self, client_order_id: ClientOrderId) -> None:
        """Ask the broker to cancel the order (it may still fill meanwhile)."""
        ...

    def open_orders(self) -> list[BrokerOrder]:
        """Orders that can still fill."""
        ...

    def positions(self) -> dict[str, float]:
        """Shares held per symbol (non-zero only)."""
        ...

    def account(self) -> AccountSnapshot:
        """Cash, equity and the account id."""
        ...

    def clock(self) -> MarketClock:
        """The broker's market clock."""
        ...


class DuplicateClientOrderId(Exception):  # noqa: N818 - a signal, not an error to report
    """The broker refused an order because its client order id is already used: the first
    submission arrived. Raised by :meth:`BrokerWire.place`, handled by the snapshot broker."""
