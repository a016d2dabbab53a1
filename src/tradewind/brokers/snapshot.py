"""The engine's ``Broker`` protocol on top of any :class:`~tradewind.brokers.wire.BrokerWire`.

Written once for every real broker (Alpaca, Webull's OpenAPI, the Webull app):

* **Fills** come from the broker's cumulative quantities through the
  :class:`~tradewind.brokers.fill_journal.FillJournal`, so the same fill is reported the same
  way every time (by ``process``, by ``lookup`` after a crash, by reconciliation).
* **Events** are the changes since what this object last reported for an order, walked along
  the order state machine (``new``, each fill, then the final status).
* **Which orders are polled**: those submitted or looked up through this object (the order
  manager looks up every stored open order at each reconciliation). Orders placed by someone
  else are never reported as events; reconciliation lists them.
* **A repeated client order id** (the first submission arrived, e.g. after a timeout or a
  crash between the broker's acceptance and its answer) is answered with the existing order,
  never a second one: brokers refuse the repeat, and the refusal is turned into a lookup.
* **Rate limits**: every call goes through :func:`~tradewind.brokers.ratelimit.with_rate_limits`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import pandas as pd

from tradewind.brokers.activities import ActivityWire
from tradewind.brokers.errors import MalformedReply
from tradewind.brokers.fill_journal import QTY_EPS, FillJournal
from tradewind.brokers.ratelimit import RateLimiter, with_rate_limits
from tradewind.brokers.wire import (
    AccountSnapshot,
    BrokerOrder,
    BrokerWire,
    DuplicateClientOrderId,
    MarketClock,
)
from tradewind.domain.cash import CashActivity
from tradewind.domain.orders import (
    TRANSITIONS,
    ClientOrderId,
    Fill,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
)
from tradewind.domain.types import Symbol
from tradewind.engine.protocols import SubmitOutcome, submit_each

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class _Seen:
    """What was last reported for an order: its status and how many fills."""

    status: OrderStatus
    fills: int


_FRESH = _Seen(OrderStatus.PENDING_NEW, 0)


class SnapshotBroker:
    """A real broker behind the engine's ``Broker`` protocol (see the module docstring).

    Parameters
    ----------
    wire
        The broker's API calls.
    journal
        Where derived fills are kept.
    limiter
        The client-side request budget.
    sleep
        Waits after a 429 (injected in tests).
    """

    def __init__(
        self,
        wire: BrokerWire,
        journal: FillJournal,
        limiter: RateLimiter,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.wire = wire
        self.name = wire.name
        self.journal = journal
        self.limiter = limiter
        self._sleep = sleep
        self._seen: dict[str, _Seen] = {}

    # --- Broker protocol -------------------------------------------------------------------
    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        """One :meth:`submit` per request, in order (a real broker takes orders one by one)."""
        return submit_each(self, requests)

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Send ``request``; the events known right away. A repeated id returns the existing
        order's events (the first submission arrived)."""
        cid = request.client_order_id
        try:
            snap = self._call(lambda: self.wire.place(request))
        except DuplicateClientOrderId:
            log.warning("%s: the broker already has this client order id; looked up", cid)
            snap = None
        if snap is None:
            snap = self._call(lambda: self.wire.get(cid))
            if snap is None:
                raise MalformedReply(
                    f"{cid}: the broker acknowledged the order but does not find it by its "
                    "client order id"
                )
        return self._report(snap)

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        """Changes of every order this object follows since it last reported them."""
        if not self._seen:
            return []
        open_now: dict[str, BrokerOrder] = {
            o.client_order_id: o for o in self._call(self.wire.open_orders)
        }
        events: list[OrderEvent] = []
        for cid in sorted(self._seen):
            snap = open_now.get(cid)
            if snap is None:
                snap = self._get(ClientOrderId(cid))
            if snap is None:
                log.warning("%s: followed order no longer found at the broker", cid)
                continue
            events.extend(self._report(snap))
        return events

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        """Ask for a cancel; ``canceled`` when done, ``pending_cancel`` while fills or the
        cancel itself are still to be reported (``process`` reports them), None when the order
        is unknown or already final."""
        cid = client_order_id
        snap = self._call(lambda: self.wire.get(cid))
        if snap is None or snap.status.is_terminal and self._seen.get(cid) is None:
            return None
        prior = self._seen.get(cid, self._baseline(snap))
        if prior.status.is_terminal:
            return None
        self._call(lambda: self.wire.cancel(cid))
        after = self._call(lambda: self.wire.get(cid)) or snap
        fills = self.journal.record(after)
        if after.status is OrderStatus.CANCELED and len(fills) == prior.fills:
            if OrderStatus.CANCELED not in TRANSITIONS[prior.status]:
                return None
            self._seen.pop(cid, None)
            return OrderEvent(
                OrderStatus.CANCELED,
                after.updated_at,
                broker_order_id=after.broker_order_id,
                message=after.message or "canceled",
            )
        if OrderStatus.PENDING_CANCEL not in TRANSITIONS[prior.status]:
            return None
        self._seen[cid] = _Seen(OrderStatus.PENDING_CANCEL, prior.fills)
        return OrderEvent(
            OrderStatus.PENDING_CANCEL, after.updated_at, broker_order_id=after.broker_order_id
        )

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        """The broker's view of an order (state and fills), or None if it never arrived."""
        snap = self._call(lambda: self.wire.get(client_order_id))
        if snap is None:
            return None
        order = _order_of(snap, self.journal.record(snap))
        if not order.status.is_terminal:
            self._seen[client_order_id] = _Seen(order.status, len(order.fills))
        else:
            self._seen.pop(client_order_id, None)
        return order

    def open_orders(self) -> list[Order]:
        """Orders that can still fill, as the broker has them."""
        return [_order_of(s, self.journal.record(s)) for s in self._call(self.wire.open_orders)]

    def positions(self) -> Mapping[str, float]:
        """Shares held per symbol (non-zero only)."""
        return self._call(self.wire.positions)

    def cash(self) -> float:
        """Cash balance in USD."""
        return self._call(self.wire.account).cash

    # --- beyond the protocol (test-broker, start-up) -------------------------------------
    def account(self) -> AccountSnapshot:
        """The broker's account snapshot."""
        return self._call(self.wire.account)

    def clock(self) -> MarketClock:
        """The broker's market clock."""
        return self._call(self.wire.clock)

    def cash_activities(self, after: datetime) -> list[CashActivity] | None:
        """Dividends and interest booked to the cash after ``after``, oldest first; None when
        the broker cannot list them (:mod:`tradewind.brokers.activities`)."""
        wire = self.wire
        if not isinstance(wire, ActivityWire):
            return None
        return self._call(lambda: wire.cash_activities(after))

    def close(self) -> None:
        """Close the fill journal."""
        self.journal.close()

    # --- pieces ----------------------------------------------------------------------------
    def _call(self, call: Callable[[], T]) -> T:
        return with_rate_limits(call, self.limiter, sleep=self._sleep)

    def _get(self, cid: ClientOrderId) -> BrokerOrder | None:
        return self._call(lambda: self.wire.get(cid))

    def _baseline(self, snap: BrokerOrder) -> _Seen:
        return _Seen(snap.status, len(self.journal.fills(snap.client_order_id)))

    def _report(self, snap: BrokerOrder) -> list[OrderEvent]:
        """Events from what was last reported for ``snap``'s order to ``snap``."""
        cid = snap.client_order_id
        prior = self._seen.get(cid, _FRESH)
        fills = self.journal.record(snap)
        events = _events(snap, fills, prior)
        status = events[-1].status if events else prior.status
        if status.is_terminal:
            self._seen.pop(cid, None)
        else:
            self._seen[cid] = _Seen(status, len(fills))
        return events


def _events(snap: BrokerOrder, fills: list[Fill], prior: _Seen) -> list[OrderEvent]:
    """The walk from ``prior`` to ``snap`` along the order state machine."""
    bid = snap.broker_order_id
    events: list[OrderEvent] = []
    status = prior.status
    if status in (OrderStatus.PENDING_NEW, OrderStatus.UNKNOWN) and snap.status not in (
        OrderStatus.REJECTED,
        OrderStatus.PENDING_NEW,
    ):
        events.append(OrderEvent(OrderStatus.NEW, snap.created_at, broker_order_id=bid))
        status = OrderStatus.NEW
    filled = sum(f.quantity for f in fills[: prior.fills])
    new = fills[prior.fills :]
    for i, f in enumerate(new):
        filled += f.quantity
        last = i == len(new) - 1
        complete = filled >= snap.quantity - QTY_EPS * max(1.0, snap.quantity)
        done = last and (snap.status is OrderStatus.FILLED or complete)
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        events.append(OrderEvent(status, f.ts, fill=f, broker_order_id=bid))
    final = snap.status
    if final is not status and final in TRANSITIONS[status] and final is not OrderStatus.UNKNOWN:
        events.append(OrderEvent(final, snap.updated_at, broker_order_id=bid, message=snap.message))
    elif final is OrderStatus.UNKNOWN and status is not OrderStatus.UNKNOWN:
        events.append(
            OrderEvent(
                OrderStatus.UNKNOWN,
                snap.updated_at,
                broker_order_id=bid,
                message=f"the broker reports status {snap.raw_status!r}, which tradewind does "
                "not know; settled by reconciliation",
            )
        )
    return events


def _order_of(snap: BrokerOrder, fills: list[Fill]) -> Order:
    """The domain order for a snapshot (the request as the broker has it, then its events)."""
    request = OrderRequest(
        snap.client_order_id,
        Symbol(snap.symbol),
        snap.side,
        snap.quantity,
        snap.created_at,
        snap.order_type,
        snap.limit_price,
    )
    order = Order(request)
    for event in _events(snap, fills, _FRESH):
        order.apply(event)
    if not order.broker_order_id:
        order.broker_order_id = snap.broker_order_id
    return order
