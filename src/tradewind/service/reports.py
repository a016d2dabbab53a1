"""A run's reports from the database: the same summary and files a backtest writes.

The engine's in-memory recorder only knows the cycles since the process started; the store knows
the whole run across every restart. :func:`recorder_from_store` rebuilds a
:class:`~tradewind.engine.recorder.Recorder` from the stored cycles, fills and events, so the
summary, tracking CSV, weekly reports and tearsheet of a trading run come from what was
recorded, exactly as :func:`tradewind.backtest.outputs.write_run_folder` writes them for a
backtest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.ledger import Ledger
from tradewind.domain.records import Decision, EngineEvent
from tradewind.engine.cycle import Engine
from tradewind.engine.recorder import Recorder
from tradewind.orders.account import Baseline, rebuild_book
from tradewind.reports.run import summarize
from tradewind.service.checkpoint import load_baseline
from tradewind.service.runs import run_uptime
from tradewind.store import Store

if TYPE_CHECKING:  # imported where used: `tradewind positions` reads a book without the engine
    from tradewind.backtest.runner import BacktestRun


def recorder_from_store(store: Store, run_id: int) -> Recorder:
    """The run's bars, decisions, fills and events as the engine would have recorded them."""
    run = store.run(run_id)
    symbols = run.symbols
    rec = Recorder(symbols)
    cycles = store.cycles(run_id)
    values = store.position_values(run_id)
    for c in cycles:
        held = values.get(c.ts, {})
        weights = (
            np.array([held.get(s, 0.0) for s in symbols]) / c.equity
            if c.equity > 0
            else (np.zeros(len(symbols)))
        )
        rec.bar(c.ts, c.equity, c.cash, c.regime, weights)
        if not c.is_decision:
            continue
        targets = tuple(float((c.targets or {}).get(s, 0.0)) for s in symbols) if c.targets else ()
        rec.decisions.append(
            Decision(
                ts=c.ts,
                regime=c.regime,
                confidence=float(c.confidence) if c.confidence is not None else 0.0,
                method=c.method or "",
                reasons=c.reasons,
                targets=targets,
                orders=c.orders,
                equity=c.equity,
                equity_before=c.equity_before if c.equity_before is not None else c.equity,
                fallback_reason=c.fallback_reason,
                notes=c.notes,
            )
        )
    rec.add_fill_list([f for _, f in store.fills_by_id(run_id)])
    rec.events.extend(
        EngineEvent(e.ts, e.kind, e.message, e.severity) for e in store.events(run_id)
    )
    return rec


def book_from_store(store: Store, run_id: int) -> Ledger:
    """The run's book: its baseline plus every recorded fill."""
    run = store.run(run_id)
    baseline = load_baseline(store, run_id) or Baseline(run.initial_cash)
    return rebuild_book(run.symbols, baseline, [f for _, f in store.fills_by_id(run_id)])


def run_report(
    cfg: TradewindConfig,
    store: Store,
    run_id: int,
    benchmark: pd.Series | None,
    engine: Engine,
) -> BacktestRun:
    """The run as a :class:`BacktestRun`, ready for ``print_summary`` and the report folder."""
    from tradewind.backtest.runner import BacktestRun

    run = store.run(run_id)
    recorder = recorder_from_store(store, run_id)
    book = book_from_store(store, run_id)
    summary = summarize(
        run.name,
        recorder,
        book,
        run.initial_cash,
        benchmark,
        cfg.portfolio_optimization.risk_free_rate,
        uptime=up.fraction if (up := run_uptime(store, run)) is not None else None,
    )
    start = pd.Timestamp(recorder.ts[0]) if recorder.ts else pd.Timestamp(run.started_at)
    end = pd.Timestamp(recorder.ts[-1]) if recorder.ts else start
    return BacktestRun(summary, cfg, start, end, run.config_fingerprint, engine)


def write_reports(run: BacktestRun, folder: str | Path, note: str = "") -> dict[str, Path]:
    """Write the run's report folder (summary, tracking CSV, weekly reports, tearsheet...)."""
    from tradewind.backtest.outputs import write_run_folder

    return write_run_folder(run, folder, note)
