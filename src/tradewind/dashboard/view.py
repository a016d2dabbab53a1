"""One run as the dashboard shows it: the run's records and every figure the reports compute
from them, each computed once (on first use) per version of the database.

Nothing here computes a metric of its own: the figures are those of ``tradewind report``
(:mod:`tradewind.service.run_reports`: the run's summary, weeks, daily tracking rows),
``tradewind readiness`` (:mod:`tradewind.review.readiness`) and the pure report functions
(:mod:`tradewind.reports`), called on the same :class:`~tradewind.service.records.RunRecords`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.plans import RegimeReading
from tradewind.domain.records import Decision
from tradewind.reports.costs import FillCost, fill_costs
from tradewind.reports.folder import WeeklyOptions, weeks_of
from tradewind.reports.rolling import daily_returns, rolling_sharpe
from tradewind.reports.run import RunSummary
from tradewind.reports.weekly import WeekFigures
from tradewind.review.readiness import Readiness, live_readiness, paper_readiness
from tradewind.service.checkpoint import Checkpoint, load_checkpoint
from tradewind.service.records import RunRecords
from tradewind.service.run_reports import daily_frame, options_for
from tradewind.store import PositionView, Store

HISTORICAL_SOURCES = frozenset({"bundled", "synthetic", "files"})
"""Data sources that hold history only: a run on them never shows live prices."""


@dataclass(frozen=True)
class RunView:
    """A stored run and the figures of its reports (see the module docstring).

    Attributes
    ----------
    records
        The run as loaded from the store, with its benchmark attached.
    cfg
        The dashboard's configuration (the readiness thresholds and paths; the strategy's
        own settings come from the run's stored configuration, :attr:`strategy`).
    checkpoint
        The run's last checkpoint (None for a backtest or before the first cycle): the
        engine's last regime reading, with its features, and the risk tracker.
    positions
        The positions snapshotted with the run's last cycle, as ``tradewind positions``
        shows them.
    paper
        For a live run: the paper run its costs are compared with (None otherwise).
    """

    records: RunRecords
    cfg: TradewindConfig
    checkpoint: Checkpoint | None
    positions: tuple[PositionView, ...]
    paper: RunRecords | None = None

    # --- what the run is ------------------------------------------------------------------
    @property
    def has_cycles(self) -> bool:
        """Whether the run recorded at least one cycle (else every tab shows an empty state)."""
        return bool(self.records.recorder.ts)

    @property
    def strategy(self) -> TradewindConfig:
        """The configuration the run traded with (the dashboard's when it was not stored)."""
        return self.records.config or self.cfg

    @property
    def source(self) -> str:
        """The run's ``data.source``."""
        return self.strategy.data.source

    @property
    def historical(self) -> bool:
        """True when the figures are history, not live: a replay, a backtest, or a run on a
        source that holds history only (bundled, synthetic, your files)."""
        return self.records.clock != "wall" or self.source in HISTORICAL_SOURCES

    def now(self) -> pd.Timestamp:
        """The time "now" means for this run: the wall clock for a wall-clock run, the last
        cycle for history (its "last 24 hours" are the run's last day)."""
        if self.records.clock == "wall" or self.records.end is None:
            return pd.Timestamp(datetime.now(UTC))
        return self.records.end

    # --- figures of the reports ---------------------------------------------------------------
    @cached_property
    def summary(self) -> RunSummary:
        """The run's metrics (``tradewind report summary``)."""
        return self.records.summary()

    @cached_property
    def options(self) -> WeeklyOptions:
        """How the run's weeks are measured (:func:`~tradewind.service.run_reports.options_for`)."""
        return options_for(self.records)

    @cached_property
    def weeks(self) -> list[WeekFigures]:
        """Every week of the run, as the weekly reports and the roll-up show it."""
        return weeks_of(self.summary, self.options)

    @cached_property
    def daily(self) -> pd.DataFrame:
        """The tracking columns per session, the rolling 2-week Sharpe and the day's fills
        (:func:`~tradewind.service.run_reports.daily_frame`)."""
        return daily_frame(self.records)

    @cached_property
    def rolling_sharpe(self) -> pd.Series:
        """The rolling Sharpe of each window of ``readiness.paper.sharpe_window_sessions``
        sessions (NaN before the first full window)."""
        returns = daily_returns(self.records.performance, self.records.run.initial_cash)
        return rolling_sharpe(returns, self.options.sharpe_window)

    @cached_property
    def readiness(self) -> Readiness:
        """The readiness verdict: the live phase for a live run, else the paper phase."""
        if self.records.run.mode == "live":
            return live_readiness(self.records, self.cfg, self.paper)
        return paper_readiness(self.records, self.cfg)

    @cached_property
    def fill_costs(self) -> list[FillCost]:
        """Every fill's estimated and realized costs (reports.costs.fill_costs)."""
        return fill_costs(self.records.recorder.decisions, self.records.recorder.fills)

    # --- the engine's memory --------------------------------------------------------------------
    @property
    def last_targets(self) -> Decision | None:
        """The latest decision that set target weights (the optimizer's answer), or None."""
        return next((d for d in reversed(self.records.recorder.decisions) if d.targets), None)

    @property
    def regime_reading(self) -> RegimeReading | None:
        """The engine's last regime reading with its features (from the checkpoint)."""
        if self.checkpoint is None:
            return None
        data = self.checkpoint.engine.get("regime")
        return RegimeReading.from_json(data) if data else None


def build_view(
    store: Store,
    records: RunRecords,
    cfg: TradewindConfig,
    paper: RunRecords | None = None,
) -> RunView:
    """The view of ``records`` (already loaded from ``store``, with their benchmark)."""
    run_id = records.run.id
    checkpoint = load_checkpoint(store, run_id) if records.clock != "backtest" else None
    positions = tuple(store.latest_positions(run_id))
    return RunView(records, cfg, checkpoint, positions, paper)
