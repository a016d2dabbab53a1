"""One run as the store recorded it, loaded once into plain values the reports are computed from.

Every report of a run (``tradewind report``, ``readiness``, ``checklist``, the files a trading
run writes as weeks close, the dashboard) starts from a :class:`RunRecords`: the run, its
configuration as it ran, the bars, decisions, fills and events rebuilt as the engine recorded
them, the orders with their final state, the book, and the service's uptime. The functions that
turn it into tables and figures are pure, so the command line and the dashboard show the same
numbers from the same records.

Which clock a run ran on decides what some figures mean: ``wall`` (paper, live, simulated on
the wall clock: uptime per week is measured from the heartbeats), ``replay`` (history through
the trading loop: the heartbeats are those of the replaying process, reported for the run as a
whole) and ``backtest`` (no service process at all: uptime is n/a).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.config import TradewindConfig
from tradewind.domain.actions import CorporateAction
from tradewind.domain.cash import CapitalFlow
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import StoredOrder
from tradewind.engine.recorder import Recorder
from tradewind.reports.flows import performance_recorder
from tradewind.reports.run import RunSummary, summarize
from tradewind.service.checkpoint import load_baseline
from tradewind.service.reports import book_from_store, recorder_from_store
from tradewind.service.runs import META_KEY
from tradewind.store import EventView, RunInfo, Store, Uptime
from tradewind.store.schema import HeartbeatRow, RunRow

Clock = Literal["wall", "replay", "backtest"]


@dataclass(frozen=True)
class RunRecords:
    """Everything stored about one run (see the module docstring).

    Attributes
    ----------
    run
        The run row.
    config
        The configuration the run ran with (None when the stored one no longer validates:
        reports then use the current configuration's thresholds).
    clock
        ``wall``, ``replay`` or ``backtest``.
    interval_seconds
        Seconds between cycles of a wall-clock run (None otherwise).
    recorder
        Bars, decisions, fills and events, as the engine recorded them.
    book
        The run's baseline plus every recorded fill.
    orders
        Every order the run placed, in the state the store has it.
    events
        Every stored event of the run, oldest first.
    uptime
        Heartbeat coverage of the whole run (None for a backtest).
    benchmark
        Benchmark closes over the run (None when not loaded or not available).
    benchmark_note
        Where the benchmark came from, or why there is none.
    flows
        The deposits and withdrawals a person adopted over the run (from its baseline; none
        for a backtest or a replay): the metrics are time-weighted around them
        (:attr:`performance`).
    income, fees
        The dividends and interest booked to the run's cash, and the regulatory fees the broker
        took from it (USD, from its baseline; 0 for a backtest or a replay).
    reserved
        The broker cash set aside, never traded: outside :attr:`book` and every figure here
        (USD, from its baseline; ``trading.larger_account``; 0 when none).
    splits
        The stock splits reconciliation booked, oldest first (from its baseline; in
        :attr:`book` already).
    """

    run: RunInfo
    config: TradewindConfig | None
    clock: Clock
    interval_seconds: int | None
    recorder: Recorder
    book: Ledger
    orders: tuple[StoredOrder, ...]
    events: tuple[EventView, ...]
    uptime: Uptime | None
    benchmark: pd.Series | None = None
    benchmark_note: str = "benchmark not loaded"
    flows: tuple[CapitalFlow, ...] = ()
    income: float = 0.0
    fees: float = 0.0
    reserved: float = 0.0
    splits: tuple[CorporateAction, ...] = ()

    @cached_property
    def broker_fees_taken(self) -> tuple[tuple[datetime, float], ...]:
        """The regulatory fees the broker took from the cash apart from the fills, when (USD;
        the ``broker_fees`` events reconciliation recorded: :mod:`tradewind.orders.reconcile`)."""
        return tuple(
            (e.ts, float(e.data["fees"]))
            for e in self.events
            if e.kind == "broker_fees"
            and isinstance(e.data, dict)
            and isinstance(e.data.get("fees"), int | float)
        )

    @cached_property
    def performance(self) -> Recorder:
        """The recorder the run's returns are measured on: :attr:`recorder` with its equity on
        the time-weighted performance path (:mod:`tradewind.reports.flows`); :attr:`recorder`
        itself for a run without flows. Dollar figures read :attr:`recorder`."""
        return performance_recorder(self.recorder, self.flows)

    @property
    def start(self) -> pd.Timestamp | None:
        """Time of the first cycle (None before any)."""
        return pd.Timestamp(self.recorder.ts[0]) if self.recorder.ts else None

    @property
    def end(self) -> pd.Timestamp | None:
        """Time of the last cycle (None before any)."""
        return pd.Timestamp(self.recorder.ts[-1]) if self.recorder.ts else None

    @property
    def label(self) -> str:
        """``run 3 'paper' (paper, wall clock)`` for headings."""
        clock = {"wall": "wall clock", "replay": "replay", "backtest": "backtest"}[self.clock]
        return f"run {self.run.id} '{self.run.name}' ({self.run.mode}, {clock})"

    def with_benchmark(self, series: pd.Series | None, note: str) -> RunRecords:
        """The same records with a benchmark series attached."""
        return replace(self, benchmark=series, benchmark_note=note)

    def summary(self) -> RunSummary:
        """The run's metrics (:func:`tradewind.reports.run.summarize`) from these records, on
        the performance path (:attr:`performance`)."""
        if not self.recorder.ts:
            raise ValueError(f"{self.label} has no cycle recorded yet: nothing to report")
        rf = self.config.portfolio_optimization.risk_free_rate if self.config else 0.0
        return summarize(
            self.run.name,
            self.performance,
            self.book,
            self.run.initial_cash,
            self.benchmark,
            rf,
            uptime=self.uptime.fraction if self.uptime is not None else None,
            account=self.recorder if self.flows else None,
            flows=self.flows,
            broker_fees=self.broker_fees_taken,
        )


def load_records(store: Store, run_id: int) -> RunRecords:
    """Read run ``run_id`` from ``store`` (raises ``StoreError`` when there is no such run)."""
    run = store.run(run_id)
    meta = store.load_state(META_KEY.format(run_id=run_id)) or {}
    clock = _clock(run, meta)
    interval = meta.get("interval_seconds") if clock == "wall" else None
    baseline = load_baseline(store, run_id)
    return RunRecords(
        run=run,
        config=stored_config(store, run_id),
        clock=clock,
        interval_seconds=int(interval) if isinstance(interval, int | float) else None,
        recorder=recorder_from_store(store, run_id),
        book=book_from_store(store, run_id),
        orders=tuple(store.orders(run_id)),
        events=tuple(store.events(run_id)),
        uptime=service_uptime(store, run, meta) if clock != "backtest" else None,
        flows=baseline.flows if baseline else (),
        income=baseline.income if baseline else 0.0,
        fees=baseline.fees if baseline else 0.0,
        reserved=baseline.reserved_cash if baseline else 0.0,
        splits=baseline.splits if baseline else (),
    )


def service_uptime(store: Store, run: RunInfo, meta: dict[str, Any]) -> Uptime | None:
    """Heartbeat coverage from the run's first heartbeat to its last (None without two).

    The same measure as ``tradewind status`` (:func:`tradewind.service.runs.run_uptime`: every
    run's heartbeats count, a silence longer than the heartbeat period counts as down), over
    the span the run's own heartbeats cover. The heartbeats follow the service's clock, the
    run's start and end stamps the machine's; the two only differ when a test injects a clock.
    """
    with Session(store.engine) as s:
        first, last = s.execute(
            select(func.min(HeartbeatRow.ts), func.max(HeartbeatRow.ts)).where(
                HeartbeatRow.run_id == run.id
            )
        ).one()
    if first is None or last is None or last <= first:
        return None
    period = timedelta(seconds=float(meta.get("heartbeat_seconds", 300)))
    return store.uptime(None, first, last, period)


def stored_config(store: Store, run_id: int) -> TradewindConfig | None:
    """The configuration run ``run_id`` recorded when it started (None if absent or invalid)."""
    with Session(store.engine) as s:
        data = s.scalar(select(RunRow.config).where(RunRow.id == run_id))
    if not data:
        return None
    try:
        return TradewindConfig.model_validate(data)
    except ValidationError:
        return None


def pick_run(store: Store, run_id: int | None) -> RunInfo | None:
    """Run ``run_id``, or the latest run when None (None when the database has no run)."""
    return store.run(run_id) if run_id is not None else store.latest_run()


def _clock(run: RunInfo, meta: dict[str, Any]) -> Clock:
    if run.mode == "backtest" or meta.get("clock") == "backtest":
        return "backtest"
    return "replay" if meta.get("clock") == "replay" else "wall"


def uptime_between(uptime: Uptime | None, start: datetime, end: datetime) -> float | None:
    """Share of ``[start, end]`` the service was up, from the run's down stretches.

    The window is clipped to the span the run's uptime was measured over; None when nothing
    of it is left (or the run has no uptime: a backtest).
    """
    if uptime is None:
        return None
    a, b = max(start, uptime.start), min(end, uptime.end)
    if b <= a:
        return None
    down = timedelta(0)
    for g0, g1 in uptime.gaps:
        lo, hi = max(g0, a), min(g1, b)
        if hi > lo:
            down += hi - lo
    return 1.0 - down / (b - a)
