"""The simulated broker's fill of a batch of market orders at the close, on columns.

A rebalance's leading market orders that fill in full at this bar's close are priced, checked
and booked as one :class:`~tradewind.domain.batches.FillBatch`, each exactly as
:meth:`SimulatedBroker.submit <tradewind.brokers.sim.SimulatedBroker.submit>` would fill it
alone (``tests/engine/test_sim_batch.py`` and ``test_sim_rows.py`` hold this to the last bit).
A batch of up to ``SMALL_BATCH`` orders is checked row by row on Python floats, a larger one
on arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.brokers.sim_actions import SimActions
from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.batches import FillBatch, OrderBatch
from tradewind.domain.costs import CostEstimator
from tradewind.domain.ledger import SMALL_BATCH, Ledger
from tradewind.domain.orders import ClientOrderId, Order
from tradewind.engine.feed import MarketFeed
from tradewind.rebalance.market_stats import window_stats

VOL_WINDOW = 20
"""Bars used for the daily volatility and average volume fed to the impact model."""


def window_volatility(closes: FloatArray) -> float | None:
    """Daily volatility of a window of closes: the sample standard deviation of the log returns
    of its finite closes (None with 2 returns or fewer)."""
    rets = np.diff(np.log(closes[np.isfinite(closes)]))
    return float(np.std(rets, ddof=1)) if len(rets) > 2 else None


def _first_false(ok: BoolArray) -> int:
    """Index of the first False of ``ok`` (its length when all are True)."""
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else len(ok)


class BatchFills:
    """The fill of a batch at the close, a base of
    :class:`~tradewind.brokers.sim.SimulatedBroker`: it reads and books through the broker's
    attributes declared below."""

    feed: MarketFeed
    prices: MarketFeed
    ledger: Ledger
    cost_model: CostEstimator
    fill_price: str
    fractional: bool
    partial_fill_prob: float
    reject_prob: float
    use_impact_inputs: bool
    _orders: dict[ClientOrderId, Order]
    _batched: dict[ClientOrderId, int]
    _batches: list[tuple[OrderBatch, FillBatch]]
    _stamp: tuple[pd.Timestamp, datetime] | None
    actions: SimActions

    def _fill_columns(self, orders: OrderBatch) -> FillBatch | None:
        """Fill and book, on columns, the leading ``orders`` that fill in full at this close
        (each as :meth:`submit` would fill it); None (nothing booked) when fewer than two do."""
        n = len(orders)
        if self.fill_price != "close" or self.partial_fill_prob or self.reject_prob:
            return None
        trades = orders.trades
        universe = trades.universe
        if (
            n < 2
            or self.feed.row < 0
            or not (universe is self.ledger.symbols or universe == self.ledger.symbols)
        ):
            return None
        if n <= SMALL_BATCH:
            return self._fill_rows(orders)
        col, buy, want = trades.column, trades.buy, trades.quantity
        price = self.prices.current("close")[col]
        ok = np.isfinite(price) & (price > 0)  # a comparison with NaN is False, no warning
        if not self.fractional:
            ok &= np.abs(want - np.round(want)) <= 1e-9  # refused: a fractional quantity
        held = self.ledger.quantity[col]
        ok &= buy | (want <= held + 1e-9)  # refused: a sell of more than the position
        qty = np.where(buy, want, np.minimum(want, np.maximum(held, 0.0)))
        ok &= buy | (qty > 0)
        stop = min(_first_false(ok), self._new_prefix(orders.ids, col.tolist()))
        if stop < 2:
            return None
        names = trades.universe
        col, buy, qty, price = col[:stop], buy[:stop], qty[:stop], price[:stop]
        commission, slippage, impact = self._column_costs(names, col, buy, qty, price)
        notional = qty * price
        cost = commission + slippage + impact
        cash = np.empty(stop + 1)
        cash[0] = self.ledger.cash
        cash[1:] = np.where(buy, -notional - cost, notional - cost)
        before = np.add.accumulate(cash)[:-1]  # the cash before each fill, added in order
        short = buy & ((before < 0.0) | (notional + cost > before + 1e-9))
        paid = _first_false(~short)
        return self._book(orders, paid, col, buy, qty, price, commission, slippage, impact)

    def _fill_rows(self, orders: OrderBatch) -> FillBatch | None:
        """:meth:`_fill_columns` of a few orders: the same checks and arithmetic, row by row
        on Python floats (a rebalance of a small universe pays more for array operations on
        a few rows than for the rows themselves; ``tests/engine/test_sim_rows.py`` compares
        both with one :meth:`submit` per order)."""
        trades = orders.trades
        col = trades.column
        cols, buys = col.tolist(), trades.buy.tolist()
        price_all = self.prices.current("close")[col]
        prices = price_all.tolist()
        k = self._new_prefix(orders.ids, cols)
        whole, inf = not self.fractional, math.inf
        qtys: list[float] = []
        for b, w, p, h in zip(
            buys[:k],
            trades.quantity.tolist()[:k],
            prices[:k],
            self.ledger.quantity[col].tolist()[:k],
            strict=True,
        ):
            if not 0.0 < p < inf:  # no price at this close
                break
            if whole and not (math.isfinite(w) and abs(w - round(w)) <= 1e-9):
                break  # refused: a fractional quantity
            if not b:
                if not w <= h + 1e-9:
                    break  # refused: a sell of more than the position
                w = min(w, max(h, 0.0))
                if not w > 0:
                    break
            qtys.append(w)
        stop = len(qtys)
        if stop < 2:
            return None
        col, buy, price = col[:stop], trades.buy[:stop], price_all[:stop]
        qty = np.array(qtys)
        commission, slippage, impact = self._column_costs(trades.universe, col, buy, qty, price)
        paid = self._paid(buys[:stop], qtys, prices[:stop], commission, slippage, impact)
        return self._book(orders, paid, col, buy, qty, price, commission, slippage, impact)

    def _new_prefix(self, ids: Sequence[ClientOrderId], columns: list[int]) -> int:
        """How many leading orders have ids never seen (before, or earlier in the batch) and
        symbols not repeated: an id seen before goes one by one, a repeated symbol ends the
        batch before its second order."""
        n, known, batched = len(ids), self._orders, self._batched
        if (
            len(set(columns)) == n
            and len(set(ids)) == n
            and known.keys().isdisjoint(ids)
            and batched.keys().isdisjoint(ids)
        ):
            return n  # the common case, checked without a loop
        seen_ids: set[str] = set()
        seen_cols: set[int] = set()
        for k, (cid, j) in enumerate(zip(ids, columns, strict=True)):
            if cid in known or cid in batched or cid in seen_ids or j in seen_cols:
                return k
            seen_ids.add(cid)
            seen_cols.add(j)
        return n

    def _paid(
        self,
        buys: list[bool],
        qtys: list[float],
        prices: list[float],
        commission: FloatArray,
        slippage: FloatArray,
        impact: FloatArray,
    ) -> int:
        """How many leading fills the cash pays for, each buy checked against the cash left
        after the fills before it (the arithmetic of :meth:`_fill_columns`, row by row)."""
        cash = self.ledger.cash
        for k, (b, q, p, c, s, i) in enumerate(
            zip(
                buys,
                qtys,
                prices,
                commission.tolist(),
                slippage.tolist(),
                impact.tolist(),
                strict=True,
            )
        ):
            notional, cost = q * p, c + s + i
            if b:
                if cash < 0.0 or notional + cost > cash + 1e-9:
                    return k
                cash += -notional - cost
            else:
                cash += notional - cost
        return len(buys)

    def _book(
        self,
        orders: OrderBatch,
        paid: int,
        col: IntArray,
        buy: BoolArray,
        qty: FloatArray,
        price: FloatArray,
        commission: FloatArray,
        slippage: FloatArray,
        impact: FloatArray,
    ) -> FillBatch | None:
        """Book the fills of the ``paid`` leading orders (the columns may run longer), at this
        close, as one batch; None (nothing booked) when fewer than two are paid for."""
        if paid < 2:
            return None
        if paid < len(col):
            col, buy, qty, price = col[:paid], buy[:paid], qty[:paid], price[:paid]
            commission, slippage, impact = commission[:paid], slippage[:paid], impact[:paid]
        ids = orders.ids[: len(col)]
        ts = self._datetime(self.feed.now)
        fills = FillBatch(
            orders.trades.universe, ids, col, buy, qty, price, commission, slippage, impact, ts
        )
        self.ledger.apply_batch(fills)
        # one entry per order: the batch's place (an int, no tuple per order for the
        # collector to track over a long run)
        self._batched.update(dict.fromkeys(ids, len(self._batches)))
        self._batches.append((orders, fills))
        return fills

    def _column_costs(
        self,
        names: tuple[str, ...],
        col: IntArray,
        buy: BoolArray,
        qty: FloatArray,
        price: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Commission, slippage and impact of each fill, as :meth:`_costs` prices them (the
        market statistics of all columns at once: the same figures to the last bit)."""
        if not self.use_impact_inputs:
            commission, slippage, impact, _ = self.cost_model.costs_many(qty, price)
            return commission, slippage, impact
        closes = self.feed.window(VOL_WINDOW + 1)[:, col]
        vol, adv = window_stats(closes, self._volumes(VOL_WINDOW)[:, col])
        # a column with a gap (or a price that is not positive): _costs joins the finite closes
        # around it, window_stats drops the returns that touch it; take _costs' figure there
        with np.errstate(invalid="ignore"):
            gaps = ~(np.isfinite(closes) & (closes > 0.0)).all(axis=0)
        for k in np.flatnonzero(gaps).tolist():
            v = window_volatility(closes[:, k])
            vol[k] = np.nan if v is None else v
        commission, slippage, impact, _ = self.cost_model.costs_many(qty, price, vol, adv)
        return commission, slippage, impact

    def _volumes(self, rows: int) -> FloatArray:
        """The last ``rows`` bars' volumes, every column, in shares as traded now: the adjusted
        feed's (backtests, replays), or the traded bars' with the splits since each bar
        (a wall-clock run: the same figures when the journal is replayed after a later split,
        which re-adjusts the feed's volumes)."""
        if self.prices is self.feed:
            return self.feed.window(rows, "volume")
        raw = self.prices.window(rows, "volume")
        return self.actions.shares_as_of(
            raw, self.prices.times(rows), self.feed.symbols, self._datetime(self.prices.now)
        )

    def _datetime(self, now: pd.Timestamp) -> datetime:
        """``now`` as a datetime (converted once per bar: every event and fill carries it)."""
        stamp = self._stamp
        if stamp is None or stamp[0] is not now:
            stamp = self._stamp = (now, now.to_pydatetime())
        return stamp[1]
