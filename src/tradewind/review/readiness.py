"""Is the system ready for the next phase? The runbook's success criteria over a run's records.

``paper``: is a paper-trading run good enough to commit real capital (Phase 22.2, "Success
Criteria: Paper Trading Phase")? ``live``: is a small-live run good enough to scale up
("Live Trading Phase")? Thresholds come from the ``readiness:`` section of the configuration
(the runbook's numbers by default). Each criterion passes, fails, or has no data; the verdict
is READY only when every one passes:

============================  ========  =======================================================
verdict                       exit code  meaning
============================  ========  =======================================================
READY                         0          every criterion passed
NOT READY                     1          at least one criterion failed
INSUFFICIENT EVIDENCE         5          none failed, but some could not be measured yet
============================  ========  =======================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from tradewind.config import TradewindConfig
from tradewind.review.criteria import (
    Criterion,
    beats_benchmark,
    costs_match_paper,
    drawdown_below,
    enough_sessions,
    monthly_costs_below,
    no_missed_cycles,
    rebalances_filled,
    regime_policies_followed,
    return_above,
    rolling_sharpe_above,
    sharpe_above,
    slippage_near_estimate,
    system_errors_at_most,
    uptime_above,
    win_rate_above,
)
from tradewind.review.evidence import Evidence
from tradewind.service.records import RunRecords

Phase = Literal["paper", "live"]
VerdictText = Literal["READY", "NOT READY", "INSUFFICIENT EVIDENCE"]
EXIT_CODES: dict[str, int] = {"READY": 0, "NOT READY": 1, "INSUFFICIENT EVIDENCE": 5}
NEXT_STEP = {
    ("paper", "READY"): "every paper criterion holds: ready for small live capital (runbook "
    "Phase 22.3: start with $5,000-$10,000, same configuration).",
    ("paper", "NOT READY"): "keep paper trading; review the failed criteria (the runbook's "
    "troubleshooting section) before going live.",
    ("paper", "INSUFFICIENT EVIDENCE"): "nothing failed yet, but some criteria have no data: "
    "keep paper trading until they do.",
    ("live", "READY"): "every live criterion holds: ready to scale toward full capital.",
    ("live", "NOT READY"): "do not scale up; review the failed criteria.",
    ("live", "INSUFFICIENT EVIDENCE"): "keep trading small until every criterion can be judged.",
}


@dataclass(frozen=True)
class Readiness:
    """The outcome of a readiness check."""

    phase: Phase
    run: str
    period: str
    criteria: tuple[Criterion, ...]

    @property
    def verdict(self) -> VerdictText:
        """READY, NOT READY or INSUFFICIENT EVIDENCE (see the module docstring)."""
        statuses = {c.status for c in self.criteria}
        if "fail" in statuses:
            return "NOT READY"
        if "no data" in statuses:
            return "INSUFFICIENT EVIDENCE"
        return "READY"

    @property
    def exit_code(self) -> int:
        """The command's exit code for :attr:`verdict`."""
        return EXIT_CODES[self.verdict]

    @property
    def next_step(self) -> str:
        """What the runbook says to do now."""
        return NEXT_STEP[(self.phase, self.verdict)]

    def as_dict(self) -> dict[str, Any]:
        """The outcome as plain JSON values."""
        return {
            "phase": self.phase,
            "run": self.run,
            "period": self.period,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "next_step": self.next_step,
            "criteria": [
                {
                    "key": c.key,
                    "criterion": c.name,
                    "threshold": c.threshold,
                    "measured": c.measured,
                    "value": c.value,
                    "status": c.status,
                    "evidence": c.evidence,
                    "details": list(c.details),
                }
                for c in self.criteria
            ],
        }


def paper_readiness(
    records: RunRecords, cfg: TradewindConfig, since: date | None = None
) -> Readiness:
    """The paper phase's criteria over ``records`` from ``since`` on (thresholds from ``cfg``;
    the run's own configuration decides which regime policy applied)."""
    t = cfg.readiness.paper
    ev = Evidence.of(records, since)
    strategy = records.config or cfg
    criteria = (
        enough_sessions(ev, t.min_sessions, "runbook: 2-4 weeks of paper trading"),
        rolling_sharpe_above(ev, t.sharpe_window_sessions, t.min_rolling_sharpe),
        monthly_costs_below(ev, t.max_monthly_costs),
        uptime_above(ev, t.min_uptime),
        regime_policies_followed(ev, strategy),
        rebalances_filled(ev, t.min_orders_filled),
        no_missed_cycles(ev, t.max_missed_cycles),
        system_errors_at_most(ev, t.max_system_errors),
        return_above(ev, t.min_cumulative_return),
        drawdown_below(ev, t.max_drawdown),
        win_rate_above(ev, t.min_win_rate),
        slippage_near_estimate(ev, t.max_extra_slippage_bps),
    )
    return Readiness("paper", records.label, ev.period, criteria)


def live_readiness(
    records: RunRecords,
    cfg: TradewindConfig,
    paper: RunRecords | None = None,
    since: date | None = None,
) -> Readiness:
    """The small-live phase's criteria over ``records``; ``paper`` is the paper run its costs
    are compared with (never ``records`` itself: that comparison has no data)."""
    t = cfg.readiness.live
    ev = Evidence.of(records, since)
    no_paper = ""
    if paper is not None and same_run(paper, records):
        no_paper = f"the paper run found is the run judged ({records.label}): give --paper-run N"
        paper = None
    criteria = (
        enough_sessions(ev, t.min_sessions, "runbook: 1-2 months of live trading"),
        beats_benchmark(ev, t.min_excess_return),
        sharpe_above(ev, t.min_sharpe),
        drawdown_below(ev, t.max_drawdown),
        monthly_costs_below(ev, t.max_monthly_costs),
        costs_match_paper(
            ev,
            Evidence.of(paper) if paper is not None else None,
            t.costs_match_tolerance,
            no_paper,
        ),
        # the runbook's "System operates reliably with real capital"
        uptime_above(ev, t.min_uptime),
        system_errors_at_most(ev, t.max_system_errors),
    )
    return Readiness("live", records.label, ev.period, criteria)


def same_run(a: RunRecords, b: RunRecords) -> bool:
    """Whether ``a`` and ``b`` are the same run of the same database (a configuration whose
    ``database.url`` has no ``{mode}`` keeps paper, live and simulated runs in one file)."""
    key_a = (a.run.id, a.run.run_tag, a.run.started_at)
    return key_a == (b.run.id, b.run.run_tag, b.run.started_at)
