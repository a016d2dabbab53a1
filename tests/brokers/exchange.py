"""A tiny exchange shared by the fake broker servers: orders, fills, positions, cash, faults.

The fake servers (``fake_alpaca_broker.py``, ``fake_webull_broker.py``) translate their broker's
wire format to and from this model; the tests steer it (prices, partial fills, rejections, a
closed market, the next replies' faults) and read it (how many orders really arrived).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


def now() -> datetime:
    """Wall-clock UTC (the fake's timestamps)."""
    return datetime.now(UTC)


@dataclass
class FakeOrder:
    """One order at the fake exchange (internal statuses: open, partial, filled, canceled,
    rejected)."""

    cid: str
    oid: str
    symbol: str
    side: str  # "buy" | "sell"
    qty: float
    order_type: str = "market"
    limit: float | None = None
    status: str = "open"
    filled: float = 0.0
    avg: float = 0.0
    fees: float = 0.0
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    pending: float = 0.0  # quantity that fills at the next tick (partial fills)


@dataclass
class CashEntry:
    """Cash the exchange booked to the account with no order (a dividend, interest, a deposit):
    Alpaca's non-trade activity (``activity_type`` ``DIV``, ``INT``, ``CSD``...)."""

    activity_id: str
    activity_type: str
    amount: float
    created: datetime
    on: str
    symbol: str | None = None
    qty: float | None = None
    per_share: float | None = None


class Rejected(Exception):  # noqa: N818
    """The exchange refuses the order (reason in the message)."""


class Duplicate(Exception):  # noqa: N818
    """The client order id is already used."""


class Closed(Exception):  # noqa: N818
    """The market is closed."""


@dataclass
class Fault:
    """What the next matching request meets: ``429`` (with ``retry_after``), ``500``,
    ``malformed`` (200 with a body the client cannot read), ``slow`` (the request takes effect,
    the reply comes after ``delay`` s), ``hook`` (the request takes effect, ``hook()`` runs,
    then the reply)."""

    kind: str
    method: str | None = None
    path: str | None = None
    retry_after: float = 1.0
    delay: float = 0.0
    hook: Callable[[], None] | None = None
    skip: int = 0
    """Matching requests to let through before this one."""


class Exchange:
    """The state behind a fake broker (thread-safe: the servers are threaded)."""

    def __init__(
        self,
        prices: dict[str, float],
        cash: float = 100_000.0,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.clock = clock
        """The exchange's time (a test may share a fake clock with the service)."""
        self.lock = threading.RLock()
        self.prices = dict(prices)
        self.cash = cash
        self.positions: dict[str, float] = {}
        self.orders: dict[str, FakeOrder] = {}
        self.market_open = True
        self.closed_policy = "queue"  # queue (rests until the open) | refuse
        self.fill_mode = "full"  # full | partial | none
        self.partial_fraction = 0.4
        self.reject_next: str | None = None
        self.fee_per_order = 0.0
        self.regulatory_fees: Callable[[str, float, float], float] | None = None
        """Fees taken from the cash at each fill and never shown on the order (side, quantity,
        price -> dollars), as Alpaca deducts the SEC fee, FINRA's TAF and the CAT fee: "Alpaca's
        trading system keeps track of the accrued FEE amounts intraday and deducts the pending
        amounts from account balances" (https://docs.alpaca.markets/docs/regulatory-fees)."""
        self.regulatory_taken = 0.0
        self.activities: list[CashEntry] = []
        """Cash entries booked without a fill (dividends, interest, deposits), oldest first."""
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.order_posts = 0
        """Order placements that reached the exchange (duplicates included)."""
        self.posts_by_cid: dict[str, int] = {}

    # --- faults ----------------------------------------------------------------------------
    def fail_next(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` requests that match it."""
        with self.lock:
            self.faults.extend([fault] * times)

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first queued fault matching this request (removed), or None."""
        with self.lock:
            self.requests.append((method, path))
            for i, f in enumerate(self.faults):
                if (f.method is None or f.method == method) and (
                    f.path is None or path.startswith(f.path)
                ):
                    if f.skip > 0:
                        f.skip -= 1
                        return None
                    return self.faults.pop(i)
            return None

    # --- cash without orders --------------------------------------------------------------
    def credit(
        self,
        activity_type: str,
        amount: float,
        symbol: str | None = None,
        *,
        on: str | None = None,
        per_share: float | None = None,
    ) -> CashEntry:
        """Book ``amount`` to the cash as a live broker does a dividend (``DIV``, ``amount``
        of ``per_share`` on the shares held of ``symbol``), interest (``INT``) or a deposit
        (``CSD``): the cash moves, no order or fill explains it, and an entry is listed."""
        with self.lock:
            t = self.clock()
            stamp = t.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
            entry = CashEntry(
                f"{stamp}::{uuid.uuid4()}",
                activity_type,
                amount,
                t,
                on or t.date().isoformat(),
                symbol,
                self.positions.get(symbol, 0.0) if symbol else None,
                per_share,
            )
            self.cash += amount
            self.activities.append(entry)
            return entry

    def dividend(self, symbol: str, per_share: float, *, shares: float | None = None) -> CashEntry:
        """Pay ``per_share`` on the shares of ``symbol`` held now, or on ``shares`` (those held
        on the record date, when it is paid later), rounded to the cent."""
        with self.lock:
            held = self.positions.get(symbol, 0.0) if shares is None else shares
            return self.credit("DIV", round(held * per_share, 2), symbol, per_share=per_share)

    # --- corporate actions ----------------------------------------------------------------
    def split(self, symbol: str, ratio: float) -> None:
        """A ``ratio``-for-1 split of ``symbol`` (``0.25``: 1-for-4), as the broker applies it
        before the ex-date's open: the shares held are multiplied and the price divided, with
        no order, fill or cash entry (https://docs.alpaca.markets/docs/corporate-actions: the
        position's quantity and cost basis per share are adjusted on the ex-date)."""
        with self.lock:
            if symbol in self.positions:
                self.positions[symbol] *= ratio
            if symbol in self.prices:
                self.prices[symbol] /= ratio

    # --- orders ----------------------------------------------------------------------------
    def submit(
        self, cid: str, symbol: str, side: str, qty: float, order_type: str, limit: float | None
    ) -> FakeOrder:
        """Take an order (filled now, partly now, or resting, by ``fill_mode``)."""
        with self.lock:
            self.order_posts += 1
            self.posts_by_cid[cid] = self.posts_by_cid.get(cid, 0) + 1
            if cid in self.orders:
                raise Duplicate(cid)
            t = self.clock()
            order = FakeOrder(
                cid, str(uuid.uuid4()), symbol, side, qty, order_type, limit, created=t, updated=t
            )
            if self.reject_next is not None:
                reason, self.reject_next = self.reject_next, None
                order.status = "rejected"
                self.orders[cid] = order
                raise Rejected(reason)
            if symbol not in self.prices:
                raise Rejected(f"asset {symbol} not found")
            if not self.market_open and self.closed_policy == "refuse":
                raise Closed("market is closed")
            self.orders[cid] = order
            if not self.market_open or not self._marketable(order):
                return order
            if self.fill_mode == "full":
                self._execute(order, qty)
            elif self.fill_mode == "partial":
                first = float(int(qty * self.partial_fraction)) or qty
                self._execute(order, first)
                order.pending = qty - first
            return order

    def tick(self) -> None:
        """Fill what partial orders still owe (and resting orders in ``full`` mode)."""
        with self.lock:
            for order in self.orders.values():
                if (
                    order.status in ("open", "partial")
                    and self.market_open
                    and self._marketable(order)
                ):
                    rest = order.pending or (order.qty - order.filled)
                    if rest > 0 and (order.pending or self.fill_mode == "full"):
                        order.pending = 0.0
                        self._execute(order, rest)

    def cancel(self, cid: str) -> FakeOrder | None:
        """Cancel an open order (None: unknown); a final order is left as it is."""
        with self.lock:
            order = self.orders.get(cid)
            if order is not None and order.status in ("open", "partial"):
                order.status = "canceled"
                order.pending = 0.0
                order.updated = self.clock()
            return order

    def open_orders(self) -> list[FakeOrder]:
        """Orders that can still fill."""
        with self.lock:
            return [o for o in self.orders.values() if o.status in ("open", "partial")]

    def _marketable(self, order: FakeOrder) -> bool:
        """A limit order fills only at its price or better."""
        if order.limit is None:
            return True
        price = self.prices[order.symbol]
        return price <= order.limit if order.side == "buy" else price >= order.limit

    def _execute(self, order: FakeOrder, qty: float) -> None:
        price = self.prices[order.symbol]
        sign = 1.0 if order.side == "buy" else -1.0
        total = order.filled + qty
        order.avg = (order.avg * order.filled + price * qty) / total
        order.filled = total
        order.status = "filled" if total >= order.qty - 1e-9 else "partial"
        order.updated = self.clock() + timedelta(microseconds=len(self.requests))
        fee = self.fee_per_order if order.status == "filled" else 0.0
        order.fees += fee
        self.cash -= sign * qty * price + fee
        if self.regulatory_fees is not None:
            taken = self.regulatory_fees(order.side, qty, price)
            self.cash -= taken
            self.regulatory_taken += taken
        held = self.positions.get(order.symbol, 0.0) + sign * qty
        if abs(held) < 1e-12:
            self.positions.pop(order.symbol, None)
        else:
            self.positions[order.symbol] = held

    def bought(self) -> float:
        """The value of every buy filled so far (USD)."""
        with self.lock:
            return sum(o.filled * o.avg for o in self.orders.values() if o.side == "buy")

    def snapshot(self) -> dict[str, Any]:
        """Orders, positions and cash (for assertions)."""
        with self.lock:
            return {
                "orders": {c: (o.status, o.filled) for c, o in self.orders.items()},
                "positions": dict(self.positions),
                "cash": self.cash,
            }
