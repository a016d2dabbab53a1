"""A cycle's orders as the engine placed them: the decision log's orders, built when read.

A backtest places ~10^4 orders and nothing reads their
:class:`~tradewind.domain.records.OrderRecord` objects unless the log is stored, shown or
sent; the run summary needs only columns (ids, reasons, quantities, prices, estimated costs).
So a decision keeps the sells-first :class:`~tradewind.domain.batches.TradeBatch` it submitted
and its client order ids (:class:`OrderColumns`), and builds the records from them on first
read, the same records the engine built per order before.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.batches import TradeBatch
from tradewind.domain.orders import ClientOrderId, Side
from tradewind.domain.records import Decision, OrderRecord, OrdersOnRead, order_source

_SIDE = (Side.SELL.value, Side.BUY.value)
"""Each side's text by ``buy`` (False, True)."""

_FIELDS = {
    "quantity": "quantity",
    "price": "price",
    "est_commission": "commission",
    "est_slippage": "slippage",
    "est_impact": "impact",
}
"""Each float field of an :class:`~tradewind.domain.records.OrderRecord` by its batch column."""


class OrderColumns(OrdersOnRead):
    """The orders of one cycle: ``trades`` (sells first, as submitted) with their ``ids``.

    The batch's arrays are made read-only here (a batch is read-only by contract; a write
    after submission would raise instead of changing the log), so the records built from them
    whenever they are read are those of submission time.
    """

    __slots__ = ("_records", "ids", "trades")

    def __init__(self, trades: TradeBatch, ids: list[ClientOrderId]) -> None:
        t = trades
        for column in (t.buy, t.quantity, t.price, t.commission, t.slippage, t.impact):
            column.setflags(write=False)
        self.trades = trades
        self.ids = ids
        self._records: tuple[OrderRecord, ...] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each order's reason."""
        return self.trades.reasons

    def built(self) -> bool:
        """True once the records have been built."""
        return self._records is not None

    def records(self) -> tuple[OrderRecord, ...]:
        """Every order as an :class:`~tradewind.domain.records.OrderRecord` (built once)."""
        if self._records is None:
            tr = self.trades
            self._records = tuple(
                OrderRecord(cid, symbol, _SIDE[buy], q, reason, p, c, s, i)
                for cid, symbol, buy, q, reason, p, c, s, i in zip(
                    self.ids,
                    tr.symbols,
                    tr.buy.tolist(),
                    tr.quantity.tolist(),
                    tr.reasons,
                    tr.price.tolist(),
                    tr.commission.tolist(),
                    tr.slippage.tolist(),
                    tr.impact.tolist(),
                    strict=True,
                )
            )
        return self._records


Orders = OrderColumns | tuple[OrderRecord, ...]
"""A decision's orders as it keeps them (:func:`orders_of`)."""


def orders_of(decision: Decision) -> Orders:
    """``decision``'s orders without building records: its columns, or its records."""
    source = order_source(decision)
    if isinstance(source, OrderColumns) or not isinstance(source, OrdersOnRead):
        return source
    return source.records()


def order_ids(orders: Orders) -> Iterable[str]:
    """Each order's client order id."""
    return orders.ids if isinstance(orders, OrderColumns) else (o.client_order_id for o in orders)


def order_reasons(orders: Orders) -> Iterable[str]:
    """Each order's reason."""
    return orders.reasons if isinstance(orders, OrderColumns) else (o.reason for o in orders)


def stacked_column(orders: Iterable[Orders], name: str) -> FloatArray:
    """The float field ``name`` of every order of ``orders``, one after the other, as float64
    (None reads as NaN)."""
    field = _FIELDS[name]
    return np.concatenate(
        [
            np.zeros(0),
            *(
                getattr(o.trades, field)
                if isinstance(o, OrderColumns)
                else np.array([getattr(r, name) for r in o], dtype=np.float64)
                for o in orders
            ),
        ],
        dtype=np.float64,
    )


def stacked_priced(orders: Iterable[Orders]) -> BoolArray:
    """For every order of ``orders``, one after the other, whether it has a price (the
    engine's orders always have one)."""
    return np.concatenate(
        [
            np.zeros(0, dtype=bool),
            *(
                np.ones(len(o), dtype=bool)
                if isinstance(o, OrderColumns)
                else np.array([r.price is not None for r in o], dtype=bool)
                for o in orders
            ),
        ]
    )
