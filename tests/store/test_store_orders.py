"""Orders: persisted before the broker sees them, changed by each event once, fills counted once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from storekit import T0, at, fill_event, request

from tradewind.domain import (
    ClientOrderId,
    Fill,
    IllegalTransition,
    OrderEvent,
    OrderStatus,
    Side,
    Symbol,
)
from tradewind.domain.errors import DuplicateOrderError
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import default_fill_key
from tradewind.store import Store, UnknownOrderError
from tradewind.store.schema import FillRow, OrderEventRow


def _rows(store: Store) -> tuple[int, int]:
    with store._read() as s:  # noqa: SLF001 - a test looks at raw rows
        fills = s.scalar(select(func.count()).select_from(FillRow)) or 0
        events = s.scalar(select(func.count()).select_from(OrderEventRow)) or 0
        return fills, events


def test_add_order_is_committed_when_it_returns(store: Store, run_id: int, db_url: str) -> None:
    stored = store.add_order(run_id, request("c1"))
    assert stored.status is OrderStatus.PENDING_NEW and stored.submitted_at is None
    with Store(db_url) as other:  # another connection, as a broker callback or a restart would
        seen = other.order_by_client_id("c1")
    assert seen is not None and seen.request == request("c1") and seen.run_id == run_id


def test_a_client_order_id_is_stored_once(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1"))
    with pytest.raises(DuplicateOrderError) as info:
        store.add_order(run_id, request("c1", qty=99.0))
    assert info.value.existing.request.quantity == 10.0
    assert "look it up at the broker" in str(info.value)
    assert len(store.orders()) == 1


def test_events_move_the_order_and_record_fills(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1"))
    store.mark_submitted("c1", at(0.5))
    store.mark_submitted("c1", at(9))  # only the first hand-off counts
    r = store.apply_order_event("c1", OrderEvent(OrderStatus.NEW, at(0.6), broker_order_id="B1"))
    assert (r.status, r.applied, r.fill_recorded) == (OrderStatus.NEW, True, False)
    store.apply_order_event("c1", fill_event("c1", 4.0, 100.0, OrderStatus.PARTIALLY_FILLED))
    store.apply_order_event(
        "c1", fill_event("c1", 6.0, 110.0, OrderStatus.FILLED, minutes=2), fill_key="exec-2"
    )
    order = store.load_order("c1")
    assert order is not None
    assert (order.status, order.filled_quantity, order.broker_order_id) == (
        OrderStatus.FILLED, 10.0, "B1",
    )  # fmt: skip
    assert order.average_price == pytest.approx(106.0)
    assert [f.quantity for f in order.fills] == [4.0, 6.0]
    stored = store.order_by_broker_id("B1")
    assert stored is not None and stored.submitted_at == at(0.5) and not stored.is_open
    assert store.open_orders() == []
    assert _rows(store) == (2, 3)
    last = store.last_trade()
    assert last is not None and last.price == 110.0


def test_replayed_events_change_nothing(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1"))
    new = OrderEvent(OrderStatus.NEW, at(0.5), broker_order_id="B1")
    part = fill_event("c1", 4.0, 100.0, OrderStatus.PARTIALLY_FILLED)
    assert store.apply_order_event("c1", new).applied
    assert store.apply_order_event("c1", part).applied
    before = (store.load_order("c1"), _rows(store))
    for event in (new, part, part, new):
        r = store.apply_order_event("c1", event)
        assert not r.applied and r.status is OrderStatus.PARTIALLY_FILLED
    assert (store.load_order("c1"), _rows(store)) == before


def test_refused_events_write_nothing(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1"))
    store.apply_order_event("c1", OrderEvent(OrderStatus.CANCELED, at(1)))
    before = (store.load_order("c1"), _rows(store))
    with pytest.raises(IllegalTransition):
        store.apply_order_event("c1", fill_event("c1", 1.0, 100.0, OrderStatus.FILLED))
    store.add_order(run_id, request("c2"))
    with pytest.raises(IllegalTransition, match="exceeds remaining"):
        store.apply_order_event("c2", fill_event("c2", 11.0, 100.0, OrderStatus.FILLED))
    with pytest.raises(ValueError, match="does not match order"):
        store.apply_order_event(
            "c2", fill_event("c2", 1.0, 100.0, OrderStatus.FILLED, side=Side.SELL)
        )
    with pytest.raises(ValueError, match="applied to order"):
        store.apply_order_event("c2", fill_event("c1", 1.0, 100.0, OrderStatus.FILLED))
    with pytest.raises(UnknownOrderError, match="'nope'"):
        store.apply_order_event("nope", OrderEvent(OrderStatus.NEW, at(1)))
    assert store.load_order("c1") == before[0] and _rows(store)[0] == before[1][0]
    assert store.order_by_client_id("c2").status is OrderStatus.PENDING_NEW  # type: ignore[union-attr]


def test_open_orders_span_runs_so_a_restart_sees_them(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("old-open"))
    store.add_order(run_id, request("old-done"))
    store.apply_order_event("old-done", OrderEvent(OrderStatus.REJECTED, at(1), message="no"))
    second = store.start_run(name="restart", started_at=at(5), symbols=["AAA"], initial_cash=1.0)
    store.add_order(second, request("new-open"))
    assert [o.client_order_id for o in store.open_orders()] == ["old-open", "new-open"]
    assert [o.client_order_id for o in store.open_orders(second)] == ["new-open"]
    assert [o.client_order_id for o in store.orders(run_id)] == ["old-open", "old-done"]
    assert store.order_by_client_id("old-done").message == "no"  # type: ignore[union-attr]


def test_positions_from_fills_rebuild_the_engine_ledger(store: Store, run_id: int) -> None:
    book = Ledger(("AAA", "BBB"), 0.0)
    trades = [
        ("b1", "AAA", Side.BUY, 10.0, 100.0),
        ("b2", "BBB", Side.BUY, 5.0, 50.0),
        ("s1", "AAA", Side.SELL, 4.0, 120.0),
        ("s2", "BBB", Side.SELL, 5.0, 40.0),
    ]
    for i, (cid, sym, side, qty, px) in enumerate(trades):
        store.add_order(run_id, request(cid, sym, side, qty))
        event = fill_event(cid, qty, px, OrderStatus.FILLED, minutes=i, symbol=sym, side=side)
        assert event.fill is not None
        book.apply(event.fill)
        store.apply_order_event(cid, event)
    positions = store.positions_from_fills(run_id)
    assert set(positions) == {"AAA"}
    assert positions["AAA"].quantity == book.quantity[0]
    assert positions["AAA"].average_cost == book.average_cost[0]
    fills = store.fills(run_id)
    assert [f.client_order_id for f in fills] == ["b1", "b2", "s1", "s2"]
    assert store.fills(run_id, client_order_id="s1")[0].price == 120.0
    assert len(store.fills(since=at(2))) == 2


def test_default_fill_key_is_time_quantity_price() -> None:
    event = fill_event("c1", 4.0, 100.5, OrderStatus.FILLED)
    assert event.fill is not None
    assert default_fill_key(event.fill) == "2024-01-02T21:01:00+00:00|4.0|100.5"


_SLICES = st.lists(st.floats(0.5, 3.0).map(lambda q: round(q, 1)), min_size=1, max_size=4)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(slices=_SLICES, data=st.data())
def test_any_replay_order_counts_each_fill_once(
    store: Store, run_id: int, slices: list[float], data: st.DataObject
) -> None:
    cid = f"p{len(store.orders())}"
    total = sum(slices)
    store.add_order(run_id, request(cid, qty=total))
    events = []
    filled = 0.0
    for i, q in enumerate(slices):
        filled += q
        status = OrderStatus.FILLED if i == len(slices) - 1 else OrderStatus.PARTIALLY_FILLED
        events.append(fill_event(cid, q, 100.0 + i, status, minutes=i))
    # the broker's stream in order, with arbitrary repeats of events already delivered
    stream = []
    for i, e in enumerate(events):
        stream.append(e)
        stream += data.draw(st.lists(st.sampled_from(events[: i + 1]), max_size=3))
    for e in stream:
        store.apply_order_event(cid, e)
    order = store.load_order(cid)
    assert order is not None and order.status is OrderStatus.FILLED
    assert len(order.fills) == len(slices)
    assert order.filled_quantity == pytest.approx(total)
    assert order.fills[0].ts >= T0


def test_a_late_event_only_adds_the_broker_order_id(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1"))
    store.apply_order_event("c1", OrderEvent(OrderStatus.NEW, at(0.5)))
    store.apply_order_event("c1", fill_event("c1", 4.0, 100.0, OrderStatus.PARTIALLY_FILLED))
    late = store.apply_order_event("c1", OrderEvent(OrderStatus.NEW, at(0.6), broker_order_id="B7"))
    assert late.applied and late.status is OrderStatus.PARTIALLY_FILLED
    stored = store.order_by_client_id("c1")
    assert stored is not None and stored.broker_order_id == "B7" and stored.filled_quantity == 4.0


@dataclass(frozen=True, slots=True)
class _BrokerFill(Fill):
    fill_id: str = ""


def test_broker_execution_ids_tell_identical_fills_apart(store: Store, run_id: int) -> None:
    store.add_order(run_id, request("c1", qty=2.0))

    def fill(exec_id: str) -> OrderEvent:
        f = _BrokerFill(ClientOrderId("c1"), Symbol("AAA"), Side.BUY, 1.0, 100.0, at(1),
                        fill_id=exec_id)  # fmt: skip
        return OrderEvent(OrderStatus.PARTIALLY_FILLED, at(1), fill=f)

    assert store.apply_order_event("c1", fill("E1")).fill_recorded
    assert not store.apply_order_event("c1", fill("E1")).applied
    assert store.apply_order_event("c1", fill("E2")).fill_recorded  # same time, size and price
    assert store.order_by_client_id("c1").filled_quantity == 2.0  # type: ignore[union-attr]
