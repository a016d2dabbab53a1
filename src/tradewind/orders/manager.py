"""The order manager: persist-then-act in front of any broker, with recovery by client order id.

:class:`OrderManager` wraps a broker and implements the engine's ``Broker`` protocol itself, so
the cycle does not change between backtests (no manager) and the trading service (manager in
front of the simulator, Webull or Alpaca). For every order:

1. ``store.add_order`` commits the request with its deterministic ``client_order_id``
   (status ``pending_new``) and ``mark_submitted`` records the hand-over, **before** the broker
   sees anything;
2. the broker is called; every event it returns is applied to the store (status change, fill and
   audit row in one transaction each) before the engine gets it;
3. a timeout or network error is never answered by a blind resubmission: the order is looked up
   by its client order id first, adopted if the broker has it, and only then sent again, with
   the same id (brokers refuse a repeated id, so even that cannot duplicate); after the last
   attempt it is marked ``unknown`` and settled by the next reconciliation;
4. an order already in the store (the cycle is running again after a crash or an abandoned
   attempt) is looked up, never resubmitted when the broker has it: the broker's state is
   adopted, fills the store missed are recorded, and the engine receives exactly the fills it
   has not booked yet. An order persisted but never received by the broker is submitted then,
   in its own cycle; a leftover from an older cycle is abandoned (``canceled``, recorded).

The engine books only fills the store recorded: a fill reported twice (a replayed event, a
reconciliation that found it first) is recorded once and delivered once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from tradewind.domain.errors import (
    DuplicateOrderError,
    HaltActive,
    OrderRejected,
    TransientBrokerError,
)
from tradewind.domain.orders import (
    ClientOrderId,
    Fill,
    IllegalTransition,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Side,
    default_fill_key,
)
from tradewind.engine.protocols import SubmitOutcome, submit_each
from tradewind.orders.retry import RetryPolicy

if TYPE_CHECKING:
    from tradewind.domain.orders import ApplyResult, StoredOrder
    from tradewind.engine.protocols import Broker

log = logging.getLogger(__name__)

NEVER_SENT = "never reached the broker (stopped between persisting and submitting); abandoned"


class OrderStore(Protocol):
    """What the order manager needs from :class:`tradewind.store.Store`."""

    def add_order(self, run_id: int, request: OrderRequest) -> StoredOrder:
        """Persist a new order (``DuplicateOrderError`` if its id is stored)."""
        ...

    def mark_submitted(self, client_order_id: str, ts: datetime) -> None:
        """Record the hand-over to the broker."""
        ...

    def apply_order_event(
        self, client_order_id: str, event: OrderEvent, *, fill_key: str | None = None
    ) -> ApplyResult:
        """Apply a broker event idempotently."""
        ...

    def order_by_client_id(self, client_order_id: str) -> StoredOrder | None:
        """A stored order by client id."""
        ...

    def order_by_broker_id(self, broker_order_id: str) -> StoredOrder | None:
        """A stored order by broker id."""
        ...

    def load_order(self, client_order_id: str) -> Order | None:
        """A stored order with its fills."""
        ...

    def open_orders(self, run_id: int | None = None) -> list[StoredOrder]:
        """Orders not in a terminal state."""
        ...


@dataclass(frozen=True)
class OrderAlert:
    """Something about an order worth an event (and, for warnings and worse, an alert)."""

    kind: str
    message: str
    severity: str = "info"
    client_order_id: str = ""


@dataclass
class OrderReconciliation:
    """What :meth:`OrderManager.reconcile_orders` found and did."""

    repaired: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)


class OrderManager:
    """Persist-then-act order handling in front of ``broker`` (see the module docstring).

    Parameters
    ----------
    broker
        The broker adapter.
    store
        Where orders, events and fills are committed.
    run_id
        The run new orders belong to.
    now
        The service's clock (time of hand-over and of repair events).
    retry
        Attempts and waits after transient broker errors on submit.
    sleep
        Waits between attempts (injected so tests and replays do not sleep).
    fault
        Crash-test hook called with a point name at each step of the protocol.
    on_fill
        Called with every fill the store newly records (the service's view of the account).
    order_scope
        Run whose open orders reconciliation checks (None: every run sharing the account).
    """

    def __init__(
        self,
        broker: Broker,
        store: OrderStore,
        run_id: int,
        *,
        now: Callable[[], datetime],
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        fault: Callable[[str], None] | None = None,
        on_fill: Callable[[Fill], None] | None = None,
        order_scope: int | None = None,
        halted: Callable[[], str | None] | None = None,
    ) -> None:
        self.broker = broker
        self.name = broker.name
        self.store = store
        self.run_id = run_id
        self._now = now
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._fault = fault or (lambda _point: None)
        self._on_fill = on_fill or (lambda _fill: None)
        self.order_scope = order_scope
        self._halted = halted or (lambda: None)
        self.alerts: list[OrderAlert] = []
        self.unexplained: list[str] = []
        self._pending: list[Fill] = []
        self._held: set[str] = set()
        self._held_tick: datetime | None = None

    # --- recovery ------------------------------------------------------------------------
    def load_pending(self, fills: Sequence[Fill], rerun_tick: datetime | None) -> None:
        """Fills recorded but not booked by the engine yet (recording order), and the tick
        that runs next: fills of its orders wait until the cycle asks for those orders again.
        """
        self._pending = list(fills)
        self._held_tick = rerun_tick
        self._held = set()
        for f in self._pending:
            if self._created_at_tick(f.client_order_id):
                self._held.add(f.client_order_id)

    def end_cycle(self) -> None:
        """Close the re-run window: fills the cycle did not ask for again go out next cycle."""
        for cid in sorted(self._held):
            if any(f.client_order_id == cid for f in self._pending):
                self._alert(
                    "order_not_rerun",
                    f"{cid}: the cycle ran again without asking for this stored order (data or "
                    "config changed since the interruption?); its fills are booked next cycle",
                    "warning",
                    cid,
                )
        self._held = set()
        self._held_tick = None

    def reconcile_orders(
        self, rerun_tick: datetime | None = None, *, ignore: Collection[str] = ()
    ) -> OrderReconciliation:
        """Compare every open stored order, and every open broker order, with the broker.

        Missing fills and status changes are recorded (the engine books the fills at its next
        ``process``); orders that never reached the broker are abandoned unless they belong to
        ``rerun_tick``; anything else that does not match is listed as unexplained. Broker
        orders in ``ignore`` (adopted as not ours) are left alone.
        """
        result = OrderReconciliation()
        for stored in self.store.open_orders(self.order_scope):
            cid = stored.client_order_id
            found = self.broker.lookup(ClientOrderId(cid))
            if found is not None:
                if _differs(stored, found):
                    self._adopt(cid, found, deliver=False)
                    result.repaired.append(cid)
                    self._alert(
                        "order_repaired",
                        f"{cid}: the store had it {stored.status.value} with "
                        f"{stored.filled_quantity:g} filled, the broker {found.status.value} "
                        f"with {found.filled_quantity:g}; recorded from the broker",
                        "warning",
                        cid,
                    )
                continue
            if stored.status in (OrderStatus.PENDING_NEW, OrderStatus.UNKNOWN):
                if rerun_tick is not None and stored.request.created_at == rerun_tick:
                    continue
                self._apply(cid, OrderEvent(OrderStatus.CANCELED, self._now(), message=NEVER_SENT))
                self._alert("order_abandoned", f"{cid}: {NEVER_SENT}", "warning", cid)
                result.abandoned.append(cid)
                continue
            result.unexplained.append(
                f"order {cid} is {stored.status.value} in the store but unknown to the broker"
            )
        still_open = {o.client_order_id for o in self.store.open_orders(self.order_scope)}
        for order in self.broker.open_orders():
            cid = order.request.client_order_id
            if cid in still_open or cid in ignore:
                continue
            known = self.store.order_by_client_id(cid)
            what = "that tradewind never placed" if known is None else "closed in the store"
            result.unexplained.append(f"the broker has an open order {cid} {what}")
        self.unexplained.extend(result.unexplained)
        return result

    # --- Broker protocol -----------------------------------------------------------------
    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        """One :meth:`submit` per request, in order (each order is persisted before the next)."""
        return submit_each(self, requests)

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Persist ``request``, then send it; a stored id is recovered, never sent twice.

        Raises
        ------
        HaltActive
            A new buy while a latched halt binds the run (latched since the engine decided, by
            another process or a person): it is neither stored nor sent.
        """
        cid = request.client_order_id
        existing = self.store.order_by_client_id(cid)
        if existing is not None:
            return self._again(request, existing)
        if request.side is Side.BUY:
            halt = self._halted()
            if halt is not None:
                raise HaltActive(f"{cid}: buy not sent, trading is halted ({halt})")
        try:
            self.store.add_order(self.run_id, request)
        except DuplicateOrderError as exc:
            return self._again(request, exc.existing)
        self._fault("after_persist")
        return self._send(request)

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        """Fills owed to the engine, then the broker's new events, each recorded first."""
        out = [_fill_event(f) for f in self._take(lambda f: f.client_order_id not in self._held)]
        for event in self.broker.process(now):
            cid = self._cid_of(event)
            if cid is None:
                msg = f"the broker reported an event for an unknown order: {event}"
                self.unexplained.append(msg)
                self._alert("order_unknown", msg, "critical")
                continue
            out.extend(self._record(cid, [event]))
        return out

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        """Cancel at the broker and record the outcome."""
        event = self.broker.cancel(client_order_id)
        if event is not None:
            self._record(client_order_id, [event])
        return event

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        """The broker's view of an order."""
        return self.broker.lookup(client_order_id)

    def open_orders(self) -> list[Order]:
        """The broker's open orders."""
        return self.broker.open_orders()

    def positions(self) -> Mapping[str, float]:
        """The broker's positions."""
        return self.broker.positions()

    def cash(self) -> float:
        """The broker's cash."""
        return self.broker.cash()

    def cancel_open(self, reason: str) -> list[str]:
        """Cancel every order tradewind placed that is still open at the broker (stale orders
        at session end); orders someone else placed on the account are left alone."""
        canceled: list[str] = []
        for order in self.broker.open_orders():
            cid = order.request.client_order_id
            if self.store.order_by_client_id(cid) is None:  # not ours (a real account)
                continue
            if self.cancel(cid) is not None:
                canceled.append(cid)
                self._alert("order_canceled", f"{cid}: canceled ({reason})", "info", cid)
        return canceled

    # --- steps ---------------------------------------------------------------------------
    def _send(self, request: OrderRequest) -> list[OrderEvent]:
        cid = request.client_order_id
        self.store.mark_submitted(cid, self._now())
        self._fault("after_mark")
        last: Exception | None = None
        for attempt in range(max(self.retry.attempts, 1)):
            try:
                events = self.broker.submit(request)
            except TransientBrokerError as exc:
                last = exc
                found = self._lookup_quietly(cid)
                if found is not None:
                    self._alert(
                        "order_found_after_error",
                        f"{cid}: {exc}; found at the broker by client order id, not resubmitted",
                        "warning",
                        cid,
                    )
                    return self._adopt(cid, found, deliver=True)
                if attempt + 1 < self.retry.attempts:
                    self._sleep(self.retry.delay(attempt))
                continue
            except OrderRejected as exc:
                found = self._lookup_quietly(cid)
                if found is not None:  # a repeated id: the first submission arrived
                    return self._adopt(cid, found, deliver=True)
                self._apply(cid, OrderEvent(OrderStatus.REJECTED, self._now(), message=str(exc)))
                self._alert("order_rejected", f"{cid}: {exc}", "warning", cid)
                raise
            self._fault("after_submit")
            return self._record(cid, events)
        message = (
            f"no answer from the broker after {self.retry.attempts} attempt(s) ({last}); marked "
            "unknown, settled by client order id at the next reconciliation"
        )
        self._apply(cid, OrderEvent(OrderStatus.UNKNOWN, self._now(), message=message))
        self._alert("order_unknown", f"{cid}: {message}", "warning", cid)
        raise TransientBrokerError(f"{cid}: {message}")

    def _again(self, request: OrderRequest, existing: StoredOrder) -> list[OrderEvent]:
        """The cycle asks for an order the store already has (a re-run)."""
        cid = request.client_order_id
        if _request_differs(existing.request, request):
            self._alert(
                "order_rerun_differs",
                f"{cid}: asked again with {request.side.value} {request.quantity:g} "
                f"{request.symbol}, stored as {existing.request.side.value} "
                f"{existing.request.quantity:g} {existing.request.symbol}; the stored order "
                "stands (never sent twice)",
                "warning",
                cid,
            )
        found = self.broker.lookup(cid)
        if found is not None:
            events = self._adopt(cid, found, deliver=True)
            if found.status is OrderStatus.REJECTED and not events:
                events = [OrderEvent(OrderStatus.REJECTED, self._now(), message=found.message)]
            return events
        if existing.status in (OrderStatus.PENDING_NEW, OrderStatus.UNKNOWN):
            if not _request_differs(existing.request, request):
                log.info("%s: persisted before an interruption, never sent; sending now", cid)
                return self._send(request)
            return []
        if existing.status.is_terminal:
            return [_fill_event(f) for f in self._take(lambda f: f.client_order_id == cid)]
        msg = f"order {cid} is {existing.status.value} in the store but unknown to the broker"
        self.unexplained.append(msg)
        self._alert("order_conflict", msg, "critical", cid)
        return []

    def _adopt(self, cid: str, found: Order, *, deliver: bool) -> list[OrderEvent]:
        """Record what the broker knows about ``cid`` and the store does not."""
        stored = self.store.load_order(cid)
        if stored is None:  # pragma: no cover - callers looked it up
            return []
        known = {default_fill_key(f) for f in stored.fills}
        events: list[OrderEvent] = []
        bid = found.broker_order_id
        if stored.status is OrderStatus.PENDING_NEW and found.status is not OrderStatus.REJECTED:
            events.append(OrderEvent(OrderStatus.NEW, self._now(), broker_order_id=bid))
        filled = stored.filled_quantity
        for f in found.fills:
            if default_fill_key(f) in known:
                continue
            filled += f.quantity
            done = found.status is OrderStatus.FILLED and filled >= stored.request.quantity - 1e-9
            status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
            events.append(OrderEvent(status, f.ts, fill=f, broker_order_id=bid))
        last = events[-1].status if events else stored.status
        if found.status not in (last, OrderStatus.PENDING_NEW):
            events.append(OrderEvent(found.status, self._now(), broker_order_id=bid))
        recorded = self._record(cid, events, record_only=not deliver)
        if not deliver:
            if self._created_at_tick(cid):
                self._held.add(cid)
            return []
        owed = [_fill_event(f) for f in self._take(lambda f: f.client_order_id == cid)]
        return owed + recorded

    def _record(
        self, cid: str, events: Sequence[OrderEvent], *, record_only: bool = False
    ) -> list[OrderEvent]:
        """Apply each event to the store; return those the engine must see (new fills and
        status changes). With ``record_only`` new fills are queued for the next delivery."""
        out: list[OrderEvent] = []
        for event in events:
            if event.fill is not None:
                self._fault("after_fill")
            result = self._apply(cid, event)
            if result is None:
                continue
            if event.fill is not None:
                if not result.fill_recorded:
                    continue
                self._on_fill(event.fill)
                if record_only:
                    self._pending.append(event.fill)
                    continue
                out.append(event)
            elif result.applied and not record_only:
                out.append(event)
        self._fault("after_record")
        return out

    def _apply(self, cid: str, event: OrderEvent) -> ApplyResult | None:
        try:
            return self.store.apply_order_event(cid, event)
        except IllegalTransition as exc:
            msg = f"{cid}: broker event {event.status.value} conflicts with the store ({exc})"
            self.unexplained.append(msg)
            self._alert("order_conflict", msg, "critical", cid)
            return None

    # --- helpers -------------------------------------------------------------------------
    def _take(self, wanted: Callable[[Fill], bool]) -> list[Fill]:
        taken = [f for f in self._pending if wanted(f)]
        if taken:
            self._pending = [f for f in self._pending if not wanted(f)]
        return taken

    def _created_at_tick(self, cid: str) -> bool:
        if self._held_tick is None:
            return False
        stored = self.store.order_by_client_id(cid)
        return stored is not None and stored.request.created_at == self._held_tick

    def _cid_of(self, event: OrderEvent) -> str | None:
        if event.fill is not None:
            return event.fill.client_order_id
        if event.broker_order_id:
            stored = self.store.order_by_broker_id(event.broker_order_id)
            return stored.client_order_id if stored is not None else None
        return None

    def _lookup_quietly(self, cid: ClientOrderId) -> Order | None:
        try:
            return self.broker.lookup(cid)
        except TransientBrokerError as exc:
            log.warning("%s: lookup by client order id failed too (%s)", cid, exc)
            return None

    def _alert(self, kind: str, message: str, severity: str, cid: str = "") -> None:
        log.log(logging.WARNING if severity != "info" else logging.INFO, message)
        self.alerts.append(OrderAlert(kind, message, severity, cid))


def _fill_event(f: Fill) -> OrderEvent:
    return OrderEvent(OrderStatus.PARTIALLY_FILLED, f.ts, fill=f)


def _differs(stored: StoredOrder, found: Order) -> bool:
    return (
        stored.status is not found.status
        or abs(stored.filled_quantity - found.filled_quantity) > 1e-9
    )


def _request_differs(a: OrderRequest, b: OrderRequest) -> bool:
    return (
        a.symbol != b.symbol
        or a.side is not b.side
        or abs(a.quantity - b.quantity) > 1e-9 * max(1.0, abs(a.quantity))
        or a.order_type is not b.order_type
        or a.limit_price != b.limit_price
    )
