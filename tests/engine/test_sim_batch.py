"""The simulator's batched submission gives, to the last bit, what one submit per order gives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bookkit import book_state
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.backtest.runner import run_backtest
from tradewind.brokers.registry import BrokerContext, make_broker, register_broker
from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import CommissionSection, validate_config
from tradewind.data import get_market_data
from tradewind.domain import ClientOrderId, OrderRequest, OrderType, Side, Symbol
from tradewind.domain.errors import OrderRejected
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import Broker, SubmitOutcome, submit_each
from tradewind.execution.costs import CostModel

SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")
T = pd.Timestamp("2024-01-02").to_pydatetime()


def _bars(nan_symbol: str | None = None, holes: dict[str, slice] | None = None) -> BarSet:
    idx = pd.date_range("2024-01-02 21:00", periods=30, freq="D", tz="UTC", name="timestamp")
    rng = np.random.default_rng(7)
    frames = {}
    for k, sym in enumerate(SYMBOLS):
        close = (20.0 + 15 * k) * np.exp(np.cumsum(rng.normal(0, 0.02, len(idx))))
        if sym == nan_symbol:
            close[-1] = np.nan
        close[(holes or {}).get(sym, slice(0))] = np.nan
        frames[sym] = pd.DataFrame(
            {
                "open": close * 0.995,
                "high": close * 1.01,
                "low": close * 0.99,
                "close": close,
                "volume": rng.uniform(1e5, 1e6, len(idx)),
            },
            index=idx,
        )
    return BarSet(frames)


MODELS = {
    "pct": CostModel(slippage_pct=0.001),
    "schedule": CostModel(
        commission=CommissionSection(per_order=1.0, per_share=0.005, minimum=1.5),
        slippage_pct=0.0007,
    ),
    "impact": CostModel(slippage_pct=0.0005, impact_coefficient=0.1),
}


def _pair(
    model: str,
    *,
    nan_symbol: str | None = None,
    holes: dict[str, slice] | None = None,
    **kw: Any,
) -> list[SimulatedBroker]:
    """Two brokers in the same state: some positions held, the last bar current."""
    brokers = []
    for _ in range(2):
        feed = MarketFeed(_bars(nan_symbol, holes))
        feed.advance(feed.index[-2])
        broker = SimulatedBroker(
            feed, MODELS[model], 50_000.0, use_impact_inputs=model == "impact", **kw
        )
        for n, sym in enumerate(SYMBOLS[:3]):
            broker.submit(_req(f"seed{n}", sym, Side.BUY, 40.0 + 10 * n))
        feed.advance(feed.index[-1])
        brokers.append(broker)
    return brokers


def _req(cid: str, sym: str, side: Side, qty: float, **kw: Any) -> OrderRequest:
    return OrderRequest(ClientOrderId(cid), Symbol(sym), side, qty, T, **kw)


def _one_by_one(broker: SimulatedBroker, requests: list[OrderRequest]) -> list[Any]:
    out: list[Any] = []
    for r in requests:
        try:
            out.append(broker.submit(r))
        except OrderRejected as exc:
            out.append(exc)
    return out


def _state(broker: SimulatedBroker) -> dict[str, Any]:
    return {
        **book_state(broker.ledger),
        "orders": {  # batched orders are built when looked up
            cid: repr(broker.lookup(cid)) for cid in sorted({*broker._orders, *broker._batched})
        },
        "open": sorted(o.request.client_order_id for o in broker.open_orders()),
    }


def _outcomes(out: list[Any]) -> list[Any]:
    return [repr(o) if isinstance(o, Exception) else o for o in out]


def _assert_same(requests: list[OrderRequest], model: str = "pct", **kw: Any) -> None:
    batched, single = _pair(model, **kw)
    got = batched.submit_all(requests)
    want = _one_by_one(single, requests)
    assert _outcomes(got) == _outcomes(want)
    assert _state(batched) == _state(single)


def _rebalance() -> list[OrderRequest]:
    """Sells first, then buys that the cash pays for."""
    return [
        _req("s1", "AAA", Side.SELL, 15.0),
        _req("s2", "BBB", Side.SELL, 50.0),  # the whole position
        _req("b1", "DDD", Side.BUY, 30.0),
        _req("b2", "EEE", Side.BUY, 12.5),
        _req("b3", "CCC", Side.BUY, 7.0),
    ]


@pytest.mark.parametrize(
    "holes",
    [
        {"CCC": slice(-6, -4)},  # a gap inside the impact model's window
        {"DDD": slice(0, 20)},  # a late joiner: its window starts with missing bars
        {"EEE": slice(0, 27)},  # too few returns for a volatility: no impact modelled
        {"AAA": slice(-9, -8), "BBB": slice(0, 18), "DDD": slice(-3, -2)},
    ],
    ids=["gap", "late", "short", "several"],
)
def test_the_impact_models_statistics_are_the_simulators_with_missing_bars(
    holes: dict[str, slice],
) -> None:
    requests = _rebalance()
    batched, _ = _pair("impact", holes=holes)
    batched.submit_all(requests)
    assert set(batched._batched) == {r.client_order_id for r in requests}  # the fast path ran
    _assert_same(requests, "impact", holes=holes)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_rebalance_that_fits_is_batched_and_identical(model: str) -> None:
    requests = _rebalance()
    batched, _ = _pair(model)
    batched.submit_all(requests)
    assert set(batched._batched) == {r.client_order_id for r in requests}  # the fast path ran
    _assert_same(requests, model)


CHANGES = [
    "last buy too big for the cash",
    "sell more than held",
    "unknown symbol",
    "id used before",
    "id twice in the batch",
    "symbol twice",
    "limit order",
    "fractional when not allowed",
    "no price",
    "next open",
    "fault injection",
]
"""What a rebalance may hold or meet that a batch filled at the close cannot take."""


def changed(change: str) -> tuple[list[OrderRequest], dict[str, Any]]:
    """:func:`_rebalance` with ``change`` made, and the brokers' settings it needs."""
    requests = _rebalance()
    kw: dict[str, Any] = {}
    if change == "last buy too big for the cash":
        requests[-1] = _req("b3", "CCC", Side.BUY, 10_000.0)
    elif change == "sell more than held":
        requests.insert(1, _req("s9", "CCC", Side.SELL, 1_000.0))
    elif change == "unknown symbol":
        requests.insert(3, _req("x", "ZZZ", Side.BUY, 1.0))
    elif change == "id used before":
        requests.insert(2, _req("seed1", "DDD", Side.BUY, 1.0))
    elif change == "id twice in the batch":
        requests.insert(3, _req("b1", "CCC", Side.BUY, 1.0))
    elif change == "symbol twice":
        requests.insert(4, _req("b9", "DDD", Side.BUY, 2.0))
    elif change == "limit order":
        requests.insert(2, _req("l1", "DDD", Side.BUY, 3.0, order_type=OrderType.LIMIT,
                                limit_price=1.0))  # fmt: skip
    elif change == "fractional when not allowed":
        kw["fractional"] = False
        requests[2] = _req("b1", "DDD", Side.BUY, 30.5)
    elif change == "no price":
        kw["nan_symbol"] = "EEE"
    elif change == "next open":
        kw["fill_price"] = "next_open"
    else:
        kw.update(partial_fill_prob=0.5, reject_prob=0.2, seed=3)
    return requests, kw


@pytest.mark.parametrize("change", CHANGES)
def test_every_request_the_fast_path_cannot_take_ends_it_with_the_same_outcome(
    change: str,
) -> None:
    requests, kw = changed(change)
    _assert_same(requests, **kw)


def test_next_open_and_fault_injection_go_one_by_one() -> None:
    _assert_same(_rebalance(), fill_price="next_open")
    _assert_same(_rebalance(), partial_fill_prob=0.5, seed=3)
    _assert_same(_rebalance(), reject_prob=0.3, seed=4)


def orders_of(symbols: list[str]) -> st.SearchStrategy[tuple[str, Side, float, int]]:
    """Orders as (symbol, side, quantity, id number) over ``symbols``."""
    return st.tuples(
        st.sampled_from(symbols),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.sampled_from([0.5, 1.0, 7.0, 25.0, 60.0, 400.0]),
        st.integers(0, 12),
    )


order = orders_of([*SYMBOLS, "ZZZ"])  # an unknown symbol ends the batch


@settings(max_examples=150, deadline=None)
@given(st.lists(order, min_size=0, max_size=9), st.sampled_from(sorted(MODELS)))
def test_any_batch_matches_one_submit_per_order(
    orders: list[tuple[str, Side, float, int]], model: str
) -> None:
    requests = [_req(f"c{n}", sym, s, q) for sym, s, q, n in orders]
    _assert_same(requests, model)


class OneByOne:
    """The registry's simulator without its batch: every order of a rebalance through
    ``submit`` (the Broker contract's reference behaviour)."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        return submit_each(self.inner, requests)


@register_broker("simulated-one-by-one")
def _one_by_one_broker(ctx: BrokerContext) -> Broker:
    return OneByOne(make_broker(ctx, "simulated"))  # type: ignore[return-value]


@pytest.mark.parametrize("impact", [True, False])
def test_a_backtest_is_identical_with_and_without_batching(impact: bool) -> None:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM", "JNJ", "JPM", "PG", "CVX"]},
            "data": {"source": "bundled"},
            "notifications": {"discord": {"enabled": False}},
            "execution": {"market_impact": {"enabled": impact}},
        }
    )
    start = pd.Timestamp("2015-01-02", tz="America/New_York")
    end = pd.Timestamp("2017-12-29 23:00", tz="America/New_York")
    batched = run_backtest(cfg, get_market_data(cfg), start, end)

    single = run_backtest(cfg, get_market_data(cfg), start, end, broker_name="simulated-one-by-one")
    assert isinstance(single.engine.broker, OneByOne)
    a, b = batched.summary.recorder, single.summary.recorder
    assert sum(len(d.orders) >= 2 for d in a.decisions) >= 5  # batches were submitted
    assert a.fingerprint() == b.fingerprint()
    assert a.fills == b.fills
    assert a.equity == b.equity
    assert batched.engine.book.closed_trades == single.engine.book.closed_trades
