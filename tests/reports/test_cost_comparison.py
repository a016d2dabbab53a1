"""Estimated against realized costs: by hand on a few fills, and end to end through backtests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tradewind.backtest.outputs import write_run_folder
from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.domain import ClientOrderId, Side, Symbol
from tradewind.domain.orders import Fill
from tradewind.domain.records import Decision, OrderRecord
from tradewind.reports.costs import compare_costs, cost_payload, fill_costs, total_comparison

T = datetime(2024, 3, 1, 21, tzinfo=UTC)


def _decision(*orders: OrderRecord) -> Decision:
    return Decision(T, "BULL", 0.9, "max_sharpe", ("calendar",), (), orders, 1e5, 1e5)


def _fill(cid: str, side: Side, qty: float, price: float, **costs: float) -> Fill:
    return Fill(ClientOrderId(cid), Symbol("AAA"), side, qty, price, T, **costs)


def test_partial_fills_shortfall_and_unknown_orders() -> None:
    buy = OrderRecord("b1", "AAA", "buy", 100.0, "rebalance", 50.0, 1.0, 5.0, 2.0)
    sell = OrderRecord("s1", "AAA", "sell", 10.0, "stop", 60.0, 1.0, 0.6, 0.0)
    fills = [
        _fill("b1", Side.BUY, 40.0, 50.5, commission=0.4, slippage=2.0, impact=0.8),
        _fill("b1", Side.BUY, 60.0, 50.0, commission=0.6, slippage=3.0, impact=1.2),
        _fill("s1", Side.SELL, 10.0, 59.0, commission=1.0, slippage=0.6),
        _fill("manual", Side.BUY, 1.0, 10.0, commission=0.5),  # placed by hand: no estimate
    ]
    paired = fill_costs([_decision(buy, sell)], fills)
    # a 40% fill carries 40% of the order's estimate
    assert paired[0].estimated.total == pytest.approx(0.4 * 8.0)
    # paying 0.50 over the decision price on 40 shares is 20 dollars of realized slippage
    assert paired[0].realized.slippage == pytest.approx(2.0 + 0.5 * 40)
    assert paired[1].realized.slippage == pytest.approx(3.0)
    # selling 1.00 below the decision price on 10 shares costs 10
    assert paired[2].realized.slippage == pytest.approx(0.6 + 10.0)
    assert paired[3].estimated.total == 0.0 and paired[3].realized.total == 0.5
    total = compare_costs(paired)
    assert total.estimated.total == pytest.approx(8.0 + 1.6)
    assert total.realized.total == pytest.approx(
        2.0 + 20 + 0.4 + 0.8 + 3.0 + 0.6 + 1.2 + 11.6 + 0.5
    )
    # the summary's fast totals are the same sums
    fast = total_comparison([_decision(buy, sell)], fills)
    for side in ("estimated", "realized"):
        for kind in ("commission", "slippage", "impact"):
            expected = getattr(getattr(total, side), kind)
            assert getattr(getattr(fast, side), kind) == pytest.approx(expected, rel=1e-12)
    payload = cost_payload(total)
    assert payload["realized_minus_estimated"]["total"] == pytest.approx(
        total.realized.total - total.estimated.total
    )


def _run(fill_price: str, source: str = "bundled") -> BacktestRun:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM", "JNJ"]},
            "data": {"source": source},
            "notifications": {"discord": {"enabled": False}},
            "execution": {"fill_price": fill_price},
        }
    )
    return run_backtest(
        cfg,
        get_market_data(cfg),
        pd.Timestamp("2018-01-02", tz="America/New_York"),
        pd.Timestamp("2019-06-28 23:00", tz="America/New_York"),
    )


def test_close_fills_cost_what_was_estimated() -> None:
    run = _run("close")
    costs = run.summary.costs
    assert costs.estimated.total > 0
    # filled at the decision price with the model's costs: estimate and outcome agree, except
    # where the simulator had to shrink a buy to the cash left (then the estimate is rescaled)
    assert costs.realized.total == pytest.approx(costs.estimated.total, rel=1e-3)
    assert costs.realized.total == pytest.approx(run.summary.performance.costs_usd)
    rec = run.summary.recorder
    slow = compare_costs(fill_costs(rec.decisions, rec.fills))
    assert costs.estimated.total == pytest.approx(slow.estimated.total, rel=1e-12)
    assert costs.realized.total == pytest.approx(slow.realized.total, rel=1e-12)


def test_next_open_fills_show_the_overnight_shortfall(tmp_path: Path) -> None:
    run = _run("next_open", "synthetic")  # real opens (bundled stocks are close-only)
    rec = run.summary.recorder
    orders = {o.client_order_id: o for d in rec.decisions for o in d.orders}
    shortfall = sum(
        f.side.sign * (f.price - (orders[f.client_order_id].price or f.price)) * f.quantity
        for f in rec.fills
    )
    assert shortfall != 0.0
    costs = run.summary.costs
    charged = sum(f.slippage for f in rec.fills)
    assert costs.realized.slippage == pytest.approx(charged + shortfall)
    assert costs.realized.commission == pytest.approx(sum(f.commission for f in rec.fills))
    paths = write_run_folder(run, tmp_path / "run")
    summary = json.loads(paths["summary"].read_text())
    assert summary["costs"]["realized"]["total"] == pytest.approx(costs.realized.total)
    weeks = sorted((tmp_path / "run" / "weekly").glob("week-*.md"))
    lines = [line for w in weeks for line in w.read_text().splitlines()]
    compared = [line for line in lines if line.startswith("- Costs Estimated / Realized: $")]
    assert len(compared) == len(weeks)
    assert any(not line.endswith("$0.00 / $0.00") for line in compared)
