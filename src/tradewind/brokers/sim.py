"""The built-in simulated broker: fills against the engine's feed with the configured costs.

Market orders fill at this bar's close (``fill_price="close"``) or rest until the next bar and
fill at its open (``"next_open"``), read from ``prices`` (the bars as traded on a wall-clock
run; the feed itself otherwise). Limit orders fill when the bar trades through the limit, at
the better of the limit and the bar's open. Costs come from the injected cost model and are paid
in cash on top of ``quantity x price`` (the fill price itself is the reference price, so the
cost breakdown stays visible). Splits and dividends the data lists are applied to the account
as a real broker applies them (:mod:`tradewind.brokers.sim_actions`). Optional seeded partial
fills and rejections exercise the engine's order handling in tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.brokers.sim_actions import SimActions
from tradewind.brokers.sim_batch import VOL_WINDOW, BatchFills, window_volatility
from tradewind.domain.actions import CorporateAction
from tradewind.domain.batches import FillBatch, OrderBatch, TradeBatch
from tradewind.domain.cash import CashActivity
from tradewind.domain.costs import CostBreakdown, CostEstimator
from tradewind.domain.errors import OrderRejected
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import (
    ClientOrderId,
    Fill,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from tradewind.domain.types import Symbol
from tradewind.engine.columnar import BatchOutcome
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import SubmitOutcome, submit_each

MARKET = OrderType.MARKET


class SimulatedBroker(BatchFills):
    """A broker that fills orders against a :class:`MarketFeed`.

    Parameters
    ----------
    feed
        The engine's feed; the broker reads the current bar only.
    costs
        Cost model for commission, slippage and impact.
    initial_cash
        Starting cash in USD.
    fill_price
        ``"close"`` (fill at the submitting bar's close) or ``"next_open"``.
    fractional
        Accept fractional quantities; otherwise they are rejected.
    partial_fill_prob, reject_prob
        Probabilities of a partial fill / a rejection per order (seeded; tests only).
    use_impact_inputs
        Feed recent volatility and volume to the cost model (off for speed when impact is off).
    prices
        The bars orders fill at, on the feed's timeline: the bars as traded (raw) when the feed
        is adjusted; None: the feed's own (backtests, replays). Volatility and volume for the
        cost model still come from ``feed``.
    actions
        Splits and dividends to apply to the account when its clock reaches them
        (:mod:`tradewind.brokers.sim_actions`); empty for adjusted-history runs.
    """

    name = "simulated"

    def __init__(
        self,
        feed: MarketFeed,
        costs: CostEstimator,
        initial_cash: float,
        *,
        fill_price: str = "close",
        fractional: bool = True,
        partial_fill_prob: float = 0.0,
        reject_prob: float = 0.0,
        seed: int = 0,
        use_impact_inputs: bool = True,
        prices: MarketFeed | None = None,
        actions: Sequence[CorporateAction] = (),
    ) -> None:
        if fill_price not in ("close", "next_open"):
            raise ValueError(f"fill_price must be 'close' or 'next_open', was {fill_price!r}")
        self.feed = feed
        self.prices = feed if prices is None else prices
        self.actions = SimActions(actions)
        self.cost_model = costs
        self.ledger = Ledger(feed.symbols, initial_cash)
        self.fill_price = fill_price
        self.fractional = fractional
        self.partial_fill_prob = partial_fill_prob
        self.reject_prob = reject_prob
        self.use_impact_inputs = use_impact_inputs
        self._rng = np.random.default_rng(seed)
        self._orders: dict[ClientOrderId, Order] = {}
        self._batched: dict[ClientOrderId, int] = {}
        """Orders :meth:`submit_batch` filled at once, by their batch's place in ``_batches``:
        their :class:`Order` is built on read."""
        self._batches: list[tuple[OrderBatch, FillBatch]] = []
        self._open: dict[ClientOrderId, Order] = {}
        self._submitted_row: dict[ClientOrderId, int] = {}
        self._pending: list[OrderEvent] = []
        self._bar_key: tuple[int, str] | None = None
        self._bar_values: list[float] = []
        self._symbols = frozenset(feed.symbols)
        self._stamp: tuple[pd.Timestamp, datetime] | None = None

    # --- Broker protocol -----------------------------------------------------------------
    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Accept (or reject) ``request``; fill it now when filling at the close."""
        cid = request.client_order_id
        if cid in self._orders or cid in self._batched:
            raise OrderRejected(f"duplicate client_order_id {cid}")
        order = Order(request)
        self._orders[cid] = order
        self._submitted_row[cid] = self.feed.row
        now = self.feed.now
        reason = self._refusal(request)
        if reason:
            return [self._event(order, OrderStatus.REJECTED, now, message=reason)]
        events = [self._event(order, OrderStatus.NEW, now)]
        if self.fill_price == "close" or request.order_type is OrderType.LIMIT:
            events.extend(self._try_fill(order, now, at_open=False))
        return events

    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        """:meth:`submit` of each request in order; a request :meth:`submit` would refuse by
        raising comes back as that refusal instead (the ``Broker`` contract).

        The events, fills and book are those of one :meth:`submit` per request, to the last bit
        (a test holds this). The leading market orders of this cycle go through
        :meth:`submit_batch` (those that fill in full at this close are booked as one batch);
        the first request that is not one (a limit, an unknown symbol, another time) and every
        request after it go one by one through :meth:`submit`.
        """
        k = self._market_prefix(requests)
        if k < 2:
            return submit_each(self, requests)
        outcome = self.submit_batch(self._order_batch(requests[:k]))
        out: list[SubmitOutcome] = []
        if outcome.filled is not None:
            out.extend(self._filled_events(outcome.filled))
        out.extend(outcome.rest)
        out.extend(submit_each(self, requests[k:]))
        return out

    def submit_batch(self, orders: OrderBatch) -> BatchOutcome:
        """:meth:`submit_all` of ``orders.requests()``, on columns: the leading orders that
        fill in full at this close (the conditions of :meth:`submit_all`) are priced, checked
        and booked as one :class:`~tradewind.domain.batches.FillBatch`, their orders built
        only when :meth:`lookup` reads them; the rest go one by one through :meth:`submit`.
        Events, fills, orders and book are those of :meth:`submit_all`, to the last bit."""
        filled = self._fill_columns(orders)
        k = len(filled) if filled is not None else 0
        rest = [orders.request(j) for j in range(k, len(orders))]
        return BatchOutcome(filled, submit_each(self, rest))

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        """Apply the actions due by ``now``, fill resting orders on the current bar; return
        every event since the last call."""
        if self.prices is not self.feed:  # the engine moved the feed
            self.prices.advance(now)
        if self.actions.pending:
            self.apply_actions(now)
        events, self._pending = self._pending, []
        if not self._open:
            return events  # the common bar: nothing rests
        for cid, order in list(self._open.items()):
            if self._submitted_row[cid] >= self.feed.row:
                continue
            events.extend(self._try_fill(order, now, at_open=True))
        return events

    def advance(self, t: pd.Timestamp) -> int:
        """Move the broker's clock to ``t``: its feed (and the traded prices) to the last bar
        stamped at or before ``t``, then the actions due by ``t`` applied. Returns how many
        actions changed the account (the journal records such a move)."""
        self.feed.advance(t)
        if self.prices is not self.feed:
            self.prices.advance(t)
        return self.apply_actions(t) if self.actions.pending else 0

    def catch_up(self, now: pd.Timestamp) -> int:
        """Apply the splits and dividends due by ``now`` before anything else is asked of the
        account, as a broker has applied them before the session opens
        (:mod:`tradewind.brokers.activities`); how many changed the account. The clock never
        moves back."""
        if not self.actions.pending or (self.feed.row >= 0 and now < self.feed.now):
            return 0
        return self.advance(now)

    def apply_actions(self, now: pd.Timestamp) -> int:
        """Apply the splits and dividends due by ``now`` (each once); how many changed the
        account. Orders a split cancels report their events through :meth:`process`."""
        return self.actions.apply(self.ledger, self._datetime(now), self._cancel_symbol)

    def cash_activities(self, after: datetime) -> list[CashActivity]:
        """The dividends credited after ``after`` (UTC), oldest first, with stable ids (the
        :class:`~tradewind.brokers.activities.CashActivitySource` capability)."""
        return self.actions.activities(after)

    def idle(self) -> bool:
        """True when no order rests and no event waits: :meth:`process` has nothing to do
        until the next submit (the engine's fast-forward over quiet bars asks this)."""
        return not self._open and not self._pending

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        """Cancel an open order."""
        order = self._orders.get(client_order_id)  # a batched order is filled: final
        if order is None or order.status.is_terminal:
            return None
        return self._event(order, OrderStatus.CANCELED, self.feed.now)

    def _cancel_symbol(self, symbol: str, reason: str) -> int:
        """Cancel every open order of ``symbol`` (a split), the events kept for
        :meth:`process`; how many were canceled."""
        mine = [o for o in self._open.values() if o.request.symbol == symbol]
        now = self.feed.now
        for order in mine:
            self._pending.append(self._event(order, OrderStatus.CANCELED, now, message=reason))
        return len(mine)

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        """The broker's record of an order."""
        order = self._orders.get(client_order_id)
        if order is None and client_order_id in self._batched:
            order = self._orders[client_order_id] = self._batched_order(client_order_id)
        return order

    def open_orders(self) -> list[Order]:
        """Orders not yet final."""
        return list(self._open.values())

    def positions(self) -> Mapping[str, float]:
        """Non-zero positions."""
        q = self.ledger.quantity
        return {s: float(q[i]) for i, s in enumerate(self.ledger.symbols) if q[i] != 0}

    def cash(self) -> float:
        """Cash balance."""
        return self.ledger.cash

    def _batched_order(self, cid: ClientOrderId) -> Order:
        """The :class:`Order` a batched fill left (the state :meth:`Order.apply` reaches from
        ``new`` and its one fill)."""
        orders, fills = self._batches[self._batched[cid]]
        k = fills.ids.index(cid)
        fill = fills.fill(k)  # the fills are the leading orders: row k of both
        q, p = fill.quantity, fill.price
        return Order(
            orders.request(k), OrderStatus.FILLED, q, (0.0 + q * p) / q, f"SIM-{cid}", "", [fill]
        )

    def _market_prefix(self, requests: Sequence[OrderRequest]) -> int:
        """How many leading ``requests`` an :class:`OrderBatch` can carry: market orders of
        known symbols, made at the first one's time."""
        column, first = self.ledger.columns, requests[0].created_at if requests else None
        for k, r in enumerate(requests):
            if r.order_type is not MARKET or r.limit_price is not None:
                return k
            if r.symbol not in column or r.created_at != first:
                return k
        return len(requests)

    def _order_batch(self, requests: Sequence[OrderRequest]) -> OrderBatch:
        """``requests`` (see :meth:`_market_prefix`) as an order batch over the ledger's
        symbols; its rows read back as these very requests."""
        column, n = self.ledger.columns, len(requests)
        f = np.zeros(n)
        trades = TradeBatch(
            self.ledger.symbols,
            np.array([column[r.symbol] for r in requests], dtype=np.int64),
            np.array([r.side is Side.BUY for r in requests], dtype=bool),
            np.array([r.quantity for r in requests], dtype=float),
            f, f, f, f,
            np.zeros(n, dtype=bool),
            tuple(r.reason for r in requests),
        )  # fmt: skip
        return OrderBatch(trades, [r.client_order_id for r in requests], requests[0].created_at)

    @staticmethod
    def _filled_events(fills: FillBatch) -> list[list[OrderEvent]]:
        """Each batched order's events: ``new``, then ``filled`` with its one fill."""
        new, filled = OrderStatus.NEW, OrderStatus.FILLED
        return [
            [OrderEvent(new, f.ts, None, f"SIM-{f.client_order_id}"),
             OrderEvent(filled, f.ts, f, f"SIM-{f.client_order_id}")]
            for f in fills.fills()
        ]  # fmt: skip

    # --- internals -----------------------------------------------------------------------
    def _refusal(self, request: OrderRequest) -> str:
        if request.symbol not in self._symbols:
            return f"unknown symbol {request.symbol}"
        if not self.fractional and abs(request.quantity - round(request.quantity)) > 1e-9:
            return f"fractional quantity {request.quantity} not allowed"
        if self.reject_prob and self._rng.random() < self.reject_prob:
            return "rejected by the simulator (test fault injection)"
        if request.side is Side.SELL:
            held = self.ledger.quantity.item(self.ledger.index_of(request.symbol))
            if request.quantity > held + 1e-9:
                return f"sell of {request.quantity} exceeds position {held} (no shorting)"
        return ""

    def _try_fill(self, order: Order, now: pd.Timestamp, *, at_open: bool) -> list[OrderEvent]:
        req = order.request
        i = self.ledger.index_of(req.symbol)
        price = self._bar("open" if at_open else "close")[i]  # from self.prices
        if not math.isfinite(price) or price <= 0:
            return []  # no trade on this bar (halted or missing): the order keeps resting
        if req.order_type is OrderType.LIMIT:
            limit = float(req.limit_price or 0.0)  # OrderRequest guarantees a positive limit
            bar = self.prices
            low, high = float(bar.current("low")[i]), float(bar.current("high")[i])
            if req.side is Side.BUY and low > limit:
                return []
            if req.side is Side.SELL and high < limit:
                return []
            price = min(price, limit) if req.side is Side.BUY else max(price, limit)
        qty = left = order.remaining
        partial = self.partial_fill_prob and self._rng.random() < self.partial_fill_prob
        if partial:
            qty = qty * float(self._rng.uniform(0.3, 0.9))
            if not self.fractional:
                qty = float(np.floor(qty))
            if qty <= 0:
                return []
        available, costs = self._available(req, qty, price, i)
        short_of_cash = available < qty - 1e-9
        qty = available
        if qty <= 0:
            final = OrderStatus.CANCELED if order.filled_quantity else OrderStatus.REJECTED
            what = "insufficient cash" if req.side is Side.BUY else "nothing left to sell"
            return [self._event(order, final, now, message=what)]
        fill = self._fill(req, qty, price, now, i, costs)
        done = left - qty <= 1e-9
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        self.ledger.apply(fill)
        events = [self._event(order, status, now, fill=fill)]
        if short_of_cash and not done:  # never wait for cash (buys) or shares (sells)
            what = "cash" if req.side is Side.BUY else "shares held"
            message = f"rest of the order canceled: insufficient {what} ({order.remaining:g} left)"
            events.append(self._event(order, OrderStatus.CANCELED, now, message=message))
        return events

    def _available(
        self, req: OrderRequest, qty: float, price: float, i: int
    ) -> tuple[float, CostBreakdown | None]:
        """How much of ``qty`` can fill now: buys within cash, sells within the shares held
        at fill time (long only: a sell never takes a position below zero). For a buy, the
        costs of that quantity come along (they were needed to check the cash)."""
        if req.side is Side.BUY:
            return self._affordable(req.symbol, qty, price, i)
        return min(qty, max(self.ledger.quantity.item(i), 0.0)), None

    def _bar(self, field: str) -> list[float]:
        """The current traded bar's ``field`` for every symbol (read once per bar and field)."""
        key = (self.prices.row, field)
        if self._bar_key != key:
            self._bar_key, self._bar_values = key, self.prices.current(field).tolist()
        return self._bar_values

    def _affordable(
        self, symbol: str, qty: float, price: float, i: int
    ) -> tuple[float, CostBreakdown | None]:
        """Shrink a buy so cash never goes negative after costs (costs may be non-linear)."""
        cash = max(self.ledger.cash, 0.0)
        for _ in range(50):
            costs = self._costs(symbol, Side.BUY, qty, price, i)
            need = qty * price + costs.total
            if need <= cash + 1e-9:
                return qty, costs
            qty *= cash / need * (1.0 - 1e-12)
            if not self.fractional:
                qty = float(np.floor(qty))
            if qty <= 0:
                return 0.0, None
        return 0.0, None

    def _fill(
        self,
        req: OrderRequest,
        qty: float,
        price: float,
        now: pd.Timestamp,
        i: int,
        costs: CostBreakdown | None = None,
    ) -> Fill:
        c = costs if costs is not None else self._costs(req.symbol, req.side, qty, price, i)
        return Fill(
            req.client_order_id,
            Symbol(req.symbol),
            req.side,
            qty,
            price,
            self._datetime(now),
            c.commission,
            c.slippage,
            c.impact,
        )

    def _costs(self, symbol: str, side: Side, qty: float, price: float, i: int) -> CostBreakdown:
        if not self.use_impact_inputs:
            return self.cost_model.costs(symbol, side, qty, price)
        vol = window_volatility(self.feed.window(VOL_WINDOW + 1)[:, i])
        volume = self._volumes(VOL_WINDOW)[:, i]
        volume = volume[np.isfinite(volume)]
        adv = float(volume.mean()) if len(volume) else None
        return self.cost_model.costs(
            symbol, side, qty, price, daily_volatility=vol, average_daily_volume=adv
        )

    def _event(
        self,
        order: Order,
        status: OrderStatus,
        now: pd.Timestamp,
        *,
        fill: Fill | None = None,
        message: str = "",
    ) -> OrderEvent:
        cid = order.request.client_order_id
        broker_id = order.broker_order_id or f"SIM-{cid}"  # set by the order's first event
        event = OrderEvent(status, self._datetime(now), fill, broker_id, message)
        order.apply(event)
        if status.is_terminal:
            self._open.pop(cid, None)
        else:
            self._open[cid] = order
        return event
