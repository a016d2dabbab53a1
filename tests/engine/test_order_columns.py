"""The decision log's orders built when read are the records the engine built per order before.

The engine keeps each cycle's submitted batch and client order ids
(:class:`~tradewind.engine.order_columns.OrderColumns`) and builds the
:class:`~tradewind.domain.records.OrderRecord` tuple when ``Decision.orders`` is first read.
Here every batch is also turned into records at submission, by the engine's former code (kept
verbatim below), and whole backtests (buys and sells, stop exits, halts that flatten, refused
orders, carried rebalances, every cost component, one symbol and many) must give, read at the
end: the same records field by field and bit by bit, decisions equal, hashed, printed, pickled
and written as JSON as decisions built with the tuple, the same run summary, and the same rows
read back from the store. The summary itself must build no record.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from backtestkit import EIGHT_STOCKS, EVERY_COST, STOPS_AND_FLATTENING_HALTS, stops_backtest

import tradewind.engine.cycle as cycle
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.domain.batches import TradeBatch
from tradewind.domain.orders import ClientOrderId, Side
from tradewind.domain.plain import plain
from tradewind.domain.records import Decision, OrderRecord, order_source
from tradewind.engine.order_columns import OrderColumns
from tradewind.engine.recorder import Recorder
from tradewind.reports.costs import cost_payload
from tradewind.reports.run import RunSummary, is_rebalance, summarize
from tradewind.review import archive
from tradewind.store import Store

_SIDE = (Side.SELL.value, Side.BUY.value)


def legacy_records(ordered: TradeBatch, ids: list[ClientOrderId]) -> tuple[OrderRecord, ...]:
    """The records ``Engine._execute`` built before submitting, before they were built on read."""
    buys, symbols = ordered.buy.tolist(), ordered.symbols
    return tuple(
        OrderRecord(cid, symbol, _SIDE[buy], q, reason, p, c, s, i)
        for cid, symbol, buy, q, reason, p, c, s, i in zip(
            ids,
            symbols,
            buys,
            ordered.quantity.tolist(),
            ordered.reasons,
            ordered.price.tolist(),
            ordered.commission.tolist(),
            ordered.slippage.tolist(),
            ordered.impact.tolist(),
            strict=True,
        )
    )


Made = list[tuple[OrderColumns, tuple[OrderRecord, ...]]]


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> Iterator[Made]:
    """Every batch the engine records while the test runs, with its records built at once."""
    seen: Made = []

    class AtSubmission(OrderColumns):
        __slots__ = ()

        def __init__(self, trades: TradeBatch, ids: list[ClientOrderId]) -> None:
            super().__init__(trades, ids)
            seen.append((self, legacy_records(trades, ids)))

    monkeypatch.setattr(cycle, "OrderColumns", AtSubmission)
    yield seen


def exact(records: tuple[OrderRecord, ...]) -> list[tuple[Any, ...]]:
    """Each record's fields with their types, floats by their exact hex form."""
    return [
        tuple(
            (type(v).__name__, v.hex() if isinstance(v, float) else v)
            for v in dataclasses.astuple(r)
        )
        for r in records
    ]


def bits(value: Any) -> Any:
    """``value`` with every float replaced by its exact hex form (NaN included)."""
    if isinstance(value, float):
        return "nan" if value != value else value.hex()
    if isinstance(value, dict):
        return {k: bits(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [bits(v) for v in value]
    return value


def summary_bits(s: RunSummary) -> str:
    payload = {"performance": s.performance.as_dict(), "costs": cost_payload(s.costs)}
    return json.dumps(bits(payload), default=str, sort_keys=True)


def check_run(run: BacktestRun, made: Made, tmp_path: Path) -> list[Decision]:
    """Assert the lazily built records and decisions are the eagerly built ones; return the
    decisions built with the tuple."""
    s = run.summary
    rec = s.recorder
    snapshot = {id(columns): records for columns, records in made}
    eager: list[Decision] = []
    lazy_sources: list[OrderColumns] = []
    for d in rec.decisions:
        source = order_source(d)
        if isinstance(source, OrderColumns):
            assert not source.built()  # the engine and the summary built no record
            lazy_sources.append(source)
            eager.append(dataclasses.replace(d, orders=snapshot[id(source)]))
        else:
            assert source == ()  # a decision without orders
            eager.append(d)
    assert sum(map(len, snapshot.values())) == sum(map(len, lazy_sources)) > 0

    # the summary read from the columns is the summary read from the records
    with_records = Recorder(rec.symbols, rec.ts, rec.equity, rec.cash, rec.exposure, rec.regime)
    with_records.weights, with_records.decisions = rec.weights, eager
    with_records.booked = rec.fills
    again = summarize(s.name, with_records, s.book, s.initial_capital, s.benchmark)
    assert summary_bits(again) == summary_bits(s)
    assert [is_rebalance(d) for d in rec.decisions] == [is_rebalance(d) for d in eager]
    assert not any(o.built() for o in lazy_sources)  # nor did this summary

    for lazy, built in zip(rec.decisions, eager, strict=True):
        assert exact(lazy.orders) == exact(built.orders)
        assert type(lazy.orders) is tuple and lazy.orders is lazy.orders  # built once
        assert lazy == built and hash(lazy) == hash(built) and repr(lazy) == repr(built)
        assert pickle.dumps(lazy) == pickle.dumps(built)
        loaded = pickle.loads(pickle.dumps(lazy))  # noqa: S301 - our own bytes
        assert loaded == built and type(order_source(loaded)) is tuple
        assert json.dumps(plain(lazy), default=str) == json.dumps(plain(built), default=str)
        assert dataclasses.asdict(lazy) == dataclasses.asdict(built)
    assert rec.fingerprint() == with_records.fingerprint()
    placed = [o for d in eager for o in d.orders]
    assert placed == [o for d in rec.decisions for o in d.orders]

    # the store keeps and reads back the same orders (archived ids get a ``bt<run>-`` prefix)
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    run_id = archive.record(url, run, "lazy", mode="backtest")["run_id"]
    with Store(url, mode="backtest") as store:
        stored = [o for c in store.cycles(run_id) for o in c.orders]
    prefix = f"bt{run_id}-"
    archived = [dataclasses.replace(o, client_order_id=prefix + o.client_order_id) for o in placed]
    assert exact(tuple(stored)) == exact(tuple(archived))
    return eager


def synthetic_run(symbols: list[str], **sections: Any) -> BacktestRun:
    cfg = validate_config(
        {
            "trading": {"symbols": symbols},
            "data": {
                "source": "synthetic",
                "synthetic": {"seed": 3, "start": "2016-01-04", "end": "2020-12-31"},
            },
            "notifications": {"discord": {"enabled": False}},
            **sections,
        }
    )
    start = pd.Timestamp("2018-01-02", tz="America/New_York")
    end = pd.Timestamp("2020-12-31 23:00", tz="America/New_York")
    return run_backtest(cfg, get_market_data(cfg), start, end)


SYMBOLS = EIGHT_STOCKS


def reasons_of(decisions: list[Decision]) -> set[str]:
    return {o.reason.split(":")[0] for d in decisions for o in d.orders}


def test_stops_halts_that_flatten_and_every_cost(made: Made, tmp_path: Path) -> None:
    run = synthetic_run(
        SYMBOLS,
        execution=EVERY_COST,
        risk_management=STOPS_AND_FLATTENING_HALTS,
    )
    eager = check_run(run, made, tmp_path)
    assert {"stop", "halt", "rebalance"} <= reasons_of(eager)
    assert {o.side for d in eager for o in d.orders} == {"buy", "sell"}
    assert any(n.startswith("halted") for d in eager for n in d.notes)


def test_carried_rebalances(made: Made, tmp_path: Path) -> None:
    run = synthetic_run(
        SYMBOLS,
        execution=EVERY_COST,
        portfolio_optimization={
            "method": "equal_weight",
            "regime_aware": False,
            "rebalancing": {"trigger_type": "combined", "max_trades_per_rebalance": 3},
        },
    )
    eager = check_run(run, made, tmp_path)
    assert any(r.startswith("carry:") for d in eager for r in d.reasons if d.orders)


def test_refused_orders_and_stops_merged_with_rebalances(made: Made, tmp_path: Path) -> None:
    eager = check_run(stops_backtest(), made, tmp_path)
    assert any("refused" in n or "skipped" in n for d in eager for n in d.notes)
    assert "stop" in reasons_of(eager)


def test_one_symbol(made: Made, tmp_path: Path) -> None:
    one = {"max_position_size": 0.9, "max_portfolio_risk": 0.9, "stop_loss": {"enabled": True}}
    eager = check_run(
        synthetic_run(["KO"], execution=EVERY_COST, risk_management=one), made, tmp_path
    )
    assert {o.symbol for d in eager for o in d.orders} == {"KO"}
    assert {o.side for d in eager for o in d.orders} == {"buy", "sell"}


def test_a_decisions_order_columns_cannot_be_written_after_submission() -> None:
    run = synthetic_run(SYMBOLS[:3])
    kept = [
        s for d in run.summary.recorder.decisions if isinstance(s := order_source(d), OrderColumns)
    ]
    assert kept  # the engine's decisions keep their columns
    trades = kept[0].trades
    for column in (trades.buy, trades.quantity, trades.price, trades.commission):
        with pytest.raises(ValueError, match="read-only"):
            column[0] = column[0]
