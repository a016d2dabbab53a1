"""The order manager: persisted before the broker sees an order, looked up by id before any
retry, never sent twice, partial fills recorded and delivered once, recovery of stored orders."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tradewind.brokers.sim import SimulatedBroker
from tradewind.domain import (
    ClientOrderId,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Side,
    Symbol,
)
from tradewind.domain.errors import HaltActive, OrderRejected, TransientBrokerError
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.execution.costs import CostModel
from tradewind.orders.manager import OrderManager
from tradewind.orders.retry import RetryPolicy
from tradewind.store import Store

T0 = pd.Timestamp("2024-01-02 21:00", tz="UTC")


def _feed(n: int = 6) -> MarketFeed:
    idx = pd.date_range(T0, periods=n, freq="D", name="timestamp")
    frames = {}
    for k, sym in enumerate(("AAA", "BBB")):
        close = 100.0 + 10 * k + np.arange(n, dtype=float)
        frames[sym] = pd.DataFrame(
            {
                "open": close - 0.5,
                "high": close + 1,
                "low": close - 1,
                "close": close,
                "volume": np.full(n, 1e6),
            },
            index=idx,
        )
    return MarketFeed(BarSet(frames))


class Flaky:
    """A broker that fails on command, around a real simulated broker."""

    name = "flaky"

    def __init__(self, inner: SimulatedBroker) -> None:
        self.inner = inner
        self.submits: list[str] = []
        self.before: list[Exception] = []  # raised before the broker sees the order
        self.after: list[Exception] = []  # raised after the broker accepted it
        self.lookup_errors = 0

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        self.submits.append(request.client_order_id)
        if self.before:
            raise self.before.pop(0)
        events = self.inner.submit(request)
        if self.after:
            raise self.after.pop(0)
        return events

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        return self.inner.process(now)

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        return self.inner.cancel(client_order_id)

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        if self.lookup_errors:
            self.lookup_errors -= 1
            raise TransientBrokerError("lookup timed out")
        return self.inner.lookup(client_order_id)

    def open_orders(self) -> list[Order]:
        return self.inner.open_orders()

    def positions(self) -> Mapping[str, float]:
        return self.inner.positions()

    def cash(self) -> float:
        return self.inner.cash()


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store("sqlite://", mode="simulated")
    yield s
    s.close()


def _setup(store: Store, **sim: object) -> tuple[OrderManager, Flaky, int]:
    feed = _feed()
    feed.advance(T0)
    broker = Flaky(SimulatedBroker(feed, CostModel(), 1e5, **sim))  # type: ignore[arg-type]
    run = store.start_run(
        name="t",
        started_at=datetime(2024, 1, 1, tzinfo=UTC),
        symbols=["AAA", "BBB"],
        initial_cash=1e5,
    )
    om = OrderManager(
        broker,
        store,
        run,
        now=lambda: T0.to_pydatetime(),
        retry=RetryPolicy(3, (0.0,)),
        sleep=lambda _s: None,
    )
    return om, broker, run


def _req(cid: str, qty: float = 10.0, side: Side = Side.BUY) -> OrderRequest:
    return OrderRequest(ClientOrderId(cid), Symbol("AAA"), side, qty, T0.to_pydatetime())


def test_the_order_is_committed_before_the_broker_sees_it(store: Store) -> None:
    om, broker, _ = _setup(store)
    seen: list[tuple[OrderStatus, datetime | None]] = []
    real = broker.inner.submit

    def spy(request: OrderRequest) -> list[OrderEvent]:
        stored = store.order_by_client_id(request.client_order_id)
        assert stored is not None
        seen.append((stored.status, stored.submitted_at))
        return real(request)

    broker.inner.submit = spy  # type: ignore[method-assign]
    events = om.submit(_req("a1"))
    assert seen == [(OrderStatus.PENDING_NEW, T0.to_pydatetime())]
    assert [e.status for e in events] == [OrderStatus.NEW, OrderStatus.FILLED]
    stored = store.order_by_client_id("a1")
    assert stored is not None and stored.status is OrderStatus.FILLED
    assert len(store.fills(client_order_id="a1")) == 1


def test_timeout_after_acceptance_is_found_by_id_and_not_resubmitted(store: Store) -> None:
    om, broker, _ = _setup(store)
    broker.after.append(TransientBrokerError("read timed out"))
    events = om.submit(_req("a1"))
    assert broker.submits == ["a1"]  # sent once
    assert [e.fill is not None for e in events].count(True) == 1  # the fill reaches the engine
    assert store.order_by_client_id("a1").status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert [a.kind for a in om.alerts] == ["order_found_after_error"]


def test_timeout_before_acceptance_is_sent_again_with_the_same_id(store: Store) -> None:
    om, broker, _ = _setup(store)
    broker.before.append(TransientBrokerError("connect timed out"))
    broker.lookup_errors = 1  # and the lookup fails once too: still no blind resubmission
    om.submit(_req("a1"))
    assert broker.submits == ["a1", "a1"]  # the first never arrived
    assert len(broker.inner.open_orders()) == 0
    assert store.order_by_client_id("a1").status is OrderStatus.FILLED  # type: ignore[union-attr]


def test_no_answer_at_all_marks_the_order_unknown_then_reconciliation_settles_it(
    store: Store,
) -> None:
    om, broker, _ = _setup(store)
    broker.before.extend(TransientBrokerError("down") for _ in range(3))
    with pytest.raises(TransientBrokerError, match="marked unknown"):
        om.submit(_req("a1"))
    assert store.order_by_client_id("a1").status is OrderStatus.UNKNOWN  # type: ignore[union-attr]
    result = om.reconcile_orders()
    assert result.abandoned == ["a1"]  # the broker never had it
    assert store.order_by_client_id("a1").status is OrderStatus.CANCELED  # type: ignore[union-attr]


def test_a_rejection_is_recorded_and_raised(store: Store) -> None:
    om, broker, _ = _setup(store)
    broker.before.append(OrderRejected("buying power"))
    with pytest.raises(OrderRejected):
        om.submit(_req("a1"))
    stored = store.order_by_client_id("a1")
    assert stored is not None and stored.status is OrderStatus.REJECTED
    assert "buying power" in stored.message


def test_partial_fills_are_recorded_and_delivered_once(store: Store) -> None:
    om, broker, _ = _setup(store, partial_fill_prob=1.0, seed=3)
    first = om.submit(_req("a1", 100.0))
    filled = [e.fill.quantity for e in first if e.fill is not None]
    assert len(filled) == 1 and 0 < filled[0] < 100
    broker.inner.feed.advance(T0 + timedelta(days=1))
    later = om.process(T0 + timedelta(days=1))
    assert [e.fill is not None for e in later] == [True]
    stored = store.order_by_client_id("a1")
    assert stored is not None
    total = sum(f.quantity for f in store.fills(client_order_id="a1"))
    assert stored.filled_quantity == pytest.approx(total)
    # the same events again (a broker re-reporting) are recorded and delivered once
    for e in first + later:
        assert not store.apply_order_event("a1", e).fill_recorded


def test_a_stored_order_asked_again_is_adopted_from_the_broker_never_resent(
    store: Store,
) -> None:
    om, broker, run = _setup(store)
    om.submit(_req("a1"))
    fresh = OrderManager(broker, store, run, now=lambda: T0.to_pydatetime())  # a restart
    again = fresh.submit(_req("a1"))
    assert broker.submits == ["a1"]
    assert again == []  # the fill was recorded and booked the first time


def test_a_stored_order_the_broker_never_received_is_sent_in_its_cycle(store: Store) -> None:
    om, broker, run = _setup(store)
    store.add_order(run, _req("a1"))  # persisted, then the process died
    fresh = OrderManager(broker, store, run, now=lambda: T0.to_pydatetime())
    fresh.load_pending([], T0.to_pydatetime())
    assert fresh.reconcile_orders(T0.to_pydatetime()).abandoned == []  # its cycle runs again
    events = fresh.submit(_req("a1"))
    assert broker.submits == ["a1"]
    assert any(e.fill is not None for e in events)


def test_a_leftover_from_an_older_cycle_is_abandoned(store: Store) -> None:
    om, broker, run = _setup(store)
    store.add_order(run, _req("a1"))
    result = om.reconcile_orders(rerun_tick=(T0 + timedelta(days=1)).to_pydatetime())
    assert result.abandoned == ["a1"]
    assert broker.submits == []


def test_fills_the_store_missed_are_recorded_by_reconciliation(store: Store) -> None:
    om, broker, run = _setup(store)
    store.add_order(run, _req("a1"))
    broker.inner.submit(_req("a1"))  # the broker filled it; the answer was lost
    result = om.reconcile_orders()
    assert result.repaired == ["a1"]
    assert [a.kind for a in om.alerts] == ["order_repaired"]  # recorded and alerted
    assert store.order_by_client_id("a1").status is OrderStatus.FILLED  # type: ignore[union-attr]
    owed = om.process(T0)  # the engine books it at its next process call
    assert [e.fill.quantity for e in owed if e.fill] == [10.0]


def test_an_order_only_the_broker_knows_is_unexplained(store: Store) -> None:
    om, broker, _ = _setup(store, fill_price="next_open")
    broker.inner.submit(_req("manual-1"))  # placed in the broker's app, resting
    result = om.reconcile_orders()
    assert result.unexplained == [
        "the broker has an open order manual-1 that tradewind never placed"
    ]


def test_a_buy_while_a_halt_binds_the_run_is_refused_and_never_stored(store: Store) -> None:
    # Arrange: a position bought, then a halt latched after the engine decided (by another
    # process or a person): the order manager is given the run's halt check.
    halt: list[str] = []
    om, broker, _ = _setup(store)
    om = OrderManager(
        broker,
        store,
        om.run_id,
        now=lambda: T0.to_pydatetime(),
        retry=RetryPolicy(3, (0.0,)),
        sleep=lambda _s: None,
        halted=lambda: halt[0] if halt else None,
    )
    om.submit(_req("b0"))
    halt.append("daily_loss: lost 6%")
    # Act / Assert: a buy is refused with HaltActive (an OrderRejected), never stored or sent
    with pytest.raises(HaltActive, match="halted") as info:
        om.submit(_req("b1"))
    assert isinstance(info.value, OrderRejected)
    assert store.order_by_client_id("b1") is None and broker.submits == ["b0"]
    # ... a sell, which reduces risk, still goes out
    events = om.submit(_req("s1", 5.0, Side.SELL))
    assert any(e.fill is not None for e in events) and broker.submits == ["b0", "s1"]


def test_submit_all_is_one_submit_per_order_with_refusals_in_place(store: Store) -> None:
    om, broker, _ = _setup(store)
    broker.before.extend([TransientBrokerError("a"), TransientBrokerError("b")])  # a1 retried
    broker.before.append(OrderRejected("buying power"))  # ...then the retry of a1 is rejected
    outcomes = om.submit_all([_req("a1"), _req("a2")])
    assert isinstance(outcomes[0], OrderRejected) and isinstance(outcomes[1], list)
    assert broker.submits == ["a1", "a1", "a1", "a2"]
