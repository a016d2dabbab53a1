"""The simulator's row-by-row fill of a small batch, its array fill of a large one and one
submit per order give the same outcomes, orders and book, to the last bit, on a universe
wide enough for batches around ``SMALL_BATCH``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from bookkit import book_state
from hypothesis import given, settings
from hypothesis import strategies as st

import tradewind.brokers.sim_batch as sim_batch
from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import CommissionSection
from tradewind.domain import ClientOrderId, OrderRequest, Side, Symbol
from tradewind.domain.batches import FillBatch, OrderBatch, TradeBatch
from tradewind.domain.errors import OrderRejected
from tradewind.domain.ledger import SMALL_BATCH
from tradewind.domain.market import BarSet
from tradewind.engine.feed import MarketFeed
from tradewind.execution.costs import CostModel

SYMBOLS = tuple(f"S{k:02d}" for k in range(64))
T = pd.Timestamp("2024-01-02").to_pydatetime()
LastCloses = frozenset[tuple[str, float]]
"""(symbol, close) pairs that replace the symbols' last closes (NaN: no price)."""
MODELS = {
    "pct": CostModel(slippage_pct=0.001),
    "every cost": CostModel(
        commission=CommissionSection(
            per_order=1.0, per_share=0.005, pct_of_value=0.0001, minimum=1.5, maximum=40.0
        ),
        slippage_pct=0.0007,
        impact_coefficient=0.1,
    ),  # fmt: skip
}


def _bars(no_price: LastCloses) -> BarSet:
    """Bars of ``SYMBOLS``; each (symbol, close) of ``no_price`` has that last close."""
    last = dict(no_price)
    idx = pd.date_range("2024-01-02 21:00", periods=30, freq="D", tz="UTC", name="timestamp")
    rng = np.random.default_rng(11)
    frames = {}
    for k, sym in enumerate(SYMBOLS):
        close = (5.0 + 3.0 * k) * np.exp(np.cumsum(rng.normal(0, 0.02, len(idx))))
        if k % 13 == 5:
            close[-8:-6] = np.nan  # a gap inside the impact model's window
        if sym in last:
            close[-1] = last[sym]
        frames[sym] = pd.DataFrame(
            {"open": close * 0.995, "high": close * 1.01, "low": close * 0.99, "close": close,
             "volume": rng.uniform(1e4, 1e6, len(idx))},
            index=idx,
        )  # fmt: skip
    return BarSet(frames)


def _broker(model: str, cash: float, no_price: LastCloses, **kw: Any) -> SimulatedBroker:
    """A broker holding every third symbol (whole and fractional shares), on the last bar."""
    feed = MarketFeed(_bars(no_price))
    feed.advance(feed.index[-2])
    broker = SimulatedBroker(
        feed, MODELS[model], cash, use_impact_inputs=model != "pct", **kw
    )  # fmt: skip
    for k, sym in enumerate(SYMBOLS[::3]):
        qty = 20.0 + k if k % 4 else 7.25
        broker.submit(OrderRequest(ClientOrderId(f"seed{k}"), Symbol(sym), Side.BUY, qty, T))
    feed.advance(feed.index[-1])
    return broker


def _orders(rows: list[tuple[int, bool, float, str]]) -> OrderBatch:
    """An order batch over ``SYMBOLS`` from (column, buy, quantity, id) rows."""
    n = len(rows)
    f = np.zeros(n)
    trades = TradeBatch(
        SYMBOLS,
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=bool),
        np.array([r[2] for r in rows], dtype=float),
        f, f, f, f, np.zeros(n, dtype=bool), tuple("rebalance" for _ in rows),
    )  # fmt: skip
    return OrderBatch(trades, [ClientOrderId(r[3]) for r in rows], T)


def _state(broker: SimulatedBroker) -> dict[str, Any]:
    return {
        **book_state(broker.ledger),
        "orders": {
            cid: repr(broker.lookup(cid)) for cid in sorted({*broker._orders, *broker._batched})
        },
        "open": sorted(o.request.client_order_id for o in broker.open_orders()),
    }


def _run(
    orders: OrderBatch,
    model: str,
    cash: float,
    no_price: LastCloses,
    how: str,
    **kw: Any,
) -> tuple[list[Any], dict[str, Any], int]:
    """Submit ``orders`` (``how``: "rows", "arrays" or "one by one"): each order's events,
    the broker's state, and how many orders the batch filled at once."""
    broker = _broker(model, cash, no_price, **kw)
    if how == "one by one":
        out: list[Any] = []
        for r in orders.requests():
            try:
                out.append(broker.submit(r))
            except OrderRejected as exc:
                out.append(repr(exc))
        return out, _state(broker), 0
    small = SMALL_BATCH if how == "rows" else 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim_batch, "SMALL_BATCH", small)
        outcome = broker.submit_batch(orders)
    done = outcome.filled
    events = SimulatedBroker._filled_events(done) if done is not None else []
    rest = [repr(r) if isinstance(r, Exception) else r for r in outcome.rest]
    return [*events, *rest], _state(broker), outcome.done


def _assert_same(
    orders: OrderBatch, model: str, cash: float = 60_000.0, no_price: LastCloses = frozenset(),
    **kw: Any,
) -> int:  # fmt: skip
    """The three ways agree; how many orders the row path filled at once."""
    rows = _run(orders, model, cash, no_price, "rows", **kw)
    arrays = _run(orders, model, cash, no_price, "arrays", **kw)
    single = _run(orders, model, cash, no_price, "one by one", **kw)
    assert rows[:2] == arrays[:2] == single[:2]
    assert rows[2] == arrays[2]
    return rows[2]


def _rebalance(n: int, seed: int) -> list[tuple[int, bool, float, str]]:
    """``n`` orders on distinct symbols, sells first: partial sells, sells of the whole
    position (some fractional), buys into empty and held positions."""
    rng = np.random.default_rng(seed)
    held = {3 * k: (20.0 + k if k % 4 else 7.25) for k in range(len(SYMBOLS[::3]))}
    cols = [int(c) for c in rng.permutation(len(SYMBOLS))[:n]]
    sells = [c for c in cols if c in held and rng.random() < 0.6]
    buys = [c for c in cols if c not in sells]
    rows = []
    for c in sells:
        q = held[c] if rng.random() < 0.4 else round(held[c] * rng.uniform(0.1, 0.9), 3)
        rows.append((c, False, q, f"s{c}"))
    for c in buys:
        rows.append((c, True, round(float(rng.uniform(0.5, 30.0)), 3), f"b{c}"))
    return rows


@pytest.mark.parametrize("n", [2, 3, 20, SMALL_BATCH, SMALL_BATCH + 1, 64])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_rebalance_around_the_small_batch_size_fills_the_same_three_ways(
    n: int, model: str
) -> None:
    done = _assert_same(_orders(_rebalance(n, seed=n)), model, cash=1e6)
    assert done == n  # the fast path filled them all


def _changed(change: str, rows: list[tuple[int, bool, float, str]]) -> dict[str, Any]:
    """Make ``change`` to ``rows`` (in place) at about the middle; the settings it needs."""
    k = len(rows) // 2
    col, buy, qty, cid = rows[k]
    if change == "no price":
        return {"no_price": frozenset({(SYMBOLS[col], np.nan)})}
    if change == "price of zero":
        return {"no_price": frozenset({(SYMBOLS[col], 0.0)})}
    if change == "sell more than held":
        rows.insert(k, (1, False, 1e6, "too-many"))  # column 1 holds nothing
    elif change == "symbol twice":
        rows.insert(k, (rows[0][0], True, 1.0, "again"))
    elif change == "id twice":
        rows.insert(k, ((col + 1) % len(SYMBOLS), True, 1.0, rows[0][3]))
    elif change == "id of an earlier order":
        rows.insert(k, ((col + 1) % len(SYMBOLS), True, 1.0, "seed2"))
    elif change == "fractional when not allowed":
        rows.insert(k, ((col + 1) % len(SYMBOLS), True, 2.5, "frac"))
        for j, r in enumerate(rows):
            if r[3] != "frac":
                rows[j] = (r[0], r[1], float(max(1.0, np.floor(r[2]))), r[3])
        return {"fractional": False}
    elif change == "cash runs out":
        return {"cash": 9_000.0}
    elif change == "nothing to sell":
        rows.insert(k, (2, False, 1e-10, "dust"))  # column 2 holds nothing: within 1e-9
    return {}


CHANGES = [
    "no price",
    "price of zero",
    "sell more than held",
    "symbol twice",
    "id twice",
    "id of an earlier order",
    "fractional when not allowed",
    "cash runs out",
    "nothing to sell",
]


@pytest.mark.parametrize("n", [6, 40, SMALL_BATCH, SMALL_BATCH + 1])
@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("model", sorted(MODELS))
def test_what_ends_a_batch_ends_it_at_the_same_order_three_ways(
    n: int, change: str, model: str
) -> None:
    rows = _rebalance(n, seed=3 * n)
    kw = _changed(change, rows)
    orders = _orders(rows)
    done = _assert_same(orders, model, **{"cash": 1e6, **kw})
    assert done < len(orders)  # the change ended the batch early


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(SYMBOLS) - 1),
            st.booleans(),
            st.sampled_from([1e-10, 0.5, 1.0, 7.25, 20.0, 33.0, 400.0]),
            st.integers(0, 70),
        ),
        min_size=0,
        max_size=60,
    ),
    st.sampled_from(sorted(MODELS)),
    st.sampled_from([500.0, 20_000.0, 1e6]),
)
def test_any_batch_fills_the_same_three_ways(
    rows: list[tuple[int, bool, float, int]], model: str, cash: float
) -> None:
    _assert_same(_orders([(c, b, q, f"c{i}") for c, b, q, i in rows]), model, cash)


def test_the_row_path_hands_the_book_its_columns_unchanged() -> None:
    orders = _orders(_rebalance(20, seed=4))
    broker = _broker("every cost", 1e6, frozenset())
    done = broker.submit_batch(orders).filled
    assert isinstance(done, FillBatch)
    assert done.column.dtype == np.int64 and done.quantity.dtype == np.float64
    assert [f.client_order_id for f in done.fills()] == orders.ids[: len(done)]


@pytest.mark.parametrize(("over", "fills"), [(5e-10, True), (5e-9, False)])
def test_a_sell_just_above_the_position_is_judged_the_same_three_ways(
    over: float, fills: bool
) -> None:
    held = _broker("pct", 1e6, frozenset()).ledger.quantity
    col = int(np.flatnonzero(held)[0])
    rows = [
        (col, False, float(held[col]) + over, "edge"),
        (1, True, 3.0, "b1"),
        (2, True, 1.0, "b2"),
    ]
    assert _assert_same(_orders(rows), "pct", cash=1e6) == (3 if fills else 0)


@pytest.mark.parametrize(("over", "fills"), [(-5e-9, True), (5e-10, True), (5e-9, False)])
def test_a_buy_just_above_the_cash_left_is_judged_the_same_three_ways(
    over: float, fills: bool
) -> None:
    broker = _broker("pct", 100_000.0, frozenset())
    price = broker.feed.current("close")
    model = MODELS["pct"]
    first = 40.0 * price[1] + model.costs("S01", Side.BUY, 40.0, float(price[1])).total
    left = broker.ledger.cash - first  # the cash before the second buy
    qty = (left + over) / (price[2] * (1.0 + model.slippage_pct))
    need = qty * price[2] + model.costs("S02", Side.BUY, qty, float(price[2])).total
    assert abs(need - (left + over)) < 1e-10  # the buy needs about ``over`` more than is left
    rows = [(1, True, 40.0, "b1"), (2, True, qty, "b2"), (4, True, 1.0, "b3")]
    # b3 finds no cash left either way; a batch of b1 alone is no batch
    assert _assert_same(_orders(rows), "pct", cash=100_000.0) == (2 if fills else 0)


@pytest.mark.parametrize(("off", "fills"), [(5e-10, True), (5e-7, False)])
def test_a_quantity_just_off_a_whole_number_is_judged_the_same_three_ways(
    off: float, fills: bool
) -> None:
    rows = [(1, True, 3.0, "b1"), (2, True, 2.0 + off, "b2"), (4, True, 1.0, "b3")]
    done = _assert_same(_orders(rows), "pct", cash=100_000.0, fractional=False)
    assert done == (3 if fills else 0)
