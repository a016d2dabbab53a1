"""Orders, fills and the order state machine.

An :class:`Order` moves through its states only by :meth:`Order.apply` of an :class:`OrderEvent`;
the transition table below is the whole truth, and an illegal transition raises.

::

    PENDING_NEW -> NEW | REJECTED | UNKNOWN | FILLED | PARTIALLY_FILLED | CANCELED
    NEW -> PARTIALLY_FILLED | FILLED | PENDING_CANCEL | CANCELED | EXPIRED | REJECTED | UNKNOWN
    PARTIALLY_FILLED -> PARTIALLY_FILLED | FILLED | PENDING_CANCEL | CANCELED | EXPIRED | UNKNOWN
    PENDING_CANCEL -> CANCELED | FILLED | PARTIALLY_FILLED | UNKNOWN
    UNKNOWN -> any state a broker lookup reports
    FILLED, CANCELED, REJECTED, EXPIRED: terminal
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import NewType

from tradewind.domain.fastinit import fast_init
from tradewind.domain.types import Symbol

ClientOrderId = NewType("ClientOrderId", str)
"""Our deterministic order identifier; sent to the broker so a retry can never duplicate."""


class Side(StrEnum):
    """Order side."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buys, -1 for sells."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """Order type."""

    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    """Order lifecycle states."""

    PENDING_NEW = "pending_new"
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """True once nothing more can happen to the order."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)
_S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING_NEW: frozenset(
        {_S.NEW, _S.REJECTED, _S.UNKNOWN, _S.FILLED, _S.PARTIALLY_FILLED, _S.CANCELED}
    ),
    _S.NEW: frozenset(
        {
            _S.PARTIALLY_FILLED,
            _S.FILLED,
            _S.PENDING_CANCEL,
            _S.CANCELED,
            _S.EXPIRED,
            _S.REJECTED,
            _S.UNKNOWN,
        }
    ),
    _S.PARTIALLY_FILLED: frozenset(
        {_S.PARTIALLY_FILLED, _S.FILLED, _S.PENDING_CANCEL, _S.CANCELED, _S.EXPIRED, _S.UNKNOWN}
    ),
    _S.PENDING_CANCEL: frozenset({_S.CANCELED, _S.FILLED, _S.PARTIALLY_FILLED, _S.UNKNOWN}),
    _S.UNKNOWN: frozenset(set(OrderStatus) - {_S.PENDING_NEW}),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
}


class IllegalTransition(ValueError):
    """An event tried to move an order along an edge the transition table does not have."""


@fast_init
@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the engine asks a broker to do. Quantity is in shares, always positive."""

    client_order_id: ClientOrderId
    symbol: Symbol
    side: Side
    quantity: float
    created_at: datetime
    order_type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.quantity > 0:
            raise ValueError(f"order quantity must be > 0, was {self.quantity}")
        if self.order_type is OrderType.LIMIT and not (self.limit_price and self.limit_price > 0):
            raise ValueError("a limit order needs a positive limit_price")


@fast_init
@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. Costs are in USD and paid in cash on top of ``quantity x price``."""

    client_order_id: ClientOrderId
    symbol: Symbol
    side: Side
    quantity: float
    price: float
    ts: datetime
    commission: float = 0.0
    slippage: float = 0.0
    impact: float = 0.0

    @property
    def notional(self) -> float:
        """Traded value ``quantity x price``."""
        return self.quantity * self.price

    @property
    def cost(self) -> float:
        """Total cost of the fill: commission + slippage + impact."""
        return self.commission + self.slippage + self.impact

    @property
    def cash_delta(self) -> float:
        """Change of cash caused by the fill (negative for buys)."""
        return -self.side.sign * self.notional - self.cost


@fast_init
@dataclass(frozen=True, slots=True)
class OrderEvent:
    """A change reported for an order: a new status and, for fills, the execution."""

    status: OrderStatus
    ts: datetime
    fill: Fill | None = None
    broker_order_id: str | None = None
    message: str = ""


@dataclass(slots=True)
class Order:
    """An order and its state; changes only through :meth:`apply`."""

    request: OrderRequest
    status: OrderStatus = OrderStatus.PENDING_NEW
    filled_quantity: float = 0.0
    average_price: float = 0.0
    broker_order_id: str | None = None
    message: str = ""
    fills: list[Fill] = field(default_factory=list)

    @property
    def remaining(self) -> float:
        """Shares still to fill."""
        return max(self.request.quantity - self.filled_quantity, 0.0)

    def apply(self, event: OrderEvent) -> Order:
        """Move to ``event.status`` (recording its fill) or raise :class:`IllegalTransition`."""
        if event.status not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"order {self.request.client_order_id}: {self.status.value} -> "
                f"{event.status.value} is not allowed"
            )
        if event.fill is not None:
            f = event.fill
            if f.quantity > self.remaining + 1e-9:
                raise IllegalTransition(
                    f"order {self.request.client_order_id}: fill of {f.quantity} exceeds "
                    f"remaining {self.remaining}"
                )
            total = self.filled_quantity + f.quantity
            self.average_price = (self.average_price * self.filled_quantity + f.notional) / total
            self.filled_quantity = total
            self.fills.append(f)
        self.status = event.status
        if event.broker_order_id:
            self.broker_order_id = event.broker_order_id
        if event.message:
            self.message = event.message
        return self


@dataclass(frozen=True, slots=True)
class Position:
    """Shares held in one symbol with their average cost."""

    symbol: Symbol
    quantity: float
    average_cost: float

    def with_fill(self, fill: Fill) -> Position:
        """The position after ``fill`` (average cost changes only when adding)."""
        qty = self.quantity + fill.side.sign * fill.quantity
        if fill.side is Side.BUY and qty > 0:
            cost = (self.average_cost * self.quantity + fill.notional) / qty
        else:
            cost = self.average_cost if abs(qty) > 1e-12 else 0.0
        return replace(self, quantity=qty, average_cost=cost)


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order as stored: the request and its current state."""

    request: OrderRequest
    run_id: int
    status: OrderStatus
    filled_quantity: float
    average_price: float
    broker_order_id: str | None
    message: str
    updated_at: datetime
    submitted_at: datetime | None

    @property
    def client_order_id(self) -> str:
        """The order's client order id."""
        return self.request.client_order_id

    @property
    def is_open(self) -> bool:
        """True until the order reaches a terminal state."""
        return not self.status.is_terminal

    def to_order(self, fills: tuple[Fill, ...] | list[Fill] = ()) -> Order:
        """The domain :class:`Order` in this state (``fills`` as returned by the store)."""
        return Order(
            request=self.request,
            status=self.status,
            filled_quantity=self.filled_quantity,
            average_price=self.average_price,
            broker_order_id=self.broker_order_id,
            message=self.message,
            fills=list(fills),
        )


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :meth:`Store.apply_order_event` did.

    ``applied`` is False for a replay (the same fill, or the status the order already has);
    nothing was written then.
    """

    status: OrderStatus
    applied: bool
    fill_recorded: bool


def default_fill_key(fill: Fill) -> str:
    """The idempotency key of a fill without a broker execution id: time, quantity, price."""
    return f"{fill.ts.astimezone(UTC).isoformat()}|{fill.quantity!r}|{fill.price!r}"
