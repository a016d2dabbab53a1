"""The ``Broker.submit_all`` contract, for every broker: the outcome of one ``submit`` per order.

The engine sends every rebalance with ``submit_all``; the simulator books it in a batch, the
journal and the order manager go order by order. Each is held here to the same reference: a
twin built the same way, given the same orders through ``submit`` one at a time (a refusal that
``submit`` raises comes back in its place, and later orders are still sent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.brokers.registry import BrokerContext, make_broker
from tradewind.config import validate_config
from tradewind.domain import ClientOrderId, OrderRequest, OrderType, Side, Symbol
from tradewind.domain.errors import OrderRejected, TransientBrokerError
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import Broker, SubmitOutcome
from tradewind.orders.manager import OrderManager
from tradewind.orders.retry import RetryPolicy
from tradewind.store import Store

T0 = pd.Timestamp("2024-01-02 21:00", tz="UTC")
SYMBOLS = ("AAA", "BBB", "CCC")


def _bars() -> BarSet:
    idx = pd.date_range(T0, periods=3, freq="D", name="timestamp")
    frames = {}
    for k, sym in enumerate(SYMBOLS):
        close = 50.0 + 25 * k + np.arange(3, dtype=float)
        frames[sym] = pd.DataFrame(
            {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": 1e6},
            index=idx,
        )
    return BarSet(frames)


def _config() -> Any:
    return validate_config(
        {
            "trading": {"symbols": list(SYMBOLS), "initial_capital": 10_000.0},
            "execution": {"market_impact": {"enabled": False}},
            "notifications": {"discord": {"enabled": False}},
        }
    )


def _context(journal: Path | None, account: str) -> BrokerContext:
    def feed() -> MarketFeed:
        f = MarketFeed(_bars())
        f.advance(T0)
        return f

    return BrokerContext(config=_config(), feed_factory=feed, journal_path=journal, account=account)


Builder = Callable[[Path, str], Broker]


def _simulated(tmp: Path, twin: str) -> Broker:
    return make_broker(_context(None, twin), "simulated")


def _journaled(tmp: Path, twin: str) -> Broker:
    return make_broker(_context(tmp / f"{twin}.simbroker.db", twin), "simulated")


def _managed(tmp: Path, twin: str) -> Broker:
    store = Store(f"sqlite:///{tmp / f'{twin}.db'}", mode="simulated")
    run = store.start_run(
        name=twin, started_at=datetime(2024, 1, 1, tzinfo=UTC), symbols=list(SYMBOLS),
        initial_cash=10_000.0,
    )  # fmt: skip
    inner = make_broker(_context(None, twin), "simulated")
    return OrderManager(
        inner,
        store,
        run,
        now=lambda: T0.to_pydatetime(),
        retry=RetryPolicy(1, (0.0,)),
        sleep=lambda _s: None,
    )


BROKERS: dict[str, Builder] = {
    "simulated": _simulated,
    "simulated, journaled": _journaled,
    "order manager": _managed,
}


def _req(cid: str, sym: str, side: Side, qty: float) -> OrderRequest:
    return OrderRequest(
        ClientOrderId(cid), Symbol(sym), side, qty, T0.to_pydatetime(), OrderType.MARKET
    )


ORDERS = [
    _req("b1", "AAA", Side.BUY, 40.0),
    _req("b2", "BBB", Side.BUY, 20.0),
    _req("b1", "CCC", Side.BUY, 1.0),  # a repeated id: submit raises, later orders still go
    _req("b3", "CCC", Side.BUY, 10_000.0),  # more than the cash: refused by the broker
    _req("s1", "AAA", Side.SELL, 15.0),
]


def _outcome(o: SubmitOutcome) -> Any:
    if isinstance(o, OrderRejected | TransientBrokerError):
        return (type(o).__name__, str(o))
    return [
        (e.status, e.fill.quantity if e.fill else None, e.fill.price if e.fill else None) for e in o
    ]


def _one_by_one(broker: Broker, requests: list[OrderRequest]) -> list[SubmitOutcome]:
    out: list[SubmitOutcome] = []
    for r in requests:
        try:
            out.append(broker.submit(r))
        except (OrderRejected, TransientBrokerError) as exc:
            out.append(exc)
    return out


@pytest.fixture(params=sorted(BROKERS))
def builder(request: pytest.FixtureRequest) -> Iterator[Builder]:
    yield BROKERS[request.param]


def test_submit_all_equals_one_submit_per_order(builder: Builder, tmp_path: Path) -> None:
    batched, single = builder(tmp_path, "batched"), builder(tmp_path, "single")
    got = batched.submit_all(ORDERS)
    want = _one_by_one(single, ORDERS)
    compared = [_outcome(g) == _outcome(w) for g, w in zip(got, want, strict=True)]
    assert len(compared) == len(ORDERS) and all(compared)
    repeated = got[2]  # refused by a broker; recovered (never sent again) by the order manager
    assert isinstance(repeated, OrderRejected) or not any(e.fill for e in repeated)
    assert dict(batched.positions()) == dict(single.positions())
    assert batched.cash() == single.cash()
