"""What the engine decided, and the events it raised: the decision log's records.

Value types shared by the engine (which writes them), the store (which keeps them), the
reports (which read them) and the risk manager and notifiers (which raise or send events).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradewind.domain.fastinit import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order as the decision log keeps it, with the price it was decided at and the costs
    estimated then (USD; records written before estimates were kept have none)."""

    client_order_id: str
    symbol: str
    side: str
    quantity: float
    reason: str
    price: float | None = None
    est_commission: float = 0.0
    est_slippage: float = 0.0
    est_impact: float = 0.0


class OrdersOnRead(ABC):
    """A decision's orders kept as the engine placed them, built into
    :class:`OrderRecord` objects when :attr:`Decision.orders` is first read
    (:func:`orders_on_read`); the engine's columns implement it."""

    __slots__ = ()

    @abstractmethod
    def records(self) -> tuple[OrderRecord, ...]:
        """The orders as records, the same tuple on every call."""


@fast_init
@dataclass(frozen=True, slots=True)
class Decision:
    """One cycle that did something (rebalanced, traded, changed regime, or refused to).

    ``orders`` always reads as a tuple of :class:`OrderRecord`; a decision the engine records
    builds it on first read (:func:`orders_on_read`), with the same values, equality, hash,
    pickle and JSON as one built with the tuple.
    """

    ts: datetime
    regime: str
    confidence: float
    method: str
    reasons: tuple[str, ...]
    targets: tuple[float, ...]
    orders: tuple[OrderRecord, ...]
    equity: float
    equity_before: float
    fallback_reason: str | None = None
    notes: tuple[str, ...] = ()


@fast_init
@dataclass(frozen=True, slots=True)
class EngineEvent:
    """Something worth an alert or a line on the dashboard."""

    ts: datetime
    kind: str
    message: str
    severity: str = "info"


class _OrdersField:
    """:attr:`Decision.orders`: its slot holds the records, or an :class:`OrdersOnRead` that
    builds them when read (a backtest's summary reads the columns and never builds them)."""

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = self._slot.__get__(obj, owner)
        return value.records() if isinstance(value, OrdersOnRead) else value

    def __set__(self, obj: object, value: object) -> None:
        self._slot.__set__(obj, value)

    def __delete__(self, obj: object) -> None:
        self._slot.__delete__(obj)


_ORDERS = _OrdersField(Decision.__dict__["orders"])
setattr(Decision, "orders", _ORDERS)  # noqa: B010 - a descriptor over the field's slot


def orders_on_read(decision: Decision, orders: OrdersOnRead) -> Decision:
    """``decision`` (just built, not yet shared) with ``orders`` as its orders:
    :attr:`Decision.orders` reads as ``orders.records()``."""
    _ORDERS.__set__(decision, orders)
    return decision


def order_source(decision: Decision) -> tuple[OrderRecord, ...] | OrdersOnRead:
    """What ``decision`` keeps for its orders, without building them: the records, or the
    :class:`OrdersOnRead` they are built from."""
    value: tuple[OrderRecord, ...] | OrdersOnRead = _ORDERS._slot.__get__(decision, Decision)
    return value
