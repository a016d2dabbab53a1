"""The book of a portfolio: cash, shares, average costs, realized P&L, costs and closed trades.

Amounts are float64 USD; the ledger is the hot path of every backtest, so it works on numpy
arrays indexed like the engine's symbol list. Broker adapters convert to ``Decimal`` at their
boundary. A "closed trade" is every reduction of a position: the shares sold are closed against
the position's average cost (which includes buying costs), net of the sell's costs. Win rate,
profit factor and the consecutive-loss breaker all count these.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from tradewind.domain.arrays import FloatArray, IntArray
from tradewind.domain.batches import FillBatch
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import Fill, Side

SMALL_BATCH = 48
"""Up to this many rows :meth:`Ledger.apply_batch` books row by row on floats; above it, on
arrays (the same arithmetic; ``tests/domain/test_ledger_batch.py`` compares both with
:meth:`Ledger.apply_all`)."""


@fast_init
@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A realized reduction of a position (see the module docstring)."""

    symbol: str
    ts: datetime
    quantity: float
    entry_price: float
    exit_price: float
    pnl: float


@fast_init
@dataclass(frozen=True, slots=True)
class Booking:
    """What booking one :class:`~tradewind.domain.batches.FillBatch` did to a book.

    ``before`` is the exact state (bytes) of what the booking read: the positions and average
    costs of the batch's columns, then cash, realized P&L, traded value and the three cost
    sums. ``quantity`` and ``average_cost`` are those columns' new values, ``sums`` the new
    running sums (same order), ``closed`` the closed trades appended.
    """

    before: bytes
    quantity: FloatArray | list[float]
    average_cost: FloatArray | list[float]
    sums: tuple[float, float, float, float, float, float]
    closed: list[ClosedTrade]


_SUMS = struct.Struct("=6d")
"""Cash, realized P&L, traded value and the three cost sums as bytes (part of a book's state)."""


@dataclass(slots=True)
class CostTotals:
    """Cumulative transaction costs by kind, in USD."""

    commission: float = 0.0
    slippage: float = 0.0
    impact: float = 0.0

    @property
    def total(self) -> float:
        """Sum of every kind."""
        return self.commission + self.slippage + self.impact


@dataclass(slots=True)
class Ledger:
    """Cash and positions of one account over a fixed symbol list.

    ``quantity`` and ``average_cost`` are read-only views: the book changes only through
    :meth:`apply` and :meth:`set_position`. Marks (:meth:`values`, :meth:`equity`,
    :meth:`weights`) are computed once per read-only price array (the feed serves each bar's
    prices as one) and book state, since the cycle, the risk hook and the recorder all mark the
    same book at the same prices.
    """

    symbols: tuple[str, ...]
    cash: float
    quantity: FloatArray = field(init=False)
    average_cost: FloatArray = field(init=False)
    realized_pnl: float = 0.0
    costs: CostTotals = field(default_factory=CostTotals)
    traded_notional: float = 0.0
    closed_trades: list[ClosedTrade] = field(default_factory=list)
    _pos: dict[str, int] = field(init=False, repr=False, compare=False)
    _qty: FloatArray = field(init=False, repr=False, compare=False)
    _avg: FloatArray = field(init=False, repr=False, compare=False)
    _version: int = field(init=False, repr=False, compare=False)
    _mark: tuple[FloatArray, int, FloatArray, float] | None = field(
        init=False, repr=False, compare=False
    )
    _mark_weights: tuple[float, FloatArray] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.symbols)
        self._qty = np.zeros(n)
        self._avg = np.zeros(n)
        self.quantity = _read_only(self._qty.view())
        self.average_cost = _read_only(self._avg.view())
        self._pos = {s: i for i, s in enumerate(self.symbols)}
        self._version = 0
        self._mark = None
        self._mark_weights = None

    @property
    def columns(self) -> Mapping[str, int]:
        """Column of every tracked symbol (read it, do not change it)."""
        return self._pos

    def index_of(self, symbol: str) -> int:
        """Column of ``symbol``; ``KeyError`` for a symbol the ledger does not track."""
        return self._pos[symbol]

    def set_position(self, symbol: str, quantity: float, average_cost: float) -> None:
        """Set a position outright (a book rebuilt from a saved baseline)."""
        i = self._pos[symbol]
        self._qty[i] = quantity
        self._avg[i] = average_cost
        self._version += 1

    def split(self, symbol: str, ratio: float) -> None:
        """Take a stock split of ``symbol``: ``ratio`` new shares per old share (4.0 for a
        4-for-1 split, 0.1 for a 1-for-10 reverse split). The quantity is multiplied by it and
        the average cost divided: the cost basis, cash and realized P&L do not change."""
        if not ratio > 0.0:
            raise ValueError(f"a split ratio must be > 0, was {ratio}")
        i = self._pos[symbol]
        self._qty[i] = self._qty.item(i) * ratio
        self._avg[i] = self._avg.item(i) / ratio
        self._version += 1

    # --- marks ---------------------------------------------------------------------------
    def _marked(self, prices: FloatArray) -> tuple[FloatArray, float]:
        """Position values at ``prices`` and their sum, cached for read-only ``prices``."""
        mark = self._mark
        if mark is not None and mark[0] is prices and mark[1] == self._version:
            return mark[2], mark[3]
        v: FloatArray = self._qty * prices
        v[self._qty == 0] = 0.0
        total = float(np.add.reduce(v))  # v.sum() without its Python wrapper
        if not prices.flags.writeable:
            self._mark = (prices, self._version, _read_only(v), total)
            self._mark_weights = None
        return v, total

    def values(self, prices: FloatArray) -> FloatArray:
        """Value of each position at ``prices`` (a flat one is worth 0 even without a price).

        Read-only when ``prices`` is (the array is then shared by every mark of this bar).
        """
        return self._marked(prices)[0]

    def market_value(self, prices: FloatArray) -> float:
        """Value of all positions at ``prices``."""
        return self._marked(prices)[1]

    def equity(self, prices: FloatArray) -> float:
        """Cash plus the market value of positions at ``prices``."""
        return self.cash + self._marked(prices)[1]

    def weights(self, prices: FloatArray) -> FloatArray:
        """Position values as fractions of equity (read-only when ``prices`` is)."""
        v, total = self._marked(prices)
        cached = self._mark_weights
        shared = self._mark is not None and self._mark[2] is v
        if shared and cached is not None and cached[0] == self.cash:
            return cached[1]
        eq = self.cash + total
        w: FloatArray = v / eq if eq > 0 else np.zeros_like(v)
        if shared:
            self._mark_weights = (self.cash, _read_only(w))
        return w

    # --- fills ---------------------------------------------------------------------------
    def apply(self, fill: Fill) -> None:
        """Book ``fill``: cash, shares, average cost, realized P&L and costs."""
        i = self._pos[fill.symbol]
        notional, cost = fill.quantity * fill.price, fill.commission + fill.slippage + fill.impact
        new_qty, new_avg, cash_delta, pnl = _booked(
            fill, self._qty.item(i), self._avg.item(i), notional, cost
        )
        if pnl is not None:
            self.realized_pnl += pnl
            self.closed_trades.append(
                ClosedTrade(fill.symbol, fill.ts, fill.quantity, self._avg.item(i), fill.price, pnl)
            )
        self._qty[i], self._avg[i] = new_qty, new_avg
        self.cash += cash_delta
        self.traded_notional += notional
        totals = self.costs
        totals.commission += fill.commission
        totals.slippage += fill.slippage
        totals.impact += fill.impact
        self._version += 1

    def apply_all(self, fills: Sequence[Fill]) -> None:
        """Book several fills in order, as :meth:`apply` books each, in one loop over plain
        floats (a rebalance of a large universe books hundreds at once)."""
        if len(fills) < 2:
            for f in fills:
                self.apply(f)
            return
        qty, avg = self._qty.tolist(), self._avg.tolist()
        pos, closed = self._pos, self.closed_trades
        cash, realized, traded = self.cash, self.realized_pnl, self.traded_notional
        totals = self.costs
        comm_sum, slip_sum, imp_sum = totals.commission, totals.slippage, totals.impact
        for fill in fills:
            i = pos[fill.symbol]
            commission, slippage, impact = fill.commission, fill.slippage, fill.impact
            notional, cost = fill.quantity * fill.price, commission + slippage + impact
            new_qty, new_avg, cash_delta, pnl = _booked(fill, qty[i], avg[i], notional, cost)
            if pnl is not None:
                realized += pnl
                closed.append(
                    ClosedTrade(fill.symbol, fill.ts, fill.quantity, avg[i], fill.price, pnl)
                )
            qty[i], avg[i] = new_qty, new_avg
            cash += cash_delta
            traded += notional
            comm_sum += commission
            slip_sum += slippage
            imp_sum += impact
        self._qty[:] = qty
        self._avg[:] = avg
        self.cash, self.realized_pnl, self.traded_notional = cash, realized, traded
        totals.commission, totals.slippage, totals.impact = comm_sum, slip_sum, imp_sum
        self._version += 1

    def apply_batch(self, batch: FillBatch) -> None:
        """Book a :class:`~tradewind.domain.batches.FillBatch` as :meth:`apply_all` books its
        fills, to the last bit, in one vector step.

        Each symbol appears at most once in a batch, so every position changes once, from its
        state before the batch, by the arithmetic of :func:`_booked`; the running sums (cash,
        realized P&L, traded value and costs) add the rows one after another, in order, as
        the loop does (``np.add.accumulate`` adds term by term, never pairwise). A batch that
        repeats a symbol is booked by :meth:`apply_all`.

        The batch keeps what its booking did (a :class:`Booking`): the simulated broker's
        account and the engine's book both book every fill batch, from the same state, so the
        second book takes the first one's result when the state it reads is the same, bit for
        bit (the arithmetic then gives that very result), and books it itself otherwise. The
        closed trades are then the same objects in both books.
        """
        n = len(batch)
        col = batch.column
        columns = col.tolist()
        if n < 2 or len(set(columns)) != n:
            self.apply_all(batch.fills())
            return
        held, avg = self._qty[col], self._avg[col]
        before = self._state(held, avg)
        done = batch.booking()
        if isinstance(done, Booking) and done.before == before:
            self._take(col, done)
            batch.keep_booking(None)  # taken once: the batch (kept by the recorder) lets it go
        elif n <= SMALL_BATCH:
            batch.keep_booking(self._book_rows(batch, columns, held, avg, before))
        else:
            batch.keep_booking(self._book_columns(batch, held, avg, before))

    def _state(self, held: FloatArray, avg: FloatArray) -> bytes:
        """What booking a batch on these columns reads (see :class:`Booking`), as bytes."""
        t = self.costs
        sums = _SUMS.pack(
            self.cash, self.realized_pnl, self.traded_notional, t.commission, t.slippage, t.impact
        )
        return held.tobytes() + avg.tobytes() + sums

    def _take(self, col: IntArray, done: Booking) -> None:
        """Reach the end state of ``done`` (this book is in the state it started from)."""
        self._qty[col] = done.quantity
        self._avg[col] = done.average_cost
        self.closed_trades.extend(done.closed)
        self._set_sums(done.sums)

    def _set_sums(self, sums: tuple[float, float, float, float, float, float]) -> None:
        """Set the running sums (the order of :attr:`Booking.sums`); the book has changed."""
        totals = self.costs
        self.cash, self.realized_pnl, self.traded_notional = sums[:3]
        totals.commission, totals.slippage, totals.impact = sums[3:]
        self._version += 1

    def _book_columns(
        self, batch: FillBatch, held: FloatArray, avg: FloatArray, before: bytes
    ) -> Booking:
        """:meth:`apply_batch` of a large batch, on arrays."""
        n, col = len(batch), batch.column
        q, p, buy = batch.quantity, batch.price, batch.buy
        notional = q * p
        cost = batch.commission + batch.slippage + batch.impact
        grown = held + q
        with np.errstate(divide="ignore", invalid="ignore"):
            bought_avg = np.where(grown > 0, (avg * held + notional + cost) / grown, 0.0)
        left = held - q
        flat = ~buy & (np.abs(left) <= 1e-9 * np.maximum(1.0, np.abs(held)))
        new_qty = np.where(buy, grown, np.where(flat, 0.0, left))
        new_avg = np.where(buy, bought_avg, np.where(flat, 0.0, avg))
        sums = np.empty((n + 1, 5))
        totals = self.costs
        sums[0] = (
            self.cash,
            self.traded_notional,
            totals.commission,
            totals.slippage,
            totals.impact,
        )
        sums[1:, 0] = np.where(buy, -notional - cost, notional - cost)
        sums[1:, 1] = notional
        sums[1:, 2] = batch.commission
        sums[1:, 3] = batch.slippage
        sums[1:, 4] = batch.impact
        cash, traded, commission, slippage, impact = np.add.accumulate(sums)[-1].tolist()
        realized = self.realized_pnl
        closed: list[ClosedTrade] = []
        sells = np.flatnonzero(~buy)
        if sells.size:
            pnl = (p[sells] - avg[sells]) * q[sells] - cost[sells]
            names, ts = batch.universe, batch.ts
            for j, qk, a, pk, gain in zip(
                col[sells].tolist(),
                q[sells].tolist(),
                avg[sells].tolist(),
                p[sells].tolist(),
                pnl.tolist(),
                strict=True,
            ):
                realized += gain
                closed.append(ClosedTrade(names[j], ts, qk, a, pk, gain))
        end = (cash, realized, traded, commission, slippage, impact)
        done = Booking(before, new_qty, new_avg, end, closed)
        self._take(col, done)
        return done

    def _book_rows(
        self, batch: FillBatch, columns: list[int], held: FloatArray, avg: FloatArray, before: bytes
    ) -> Booking:
        """:meth:`apply_batch` of a small batch: the arithmetic of :func:`_booked`, row by row
        on plain floats (cheaper than array operations for a few rows)."""
        names, ts = batch.universe, batch.ts
        cash, realized, traded = self.cash, self.realized_pnl, self.traded_notional
        totals = self.costs
        comm_sum, slip_sum, imp_sum = totals.commission, totals.slippage, totals.impact
        new_qty: list[float] = []
        new_avg: list[float] = []
        closed: list[ClosedTrade] = []
        for j, buy, q, p, commission, slippage, impact, h, a in zip(
            columns,
            batch.buy.tolist(),
            batch.quantity.tolist(),
            batch.price.tolist(),
            batch.commission.tolist(),
            batch.slippage.tolist(),
            batch.impact.tolist(),
            held.tolist(),
            avg.tolist(),
            strict=True,
        ):
            notional, cost = q * p, commission + slippage + impact
            if buy:
                grown = h + q
                new_qty.append(grown)
                new_avg.append((a * h + notional + cost) / grown if grown > 0 else 0.0)
                cash += -notional - cost
            else:
                pnl = (p - a) * q - cost
                realized += pnl
                closed.append(ClosedTrade(names[j], ts, q, a, p, pnl))
                left = h - q
                flat = abs(left) <= 1e-9 * max(1.0, abs(h))
                new_qty.append(0.0 if flat else left)
                new_avg.append(0.0 if flat else a)
                cash += notional - cost
            traded += notional
            comm_sum += commission
            slip_sum += slippage
            imp_sum += impact
        done = Booking(
            before, new_qty, new_avg, (cash, realized, traded, comm_sum, slip_sum, imp_sum), closed
        )
        self._take(batch.column, done)
        return done


def _booked(
    fill: Fill, held: float, avg: float, notional: float, cost: float
) -> tuple[float, float, float, float | None]:
    """One fill against a position of ``held`` shares at average cost ``avg``: the new
    quantity, the new average cost, the change of cash and, for a sell, the realized P&L.

    A buy's costs go into its cost basis; a sell closes its shares against the average cost,
    net of its own costs, and a position left within 1e-9 of zero is flat.
    """
    q = fill.quantity
    if fill.side is Side.BUY:
        new_qty = held + q
        basis = avg * held + notional + cost
        return new_qty, basis / new_qty if new_qty > 0 else 0.0, -notional - cost, None
    pnl = (fill.price - avg) * q - cost
    new_qty = held - q
    if abs(new_qty) <= 1e-9 * max(1.0, abs(held)):
        return 0.0, 0.0, notional - cost, pnl
    return new_qty, avg, notional - cost, pnl


def _read_only(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a
