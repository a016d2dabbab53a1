"""Sections for what a run reports and when it counts as ready: ``reports:`` and ``readiness:``.

Neither decides a trade: both are left out of the strategy fingerprint (changing a threshold
never starts a new run) and out of a backtest's configuration fingerprint.

The ``readiness`` defaults are the runbook's success criteria (Phase 22, "Success Criteria"):
paper trading needs a Sharpe ratio above 1.0 over rolling 2-week periods, transaction costs
under 0.2% a month, uptime above 95%, a positive cumulative return, a drawdown under 10% and
a win rate above 50%; small live capital needs a Sharpe above 1.2, a drawdown under 15%, a
return above SPY's and costs that match paper trading.
"""

from __future__ import annotations

from pydantic import Field

from tradewind.config.base import Section


class ReportsSection(Section):
    """Where a trading run writes its reports as weeks close (``reports:``)."""

    folder: str = Field(
        "runs",
        description="Folder of the run folders: a trade run's <folder>/<database>-run-<id>/, and "
        "the report folders of backtest and demo when no --out is given.",
    )
    write_during_run: bool = Field(
        True,
        description="The trading service writes the tracking CSV, the weekly report and the "
        "roll-up each time a week closes (false: only `tradewind report` writes them).",
    )


class PaperReadiness(Section):
    """Thresholds of the paper phase (``readiness.paper``): is the system ready for live?"""

    min_sessions: int = Field(
        10, ge=1, le=2520, description="Sessions of evidence needed (runbook: 2-4 weeks)."
    )
    sharpe_window_sessions: int = Field(
        10, ge=5, le=252, description="Sessions of a rolling Sharpe window (2 weeks = 10)."
    )
    min_rolling_sharpe: float = Field(
        1.0, ge=-10, le=10, description="Every rolling window's Sharpe must exceed this."
    )
    max_monthly_costs: float = Field(
        0.002, gt=0, lt=1, description="Costs of any calendar month over its average equity."
    )
    min_uptime: float = Field(0.95, gt=0, le=1, description="Share of the period the service ran.")
    max_missed_cycles: int = Field(
        0, ge=0, description="Cycle slots missed while the NYSE was open (crashes, bad data)."
    )
    min_orders_filled: float = Field(
        1.0, gt=0, le=1, description="Share of planned orders filled in full."
    )
    min_cumulative_return: float = Field(0.0, ge=-1, le=10)
    max_drawdown: float = Field(0.10, gt=0, lt=1, description="Deepest drawdown allowed.")
    min_win_rate: float = Field(0.50, ge=0, lt=1, description="Closed round trips that gained.")
    max_extra_slippage_bps: float = Field(
        5.0,
        ge=0,
        le=1000,
        description="Realized slippage above the planner's estimate, in basis points of the "
        "traded value.",
    )
    max_system_errors: int = Field(
        0, ge=0, description="Failed cycles and other error-level events allowed."
    )


class LiveReadiness(Section):
    """Thresholds of the small-live phase (``readiness.live``): is it ready to scale up?"""

    min_sessions: int = Field(
        21, ge=1, le=2520, description="Sessions of evidence needed (runbook: 1-2 months)."
    )
    min_sharpe: float = Field(1.2, ge=-10, le=10, description="Sharpe over the whole period.")
    max_drawdown: float = Field(0.15, gt=0, lt=1)
    min_excess_return: float = Field(
        0.0, ge=-1, le=10, description="Cumulative return minus the benchmark's (beat SPY)."
    )
    max_monthly_costs: float = Field(0.002, gt=0, lt=1)
    min_uptime: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Share of the period the service ran (runbook: operates reliably with "
        "real capital).",
    )
    max_system_errors: int = Field(
        0, ge=0, description="Error-level events (failed cycles, reconciliation halts)."
    )
    costs_match_tolerance: float = Field(
        0.25,
        ge=0,
        le=10,
        description="Live costs per traded dollar may exceed the paper run's by this fraction.",
    )


class ReadinessSection(Section):
    """The runbook's success criteria as thresholds (``readiness:``)."""

    paper: PaperReadiness = Field(default_factory=PaperReadiness)
    live: LiveReadiness = Field(default_factory=LiveReadiness)


NON_STRATEGY_SECTIONS = frozenset({"reports", "readiness", "dashboard"})  # dashboard: issue 24
"""Sections that never change what is traded (left out of the strategy fingerprints)."""
