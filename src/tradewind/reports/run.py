"""Everything a finished run leaves behind, in one typed bundle the reports are written from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.domain.cash import CapitalFlow
from tradewind.domain.costs import CostComparison
from tradewind.domain.ledger import Ledger
from tradewind.domain.records import Decision
from tradewind.engine.order_columns import order_reasons, orders_of
from tradewind.engine.recorder import Recorder
from tradewind.reports.costs import pairs_comparison
from tradewind.reports.fill_pairs import FillPairs
from tradewind.reports.metrics import (
    Performance,
    Relative,
    cost_shares,
    performance,
    relative,
)


@dataclass(frozen=True)
class RunSummary:
    """A finished run: its recorder and book, the metrics, the benchmark used, and the costs
    estimated before trading against those realized.

    With deposits or withdrawals (``flows``), ``recorder``'s equity is the run's time-weighted
    performance path (:mod:`tradewind.reports.flows`) and ``account`` the recorder of the
    account's dollars; without them ``account`` is None (``recorder`` is the account's).
    """

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
    account: Recorder | None = None
    """The account's recorder when ``recorder`` holds the performance path (None: the same)."""
    flows: tuple[CapitalFlow, ...] = ()
    """The deposits and withdrawals adopted over the run."""
    broker_fees: tuple[tuple[datetime, float], ...] = ()
    """The regulatory fees the broker took from the cash apart from the fills, when (USD): in
    the run's transaction costs with the fills' own."""

    @property
    def broker_fees_total(self) -> float:
        """The regulatory fees taken over the run (USD)."""
        return float(sum(amount for _, amount in self.broker_fees))

    @property
    def dollars(self) -> Recorder:
        """The recorder of the account's dollars (equity, cash)."""
        return self.account if self.account is not None else self.recorder


def summarize(
    name: str,
    recorder: Recorder,
    book: Ledger,
    initial_capital: float,
    benchmark: pd.Series | None = None,
    rf_annual: float = 0.0,
    uptime: float | None = None,
    account: Recorder | None = None,
    flows: Sequence[CapitalFlow] = (),
    broker_fees: Sequence[tuple[datetime, float]] = (),
) -> RunSummary:
    """Compute the run's metrics from its recorder and book (``uptime``: see
    :attr:`RunSummary.uptime`; ``account``, ``flows``: see :class:`RunSummary`: the final
    equity and the costs' share of the equity are then the account's; ``broker_fees``: added
    to the fills' costs)."""
    costs_usd = book.costs.total + float(sum(amount for _, amount in broker_fees))
    equity = recorder.equity_curve()
    pairs = FillPairs.of(recorder.decisions, recorder.fill_columns())
    rebalances = sum(1 for d in recorder.decisions if is_rebalance(d))
    exposure = pd.Series(recorder.exposure, index=equity.index)
    perf = performance(
        equity,
        initial_capital,
        trade_pnls=[t.pnl for t in book.closed_trades],
        turnover=pairs_turnover(pairs),
        costs_usd=costs_usd,
        exposure=exposure,
        rebalances=rebalances,
        rf_annual=rf_annual,
    )
    rel = None
    if benchmark is not None and len(benchmark.dropna()) > 2:
        rel = relative(equity, benchmark, initial_capital, rf_annual)
    costs = pairs_comparison(pairs)
    if account is not None and account.equity:
        path = np.concatenate([[initial_capital], np.asarray(account.equity, dtype=float)])
        per_year, per_month = cost_shares(costs_usd, path, equity.index)
        perf = replace(
            perf,
            final_equity=float(path[-1]),
            costs_pct_per_year=per_year,
            costs_pct_per_month=per_month,
        )
    return RunSummary(
        name,
        recorder,
        book,
        initial_capital,
        benchmark,
        perf,
        rel,
        costs,
        uptime,
        account,
        tuple(flows),
        tuple(broker_fees),
    )


REBALANCE = "rebalance"
"""The reason of every order the trade planner places (``rebalance``, ``rebalance (reduced:
cash)``)."""


def is_rebalance(decision: Decision) -> bool:
    """True for a decision that placed orders to rebalance toward new targets.

    Stop exits and other risk exits are not rebalances: they have no targets and their orders'
    reasons are ``stop:...`` or ``halt:flatten``. A cycle that did both, which the store keeps
    as one merged decision, counts once, and only if its rebalance placed an order.
    """
    if not decision.targets:
        return False
    return any(r.startswith(REBALANCE) for r in order_reasons(orders_of(decision)))


def rebalance_triggers(decisions: list[Decision]) -> dict[str, int]:
    """How often each trigger fired a rebalance (:func:`is_rebalance`): ``calendar``,
    ``drift``, ``regime change`` ... (the reason's words before its figures), most frequent
    first. A rebalance that several triggers fired at once counts under each."""
    counts: dict[str, int] = {}
    for d in decisions:
        if not is_rebalance(d):
            continue
        for name in {_trigger_name(r) for r in d.reasons}:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def describe_triggers(rebalances: int, triggers: dict[str, int]) -> str:
    """``38 (calendar 25, regime change 14, drift 1)``."""
    parts = ", ".join(f"{name} {n}" for name, n in triggers.items())
    return f"{rebalances} ({parts})" if parts else str(rebalances)


def _trigger_name(reason: str) -> str:
    head = reason.split(":", 1)[0].strip()
    return "drift" if head.startswith("drift") else head


def turnover(recorder: Recorder) -> float:
    """Sum over cycles of their filled notional divided by the equity before trading.

    The first purchase from cash counts as about 1.0 (``shared/BENCH_TASKS.md`` convention).
    A cycle's decisions (risk exits, then a rebalance) count together against the equity
    before the first of them, so a run read back from the store, which keeps one decision per
    cycle, has the same turnover as when it ran.
    """
    return pairs_turnover(FillPairs.of(recorder.decisions, recorder.fill_columns()))


def pairs_turnover(pairs: FillPairs) -> float:
    """:func:`turnover` of the decisions and fills of ``pairs``."""
    values = pairs.order_values()
    per_cycle: dict[object, list[float]] = {}
    end = 0
    for d, count in zip(pairs.decisions, pairs.order_counts(), strict=True):
        start, end = end, end + count
        traded = sum(values[start:end])
        cycle = per_cycle.setdefault(d.ts, [0.0, d.equity_before])
        cycle[0] += traded
    return sum(traded / before for traded, before in per_cycle.values() if traded and before > 0)
