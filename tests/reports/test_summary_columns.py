"""The run summary read from the recorder's fill columns is, to the last bit, the summary the
object path computed: ``summarize`` before the columns, kept verbatim below, on whole
backtests (sells, stops, halts and their flattening, every cost component, late joiners, one
symbol and many) and on generated records (partial fills, fills without an order, orders
without a fill or a price, cycles of several decisions, fills already built and pending)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from backtestkit import EIGHT_STOCKS, EVERY_COST, STOPS_AND_FLATTENING_HALTS
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.calendar import nyse
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.data.frames import FramesData
from tradewind.domain.batches import FillBatch
from tradewind.domain.costs import CostBreakdown, CostComparison, price_shortfall
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.records import Decision, OrderRecord
from tradewind.domain.types import Symbol
from tradewind.engine.recorder import Recorder
from tradewind.reports.costs import cost_payload, filled_share, total_comparison
from tradewind.reports.fill_pairs import FillPairs
from tradewind.reports.metrics import drawdown, max_drawdown_duration, performance, relative
from tradewind.reports.run import RunSummary, is_rebalance, summarize, turnover


# --- the object path, as it was before the columns (verbatim) -------------------------------
def legacy_turnover(recorder: Recorder) -> float:
    notional: dict[str, float] = {}
    get = notional.get
    for f in recorder.fills:
        cid = f.client_order_id
        notional[cid] = get(cid, 0.0) + f.quantity * f.price
    per_cycle: dict[object, list[float]] = {}
    for d in recorder.decisions:
        traded = sum(get(o.client_order_id, 0.0) for o in d.orders)
        cycle = per_cycle.setdefault(d.ts, [0.0, d.equity_before])
        cycle[0] += traded
    return sum(traded / before for traded, before in per_cycle.values() if traded and before > 0)


def legacy_total_comparison(decisions: Iterable[Decision], fills: Sequence[Fill]) -> CostComparison:
    orders: dict[str, OrderRecord] = {o.client_order_id: o for d in decisions for o in d.orders}
    get = orders.get
    e_comm = e_slip = e_imp = r_comm = r_slip = r_imp = 0.0
    for f in fills:
        r_comm += f.commission
        r_slip += f.slippage
        r_imp += f.impact
        order = get(f.client_order_id)
        if order is None:
            continue
        share = filled_share(order, f)
        e_comm += order.est_commission * share
        e_slip += order.est_slippage * share
        e_imp += order.est_impact * share
        r_slip += price_shortfall(f, order.price)  # as CostModel.account counts it
    return CostComparison(
        CostBreakdown(e_comm, e_slip, e_imp), CostBreakdown(r_comm, r_slip, r_imp)
    )


def legacy_summarize(
    name: str,
    recorder: Recorder,
    book: Ledger,
    initial_capital: float,
    benchmark: pd.Series | None = None,
    rf_annual: float = 0.0,
) -> RunSummary:
    equity = recorder.equity_curve()
    rebalances = sum(1 for d in recorder.decisions if is_rebalance(d))
    exposure = pd.Series(recorder.exposure, index=equity.index)
    perf = performance(
        equity,
        initial_capital,
        trade_pnls=[t.pnl for t in book.closed_trades],
        turnover=legacy_turnover(recorder),
        costs_usd=book.costs.total,
        exposure=exposure,
        rebalances=rebalances,
        rf_annual=rf_annual,
    )
    rel = None
    if benchmark is not None and len(benchmark.dropna()) > 2:
        rel = relative(equity, benchmark, initial_capital, rf_annual)
    costs = legacy_total_comparison(recorder.decisions, recorder.fills)
    return RunSummary(name, recorder, book, initial_capital, benchmark, perf, rel, costs)


# --- comparing to the last bit --------------------------------------------------------------
def bits(value: Any) -> Any:
    """``value`` with every float replaced by its exact hex form (-0.0 and NaN included)."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value.hex()
    if isinstance(value, dict):
        return {k: bits(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [bits(v) for v in value]
    return value


def payload(summary: RunSummary) -> dict[str, Any]:
    """What ``summary.json`` holds of the summary (backtest/outputs.py)."""
    return {
        "performance": summary.performance.as_dict(),
        "relative": summary.relative.as_dict() if summary.relative else None,
        "costs": cost_payload(summary.costs),
    }


def assert_same_summary(run: BacktestRun) -> None:
    s = run.summary
    rec = s.recorder
    pending = list(rec._pending)
    again = summarize(s.name, rec, s.book, s.initial_capital, s.benchmark)  # still pending
    assert rec._pending == pending and rec.booked == []  # no Fill object was built
    assert FillPairs.of(rec.decisions, rec.fill_columns()).aligned  # the fast pairing
    old = legacy_summarize(s.name, rec, s.book, s.initial_capital, s.benchmark)
    assert rec.booked and not rec._pending  # the legacy path built them
    after = summarize(s.name, rec, s.book, s.initial_capital, s.benchmark)  # from the objects
    want = json.dumps(payload(old), default=str)
    for got in (s, again, after):
        assert json.dumps(payload(got), default=str) == want
        assert bits(payload(got)) == bits(payload(old))


# --- whole backtests ------------------------------------------------------------------------
BUNDLED = EIGHT_STOCKS


def bundled_run(symbols: list[str], source: str = "bundled", **sections: Any) -> BacktestRun:
    """A run on the bundled closes, or on the synthetic market (with volumes: impact)."""
    data: dict[str, Any] = {
        "trading": {"symbols": symbols},
        "data": {
            "source": source,
            "synthetic": {"seed": 3, "start": "2016-01-04", "end": "2020-12-31"},
        },
        "notifications": {"discord": {"enabled": False}},
        **sections,
    }
    cfg = validate_config(data)
    start = pd.Timestamp("2018-01-02", tz="America/New_York")
    end = pd.Timestamp("2020-12-31 23:00", tz="America/New_York")
    return run_backtest(cfg, get_market_data(cfg), start, end)


def test_a_run_with_every_cost_stops_and_halts_that_flatten_has_the_same_summary() -> None:
    run = bundled_run(
        BUNDLED,
        "synthetic",
        execution=EVERY_COST,
        risk_management=STOPS_AND_FLATTENING_HALTS,
    )
    rec = run.summary.recorder
    reasons = {o.reason.split(":")[0] for d in rec.decisions for o in d.orders}
    assert {"stop", "halt"} <= reasons  # stop exits and halt flattening sold
    assert any(e.kind == "halt" for e in rec.events)
    costs = run.summary.costs
    assert min(costs.estimated.commission, costs.estimated.impact, costs.realized.slippage) > 0
    assert_same_summary(run)


def test_a_run_filled_at_the_next_open_with_a_benchmark_has_the_same_summary() -> None:
    run = bundled_run(BUNDLED[:5], execution={**EVERY_COST, "fill_price": "next_open"})
    assert run.summary.relative is not None
    assert_same_summary(run)


def test_a_one_symbol_run_has_the_same_summary() -> None:
    one = {"max_position_size": 0.9, "max_portfolio_risk": 0.9, "stop_loss": {"enabled": True}}
    assert_same_summary(bundled_run(["KO"], execution=EVERY_COST, risk_management=one))


def test_a_run_with_a_late_joiner_and_gaps_has_the_same_summary() -> None:
    days = nyse().sessions("2019-01-02", "2021-06-30")
    rng = np.random.default_rng(11)
    data = 100.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.012, (len(days), 4)), axis=0))
    closes = pd.DataFrame(data, index=days, columns=["AAA", "BBB", "CCC", "NEW"])
    closes.loc[: pd.Timestamp("2020-03-01"), "NEW"] = np.nan  # joins late
    closes.iloc[200:203, 1] = np.nan  # a symbol with a gap
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAA", "BBB", "CCC", "NEW"]},
            "portfolio_optimization": {"lookback_days": 60, "regime_aware": False},
            "notifications": {"discord": {"enabled": False}},
            "execution": EVERY_COST,
        }
    )
    run = run_backtest(cfg, FramesData(closes, benchmark=closes["AAA"].rename("SPX")), "2019-06-03")
    assert run.notes and run.notes[0].startswith("NEW joined late")
    assert any(o.symbol == "NEW" for d in run.summary.recorder.decisions for o in d.orders)
    assert_same_summary(run)


# --- generated records ----------------------------------------------------------------------
T0 = datetime(2024, 1, 2, 21, tzinfo=UTC)
SYMS = ("AAA", "BBB", "CCC")
money = st.one_of(
    st.floats(0.0, 1e4, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-300, 0.1, 1e15]),
)
price = st.floats(0.01, 1e5, allow_nan=False, allow_infinity=False)
quantity = st.one_of(st.floats(0.0, 1e6, allow_nan=False), st.sampled_from([0.0, 1e-9, 3.0]))


@st.composite
def records(draw: st.DrawFn) -> tuple[Recorder, list[Decision]]:
    """A recorder of fills in batches, lists and built objects, and decisions whose orders
    those fills fill: in part, in several fills, not at all, or fills of no known order."""
    decisions: list[Decision] = []
    chunks: list[FillBatch | list[Fill]] = []
    one_each = draw(st.booleans())  # one fill per order, in order: the backtest's case
    n_cycles = draw(st.integers(0, 6))
    for c in range(n_cycles):
        ts = T0 + timedelta(days=draw(st.integers(0, n_cycles)))  # cycles may share a day
        orders: list[OrderRecord] = []
        fills: list[Fill] = []
        for k in range(draw(st.integers(0, 4))):
            cid = draw(st.sampled_from([f"c{c}-{k}", "shared", f"c{c}-0"]))
            side = draw(st.sampled_from(["buy", "sell"]))
            qty = draw(quantity)
            ref = draw(st.one_of(st.none(), price))
            orders.append(
                OrderRecord(
                    cid, SYMS[k % 3], side, qty, "rebalance", ref,
                    draw(money), draw(money), draw(money),
                )
            )  # fmt: skip
            for _ in range(1 if one_each else draw(st.integers(0, 2))):  # none, one or two
                fills.append(_fill(draw, cid, k, side, ts))
        if not one_each and draw(st.booleans()):
            fills.append(_fill(draw, f"manual-{c}", 0, "buy", ts))  # no order of this id
        decisions.append(
            Decision(ts, "bull", 1.0, "m", ("r",), (0.5,), tuple(orders), 1e5, draw(money))
        )
        if fills:
            chunks.append(_batch(fills) if draw(st.booleans()) else fills)
    rec = Recorder(SYMS, decisions=decisions)
    built = draw(st.integers(0, len(chunks)))
    for chunk in chunks[:built]:
        _add(rec, chunk)
    rec.fills  # noqa: B018  (these are built, the others stay pending)
    for chunk in chunks[built:]:
        _add(rec, chunk)
    return rec, decisions


def _fill(draw: st.DrawFn, cid: str, k: int, side: str, ts: datetime) -> Fill:
    return Fill(
        ClientOrderId(cid), Symbol(SYMS[k % 3]), Side(side), draw(quantity), draw(price), ts,
        draw(money), draw(money) * draw(st.sampled_from([1.0, -1.0])), draw(money),
    )  # fmt: skip


def _batch(fills: list[Fill]) -> FillBatch:
    return FillBatch(
        SYMS,
        [f.client_order_id for f in fills],
        np.array([SYMS.index(f.symbol) for f in fills], dtype=np.int64),
        np.array([f.side is Side.BUY for f in fills], dtype=bool),
        np.array([f.quantity for f in fills]),
        np.array([f.price for f in fills]),
        np.array([f.commission for f in fills]),
        np.array([f.slippage for f in fills]),
        np.array([f.impact for f in fills]),
        fills[0].ts,
    )


def _add(rec: Recorder, chunk: FillBatch | list[Fill]) -> None:
    if isinstance(chunk, FillBatch):
        rec.add_fills(chunk)
    else:
        rec.add_fill_list(chunk)


@settings(max_examples=300, deadline=None)
@given(records())
def test_generated_records_have_the_same_turnover_and_costs(
    made: tuple[Recorder, list[Decision]],
) -> None:
    rec, decisions = made
    columns = rec.fill_columns()
    got_turnover = turnover(rec)
    got_costs = total_comparison(decisions, columns)
    fills = rec.fills  # builds the pending ones
    assert len(columns) == len(fills) and columns.ids == [f.client_order_id for f in fills]
    assert bits(got_turnover) == bits(legacy_turnover(rec))
    want = bits(cost_payload(legacy_total_comparison(decisions, fills)))
    assert bits(cost_payload(got_costs)) == want
    assert bits(cost_payload(total_comparison(decisions, fills))) == want  # from objects


def test_aligned_and_unaligned_pairs_give_the_same_sums() -> None:
    ts = T0
    orders = [
        OrderRecord(f"o{k}", "AAA", "buy", 10.0 + k, "rebalance", 5.0, 0.3, 0.2 * k, 0.1)
        for k in range(4)
    ]
    fills = [
        Fill(ClientOrderId(f"o{k}"), Symbol("AAA"), Side.BUY, 10.0 + k, 5.01, ts, 0.31, 0.2, 0.0)
        for k in range(4)
    ]
    twice = [*orders[:3], dataclasses.replace(orders[3], client_order_id="o0")]
    swapped = [fills[1], fills[0], *fills[2:]]
    filled_twice = [*fills[:3], dataclasses.replace(fills[3], client_order_id="o0")]
    cases = [
        (orders, fills, True),
        (twice, fills, False),
        (twice, filled_twice, False),  # the same ids in the same order, one of them twice
        (orders, swapped, False),
    ]
    for placed, filled, aligned in cases:
        decisions = [
            Decision(ts, "bull", 1.0, "m", ("r",), (0.5,), tuple(placed[:2]), 1e5, 9e4),
            Decision(ts, "bull", 1.0, "m", ("r",), (0.5,), tuple(placed[2:]), 1e5, 9e4),
        ]
        rec = Recorder(SYMS, decisions=decisions)
        rec.add_fills(_batch(filled))
        assert FillPairs.of(decisions, rec.fill_columns()).aligned is aligned
        assert bits(turnover(rec)) == bits(legacy_turnover(rec))
        got = cost_payload(total_comparison(decisions, rec.fill_columns()))
        assert bits(got) == bits(cost_payload(legacy_total_comparison(decisions, rec.fills)))


@pytest.mark.parametrize("n", [0, 1, 7, 9, 16, 100, 1000])
def test_the_sums_add_left_to_right_where_pairwise_sums_differ(n: int) -> None:
    # terms of many magnitudes: their pairwise sum (np.sum) rounds unlike a left-to-right loop
    rng = np.random.default_rng(n)
    values = (rng.random(n) * 10.0 ** rng.integers(-3, 6, n)).tolist()
    ts = T0
    fills = [
        Fill(ClientOrderId(f"x{k}"), Symbol("AAA"), Side.BUY, 1.0, 1.0, ts, v, -v / 3, v / 7)
        for k, v in enumerate(values)
    ]
    want = legacy_total_comparison([], fills)
    assert bits(cost_payload(total_comparison([], fills))) == bits(cost_payload(want))
    if n >= 9:  # the case is really one where the two orders round differently
        loop = 0.0
        for v in values:
            loop += v
        assert float(np.sum(values)) != loop


def legacy_max_drawdown_duration(path: np.ndarray) -> int:
    under = drawdown(path) < 0
    longest = run = 0
    for flag in under:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    return longest


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(0.5, 2.0), st.sampled_from([1.0, np.nan, 0.0])), min_size=1, max_size=80
    )
)
def test_the_longest_drawdown_is_the_same(steps: list[float]) -> None:
    path = np.cumprod(steps)
    with np.errstate(invalid="ignore"):  # a path at 0: drawdown 0/0 is NaN in both
        got, want = max_drawdown_duration(path), legacy_max_drawdown_duration(path)
    assert got == want and type(got) is int
