"""A cycle's trades, orders and fills as columns: the engine's columnar order path.

The planner proposes a :class:`TradeBatch`, the risk limits keep or resize its rows, the engine
gives it client order ids (:class:`OrderBatch`) and the simulated broker fills it as a
:class:`FillBatch`, which the ledger books in one vector step and the recorder keeps as it is.
Each is a read-only set of aligned arrays, one row per trade (sells first); the Python objects
of the object path (:class:`~tradewind.domain.plans.PlannedTrade`,
:class:`~tradewind.domain.orders.OrderRequest`, :class:`~tradewind.domain.orders.Fill`) are
built only when a row is read, and are equal to those the object path builds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload

import numpy as np

from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import ClientOrderId, Fill, OrderRequest, OrderType, Side
from tradewind.domain.plans import PlannedTrade
from tradewind.domain.types import Symbol

BUY, SELL = Side.BUY, Side.SELL
MARKET = OrderType.MARKET


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class TradeBatch(Sequence[PlannedTrade]):
    """Trades over a fixed symbol list, one row each; reads as a sequence of
    :class:`~tradewind.domain.plans.PlannedTrade` (built on read).

    Attributes
    ----------
    universe
        The run's symbols; ``column`` indexes it.
    column
        Each trade's symbol column.
    buy
        True for a buy, False for a sell.
    quantity, price
        Shares (positive) and the estimated price.
    commission, slippage, impact, modelled
        The estimated costs (:class:`~tradewind.domain.costs.CostBreakdown` by columns).
    reasons
        Each trade's label.
    """

    universe: tuple[str, ...]
    column: IntArray
    buy: BoolArray
    quantity: FloatArray
    price: FloatArray
    commission: FloatArray
    slippage: FloatArray
    impact: FloatArray
    modelled: BoolArray
    reasons: tuple[str, ...]

    @classmethod
    def empty(cls, universe: tuple[str, ...]) -> TradeBatch:
        """No trades."""
        f = np.zeros(0)
        return cls(
            universe, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), f, f, f, f, f,
            np.zeros(0, dtype=bool), (),
        )  # fmt: skip

    @classmethod
    def of(
        cls,
        universe: tuple[str, ...],
        columns: Mapping[str, int] | None,
        trades: Sequence[PlannedTrade],
    ) -> TradeBatch:
        """The batch of ``trades`` (objects from a planner or risk hook without columns)."""
        if isinstance(trades, TradeBatch):
            return trades
        pos = columns if columns is not None else {s: i for i, s in enumerate(universe)}
        costs = [tr.est_costs for tr in trades]
        return cls(
            universe,
            np.array([pos[tr.symbol] for tr in trades], dtype=np.int64),
            np.array([tr.side is BUY for tr in trades], dtype=bool),
            np.array([tr.quantity for tr in trades], dtype=float),
            np.array([tr.price for tr in trades], dtype=float),
            np.array([c.commission for c in costs], dtype=float),
            np.array([c.slippage for c in costs], dtype=float),
            np.array([c.impact for c in costs], dtype=float),
            np.array([c.impact_modelled for c in costs], dtype=bool),
            tuple(tr.reason for tr in trades),
        )

    # --- Sequence[PlannedTrade] ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.reasons)

    @overload
    def __getitem__(self, k: int) -> PlannedTrade: ...

    @overload
    def __getitem__(self, k: slice) -> list[PlannedTrade]: ...

    def __getitem__(self, k: int | slice) -> PlannedTrade | list[PlannedTrade]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        costs = CostBreakdown(
            self.commission.item(k),
            self.slippage.item(k),
            self.impact.item(k),
            bool(self.modelled[k]),
        )
        side = BUY if self.buy[k] else SELL
        symbol = self.universe[self.column.item(k)]
        return PlannedTrade(
            symbol, side, self.quantity.item(k), self.price.item(k), costs, self.reasons[k]
        )

    def __iter__(self) -> Iterator[PlannedTrade]:
        return iter(self.trades())

    def trades(self) -> list[PlannedTrade]:
        """Every row as a :class:`~tradewind.domain.plans.PlannedTrade`."""
        cols = (
            self.commission.tolist(),
            self.slippage.tolist(),
            self.impact.tolist(),
            self.modelled.tolist(),
        )
        costs = [CostBreakdown(c, s, i, m) for c, s, i, m in zip(*cols, strict=True)]
        names = self.universe
        return [
            PlannedTrade(names[j], BUY if b else SELL, q, p, cost, r)
            for j, b, q, p, cost, r in zip(
                self.column.tolist(),
                self.buy.tolist(),
                self.quantity.tolist(),
                self.price.tolist(),
                costs,
                self.reasons,
                strict=True,
            )
        ]

    # --- columns ---------------------------------------------------------------------------
    @property
    def symbols(self) -> list[str]:
        """Each row's symbol."""
        names = self.universe
        return [names[j] for j in self.column.tolist()]

    @property
    def cost_total(self) -> FloatArray:
        """Each row's estimated ``commission + slippage + impact``."""
        return self.commission + self.slippage + self.impact

    def take(self, rows: IntArray | BoolArray) -> TradeBatch:
        """The rows ``rows`` (indices or a mask), in that order."""
        idx = np.flatnonzero(rows) if rows.dtype == bool else rows
        picked = idx.tolist()
        return TradeBatch(
            self.universe,
            self.column[idx],
            self.buy[idx],
            self.quantity[idx],
            self.price[idx],
            self.commission[idx],
            self.slippage[idx],
            self.impact[idx],
            self.modelled[idx],
            tuple(self.reasons[k] for k in picked),
        )

    def sells_first(self) -> TradeBatch:
        """The rows reordered sells first, each side in its order (a stable sort by side)."""
        buy = self.buy
        if b"\x01\x00" not in buy.astype(bool, copy=False).tobytes():
            return self  # no sell right after a buy: already sells first (the planner's order)
        return self.take(np.argsort(buy, kind="stable"))

    def resized(self, quantity: FloatArray) -> TradeBatch:
        """The same rows with new quantities, each row's costs scaled as the quantity (rows
        whose quantity is unchanged keep their costs bit for bit)."""
        same = quantity == self.quantity
        if same.all():
            return self
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = quantity / self.quantity
        return TradeBatch(
            self.universe,
            self.column,
            self.buy,
            np.where(same, self.quantity, quantity),
            self.price,
            np.where(same, self.commission, self.commission * scale),
            np.where(same, self.slippage, self.slippage * scale),
            np.where(same, self.impact, self.impact * scale),
            np.where(same, self.modelled, True),
            self.reasons,
        )


@fast_init
@dataclass(frozen=True, slots=True, eq=False)
class OrderBatch:
    """Market orders of one cycle as columns (sells first), each with its client order id.

    ``trades`` holds what was planned (symbol columns, sides, quantities, estimated prices and
    costs); :meth:`requests` builds the :class:`~tradewind.domain.orders.OrderRequest` of
    each row, for a broker without a columnar path.
    """

    trades: TradeBatch
    ids: list[ClientOrderId]
    ts: datetime

    def __len__(self) -> int:
        return len(self.ids)

    def requests(self) -> list[OrderRequest]:
        """Every order as an :class:`~tradewind.domain.orders.OrderRequest`."""
        tr = self.trades
        ts = self.ts
        return [
            OrderRequest(cid, Symbol(symbol), BUY if b else SELL, q, ts, MARKET, None, reason)
            for cid, symbol, b, q, reason in zip(
                self.ids, tr.symbols, tr.buy.tolist(), tr.quantity.tolist(), tr.reasons, strict=True
            )
        ]

    def request(self, k: int) -> OrderRequest:
        """Row ``k`` as an :class:`~tradewind.domain.orders.OrderRequest`."""
        tr = self.trades
        side = BUY if tr.buy[k] else SELL
        symbol = Symbol(tr.universe[tr.column.item(k)])
        return OrderRequest(
            self.ids[k], symbol, side, tr.quantity.item(k), self.ts, MARKET, None, tr.reasons[k]
        )


@dataclass(frozen=True, slots=True, eq=False)
class FillBatch:
    """Fills of one cycle as columns, in booking order, each symbol at most once; reads as a
    sequence of :class:`~tradewind.domain.orders.Fill` through :meth:`fills` (built on read)."""

    universe: tuple[str, ...]
    ids: list[ClientOrderId]
    column: IntArray
    buy: BoolArray
    quantity: FloatArray
    price: FloatArray
    commission: FloatArray
    slippage: FloatArray
    impact: FloatArray
    ts: datetime
    _booking: object = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def keep_booking(self, booking: object) -> None:
        """Keep what booking this batch did to a book (a
        :class:`~tradewind.domain.ledger.Booking`; see
        :meth:`~tradewind.domain.ledger.Ledger.apply_batch`); None forgets it."""
        object.__setattr__(self, "_booking", booking)

    def booking(self) -> object:
        """The booking kept by :meth:`keep_booking` (None when there is none)."""
        return self._booking

    def fills(self) -> list[Fill]:
        """Every row as a :class:`~tradewind.domain.orders.Fill`."""
        names, ts, sides = self.universe, self.ts, (SELL, BUY)
        return [
            Fill(cid, names[j], sides[b], q, p, ts, c, s, i)
            for cid, j, b, q, p, c, s, i in zip(
                self.ids,
                self.column.tolist(),
                self.buy.tolist(),
                self.quantity.tolist(),
                self.price.tolist(),
                self.commission.tolist(),
                self.slippage.tolist(),
                self.impact.tolist(),
                strict=True,
            )
        ]

    def fill(self, k: int) -> Fill:
        """Row ``k`` as a :class:`~tradewind.domain.orders.Fill`."""
        return Fill(
            self.ids[k],
            Symbol(self.universe[self.column.item(k)]),
            BUY if self.buy[k] else SELL,
            self.quantity.item(k),
            self.price.item(k),
            self.ts,
            self.commission.item(k),
            self.slippage.item(k),
            self.impact.item(k),
        )
