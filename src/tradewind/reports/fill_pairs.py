"""A run's fills paired with the orders of its decisions, for the summary's turnover and costs.

A fill belongs to the order of its client order id (the last order of that id, if several);
an order's filled value adds up all the fills of its id. A backtest's fills come in exactly the
order of its decisions' orders, one fill per order: then the pairing needs no look-up by id,
which at 10^5 orders costs more than everything else the summary does. Either way the pairs,
and every sum made from them, are the same. The orders are read as the decisions keep them
(:func:`~tradewind.engine.order_columns.orders_of`): a backtest's as columns, without building
an :class:`~tradewind.domain.records.OrderRecord` per order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.records import Decision
from tradewind.engine.fill_columns import FillColumns
from tradewind.engine.order_columns import (
    Orders,
    order_ids,
    orders_of,
    stacked_column,
    stacked_priced,
)


@dataclass(frozen=True)
class FillPairs:
    """Fills and the orders they filled.

    Attributes
    ----------
    decisions
        The decisions, in order.
    orders
        Each decision's orders (:func:`~tradewind.engine.order_columns.orders_of`).
    ids
        Their client order ids.
    fills
        The fills, in booking order.
    aligned
        Fill k filled order k, and no id is used twice.
    """

    decisions: list[Decision]
    orders: list[Orders]
    ids: list[str]
    fills: FillColumns
    aligned: bool

    @classmethod
    def of(cls, decisions: Iterable[Decision], fills: FillColumns) -> FillPairs:
        """Pair ``fills`` with the orders of ``decisions``."""
        listed = list(decisions)
        orders = list(map(orders_of, listed))
        ids: list[str] = []
        for placed in orders:
            ids.extend(order_ids(placed))
        # list == list compares the same str objects by identity: ~1 ns an id
        aligned = ids == fills.ids and len(set(ids)) == len(ids)
        return cls(listed, orders, ids, fills, aligned)

    def order_rows(self) -> IntArray:
        """For each fill, the row in :attr:`ids` of the last order of its id (-1: none)."""
        n = len(self.fills)
        if self.aligned:
            return np.arange(n, dtype=np.int64)
        row = dict(zip(self.ids, range(len(self.ids)), strict=True))  # the last row wins
        return np.fromiter(map(row.get, self.fills.ids, repeat(-1)), dtype=np.int64, count=n)

    def order_values(self) -> list[float]:
        """For each order, the value filled under its id: ``0.0 + quantity x price`` of each
        fill of the id, added in booking order (0.0 if none)."""
        with np.errstate(all="ignore"):  # as Python's float product, which never warns
            values = self.fills.quantity * self.fills.price
        if self.aligned:
            aligned: list[float] = (0.0 + values).tolist()
            return aligned
        notional: dict[str, float] = {}
        get = notional.get
        for cid, value in zip(self.fills.ids, values.tolist(), strict=True):
            notional[cid] = get(cid, 0.0) + value
        return list(map(get, self.ids, repeat(0.0)))

    def order_column(self, name: str) -> FloatArray:
        """The float field ``name`` of every order, one after the other (None reads as NaN)."""
        return stacked_column(self.orders, name)

    def order_priced(self) -> BoolArray:
        """For every order, whether it has a price (not None)."""
        return stacked_priced(self.orders)

    def order_counts(self) -> list[int]:
        """How many orders each decision placed."""
        return list(map(len, self.orders))
