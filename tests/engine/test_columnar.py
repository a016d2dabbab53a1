"""The columnar order path gives, to the last bit, what the object path gives: the simulator's
``submit_batch`` against one ``submit`` per order, and whole backtests with and without the
batch methods of the planner, the risk hook and the broker."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bookkit import book_state
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sim_batch import (
    CHANGES,
    MODELS,
    SYMBOLS,
    OneByOne,
    _one_by_one,
    _pair,
    _rebalance,
    _req,
    changed,
    orders_of,
)

import tradewind.backtest.runner as runner
from tradewind.backtest.runner import run_backtest
from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.domain import OrderRequest, Side
from tradewind.domain.batches import OrderBatch, TradeBatch
from tradewind.domain.orders import OrderEvent, OrderStatus
from tradewind.engine.columnar import BatchOutcome
from tradewind.engine.recorder import Recorder


def _orders(requests: list[OrderRequest]) -> OrderBatch:
    n = len(requests)
    trades = TradeBatch(
        SYMBOLS,
        np.array([SYMBOLS.index(r.symbol) for r in requests], dtype=np.int64),
        np.array([r.side is Side.BUY for r in requests], dtype=bool),
        np.array([r.quantity for r in requests]),
        np.full(n, 10.0),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.ones(n, dtype=bool),
        tuple(r.reason for r in requests),
    )
    return OrderBatch(trades, [r.client_order_id for r in requests], requests[0].created_at)


def _expanded(out: BatchOutcome) -> list[Any]:
    """The batch's outcome as :meth:`submit_all` returns it: events per order."""
    events: list[Any] = []
    for k in range(out.done):
        assert out.filled is not None
        fill = out.filled.fill(k)
        broker_id = f"SIM-{fill.client_order_id}"
        events.append(
            [
                OrderEvent(OrderStatus.NEW, fill.ts, None, broker_id),
                OrderEvent(OrderStatus.FILLED, fill.ts, fill, broker_id),
            ]
        )
    return [repr(o) if isinstance(o, Exception) else o for o in [*events, *out.rest]]


def _state(broker: SimulatedBroker, ids: list[str]) -> dict[str, Any]:
    return {
        **book_state(broker.ledger),
        "orders": {cid: repr(broker.lookup(cid)) for cid in ids},  # type: ignore[arg-type]
        "cancel": [broker.cancel(cid) for cid in ids],  # type: ignore[arg-type]
        "open": sorted(o.request.client_order_id for o in broker.open_orders()),
    }


def _assert_same(requests: list[OrderRequest], model: str = "pct", **kw: Any) -> BatchOutcome:
    batched, single = _pair(model, **kw)
    got = batched.submit_batch(_orders(requests))
    want = _one_by_one(single, requests)
    assert _expanded(got) == [repr(o) if isinstance(o, Exception) else o for o in want]
    ids = ["seed0", "seed1", *(r.client_order_id for r in requests)]
    assert _state(batched, ids) == _state(single, ids)
    # the next order after a batch sees the same broker
    after = _req("after", "EEE", Side.BUY, 1.0)
    assert repr(_one_by_one(batched, [after])) == repr(_one_by_one(single, [after]))
    return got


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_rebalance_is_filled_on_columns_and_identical(model: str) -> None:
    got = _assert_same(_rebalance(), model)
    assert got.done == len(_rebalance()) and not got.rest  # all on the columnar path


@pytest.mark.parametrize(
    "change", [c for c in CHANGES if c not in ("unknown symbol", "limit order")]
)  # an order batch holds market orders of the universe only
def test_what_the_columns_cannot_take_goes_one_by_one_with_the_same_outcome(change: str) -> None:
    requests, kw = changed(change)
    got = _assert_same(requests, **kw)
    assert got.done < len(requests)


order = orders_of(list(SYMBOLS))  # an order batch holds symbols of the universe only


@settings(max_examples=150, deadline=None)
@given(st.lists(order, min_size=1, max_size=9), st.sampled_from(sorted(MODELS)))
def test_any_batch_matches_one_submit_per_order(
    orders: list[tuple[str, Side, float, int]], model: str
) -> None:
    _assert_same([_req(f"c{n}", sym, s, q) for sym, s, q, n in orders], model)


class ObjectsOnly:
    """A part without its batch method: the engine takes the default (object) route."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in ("plan_batch", "allow_batch", "submit_batch"):
            raise AttributeError(name)
        return getattr(self.inner, name)


@pytest.mark.parametrize("stops", [True, False])
def test_a_backtest_is_identical_on_columns_and_on_objects(
    stops: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM", "JNJ", "JPM", "PG", "CVX"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
            "execution": {"market_impact": {"enabled": True}},
            "risk_management": {"stop_loss": {"enabled": stops}},
        }
    )
    start = pd.Timestamp("2015-01-02", tz="America/New_York")
    end = pd.Timestamp("2018-12-31 23:00", tz="America/New_York")
    columns = run_backtest(cfg, get_market_data(cfg), start, end)
    original = runner.build_parts  # type: ignore[attr-defined]

    def objects_only(*args: Any, **kwargs: Any) -> Any:
        parts = original(*args, **kwargs)
        return dataclasses.replace(
            parts, planner=ObjectsOnly(parts.planner), risk=ObjectsOnly(parts.risk)
        )

    monkeypatch.setattr(runner, "build_parts", objects_only)
    objects = run_backtest(
        cfg, get_market_data(cfg), start, end, broker_name="simulated-one-by-one"
    )
    assert isinstance(objects.engine.broker, OneByOne)
    assert isinstance(objects.engine.parts.planner, ObjectsOnly)
    a, b = columns.summary.recorder, objects.summary.recorder
    assert sum(len(d.orders) >= 2 for d in a.decisions) >= 5  # batches were submitted
    assert not stops or any(o.reason.startswith("stop") for d in a.decisions for o in d.orders)
    assert a.fingerprint() == b.fingerprint()
    assert a.fills == b.fills and a.equity == b.equity and a.events == b.events
    assert columns.engine.book.closed_trades == objects.engine.book.closed_trades
    assert columns.engine.book.cash == objects.engine.book.cash


def test_the_recorder_builds_pending_fills_in_booking_order_on_read() -> None:
    batched, _ = _pair("pct")
    out = batched.submit_batch(_orders(_rebalance()))
    assert out.filled is not None
    rec = Recorder(SYMBOLS)
    first = out.filled.fills()
    rec.add_fill_list(first[:1])
    rec.add_fills(out.filled)
    rec.add_fill_list([first[0]])
    assert rec.booked == []  # nothing built before a read
    plain = [first[0], *first, first[0]]
    fills = rec.fills
    assert type(fills) is list and fills == plain  # a plain list: C code reads it whole
    assert json.dumps([f.client_order_id for f in fills]) == json.dumps(
        [f.client_order_id for f in plain]
    )
    rec.add_fill_list([first[1]])
    assert rec.fills is fills and fills == [*plain, first[1]]  # later fills join the same list
    assert Recorder(SYMBOLS, booked=list(plain)).fills == plain
