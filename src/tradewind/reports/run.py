"""Everything a finished run leaves behind, in one typed bundle the reports are written from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradewind.domain.costs import CostComparison
from tradewind.domain.ledger import Ledger
from tradewind.engine.recorder import Recorder
from tradewind.reports.costs import total_comparison
from tradewind.reports.metrics import Performance, Relative, performance, relative


@dataclass(frozen=True)
class RunSummary:
    """A finished run: its recorder and book, the metrics, the benchmark used, and the costs
    estimated before trading against those realized."""

    name: str
    recorder: Recorder
    book: Ledger
    initial_capital: float
    benchmark: pd.Series | None
    performance: Performance
    relative: Relative | None
    costs: CostComparison
    uptime: float | None = None
    """Share of the run's wall-clock time the trading service was up, from its heartbeats
    (None for a backtest: no process ran that could have been down)."""


def summarize(
    name: str,
    recorder: Recorder,
    book: Ledger,
    initial_capital: float,
    benchmark: pd.Series | None = None,
    rf_annual: float = 0.0,
    uptime: float | None = None,
) -> RunSummary:
    """Compute the run's metrics from its recorder and book (``uptime``: see
    :attr:`RunSummary.uptime`)."""
    equity = recorder.equity_curve()
    rebalances = sum(1 for d in recorder.decisions if d.orders and "risk" not in d.reasons)
    exposure = pd.Series(recorder.exposure, index=equity.index)
    perf = performance(
        equity,
        initial_capital,
        trade_pnls=[t.pnl for t in book.closed_trades],
        turnover=turnover(recorder),
        costs_usd=book.costs.total,
        exposure=exposure,
        rebalances=rebalances,
        rf_annual=rf_annual,
    )
    rel = None
    if benchmark is not None and len(benchmark.dropna()) > 2:
        rel = relative(equity, benchmark, initial_capital, rf_annual)
    costs = total_comparison(recorder.decisions, recorder.fills)
    return RunSummary(name, recorder, book, initial_capital, benchmark, perf, rel, costs, uptime)


def turnover(recorder: Recorder) -> float:
    """Sum over decisions of their filled notional divided by the equity before trading.

    The first purchase from cash counts as about 1.0 (``shared/BENCH_TASKS.md`` convention).
    """
    notional: dict[str, float] = {}
    get = notional.get
    for f in recorder.fills:
        cid = f.client_order_id
        notional[cid] = get(cid, 0.0) + f.quantity * f.price
    total = 0.0
    for d in recorder.decisions:
        traded = sum(get(o.client_order_id, 0.0) for o in d.orders)
        if traded and d.equity_before > 0:
            total += traded / d.equity_before
    return total
