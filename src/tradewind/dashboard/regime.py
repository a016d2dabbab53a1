"""The Regime tab's figures: the regime now (confidence and features), its history as
stretches of time, the optimization method selected and what the regime policy changed.

The regime of each cycle is the one the store recorded with it; the reading with its features
is the engine's last one, kept in the run's checkpoint. The policy's adjustments are the regime
policy resolved against the standard limits (:func:`tradewind.regime.policy.effective_policy`,
the engine's rule), shown next to the standard limits of ``risk_management``, plus the
protective cut the engine applies at the reading's confidence (:mod:`tradewind.review.policy_now`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.dashboard.view import RunView
from tradewind.domain.plans import Policy
from tradewind.domain.types import Regime
from tradewind.regime.policy import policy_table
from tradewind.reports.weekly import method_name
from tradewind.review.policy_now import PolicyNow

RECENT = pd.Timedelta(days=30)
"""The runbook's "regime history (last 30 days)"."""


@dataclass(frozen=True)
class Stretch:
    """A stretch of consecutive cycles in one regime, ``[start, end]`` (the last cycle's time)."""

    regime: str
    start: pd.Timestamp
    end: pd.Timestamp
    cycles: int


@dataclass(frozen=True)
class RegimeNowView:
    """The regime now and since when."""

    regime: str
    since: pd.Timestamp
    as_of: pd.Timestamp
    confidence: float | None
    features: dict[str, float]
    is_vix_proxy: bool
    method: str
    """The method the optimizer ran with at the latest decision with targets."""


def stretches(ts: Sequence[datetime], regimes: Sequence[str]) -> list[Stretch]:
    """The run's regimes as stretches, oldest first (empty before the first cycle)."""
    out: list[Stretch] = []
    for t, regime in zip(ts, regimes, strict=True):
        stamp = pd.Timestamp(t)
        if out and out[-1].regime == regime:
            last = out[-1]
            out[-1] = Stretch(regime, last.start, stamp, last.cycles + 1)
        else:
            out.append(Stretch(regime, stamp, stamp, 1))
    return out


def recent(parts: list[Stretch], now: pd.Timestamp, window: pd.Timedelta = RECENT) -> list[Stretch]:
    """The stretches that overlap the ``window`` before ``now``, clipped to it."""
    start = now - window
    return [
        Stretch(s.regime, max(s.start, start), s.end, s.cycles) for s in parts if s.end >= start
    ]


def regime_now(view: RunView) -> RegimeNowView:
    """The regime of the run's last cycle with the engine's reading (the run must have one)."""
    rec = view.records.recorder
    parts = stretches(rec.ts, rec.regime)
    last = parts[-1]
    reading = view.regime_reading
    decision = view.last_targets
    confidence: float | None = None
    if reading is not None and reading.regime.value == last.regime:
        confidence = float(reading.confidence)
    elif decision is not None and decision.regime == last.regime:
        confidence = float(decision.confidence)
    features = dict(reading.features) if reading is not None else {}
    return RegimeNowView(
        regime=last.regime,
        since=last.start,
        as_of=last.end,
        confidence=confidence,
        features=features,
        is_vix_proxy=bool(reading.is_vix_proxy) if reading is not None else False,
        method=method_name(decision.method) if decision is not None else "none yet",
    )


def policy_frame(strategy: TradewindConfig) -> pd.DataFrame:
    """Each regime's policy against the standard limits: method, position cap, exposure cap,
    cash buffer and the share that may be invested."""
    standard = Policy(
        strategy.portfolio_optimization.method,
        strategy.risk_management.max_position_size,
        strategy.risk_management.max_portfolio_risk,
        0.0,
    )
    rows = [_row("standard (risk_management)", standard)]
    rows += [_row(regime.value, p) for regime, p in policy_table(strategy).items()]
    return pd.DataFrame(rows)


def _row(name: str, p: Policy) -> dict[str, object]:
    return {
        "regime": name,
        "method": method_name(p.method),
        "position cap": p.max_position_size,
        "exposure cap": p.max_portfolio_risk,
        "cash buffer": p.cash_buffer,
        "invested at most": p.invested_fraction,
    }


def adjustments(
    strategy: TradewindConfig, regime: str, in_force: PolicyNow | None = None
) -> list[str]:
    """What the policy of ``regime`` changes against the standard limits, one line each;
    ``in_force`` (the run's current policy) adds the protective cut the engine applies."""
    if regime not in Regime.__members__:
        return [f"regime {regime}: no policy (the standard limits apply)"]
    if not strategy.portfolio_optimization.regime_aware:
        return [
            "portfolio_optimization.regime_aware is false: the standard method and limits "
            "apply in every regime"
        ]
    p = policy_table(strategy)[Regime(regime)]
    risk = strategy.risk_management
    out = []
    if p.method != strategy.portfolio_optimization.method:
        out.append(
            f"method {method_name(p.method)} instead of "
            f"{method_name(strategy.portfolio_optimization.method)}"
        )
    if p.max_position_size < risk.max_position_size:
        out.append(
            f"position cap {p.max_position_size:.0%} instead of {risk.max_position_size:.0%}"
        )
    if p.max_portfolio_risk < risk.max_portfolio_risk:
        out.append(
            f"exposure cap {p.max_portfolio_risk:.0%} instead of {risk.max_portfolio_risk:.0%}"
        )
    if p.cash_buffer > 0:
        out.append(f"cash buffer {p.cash_buffer:.0%}: at most {p.invested_fraction:.0%} invested")
    cut = in_force.cut_text() if in_force is not None and in_force.regime.value == regime else ""
    if cut and in_force is not None:
        out.append(
            f"{cut}: at most {in_force.policy.invested_fraction:.0%} invested instead of "
            f"{p.invested_fraction:.0%} (regime.protection)"
        )
    return out or ["none: the standard method and limits apply"]


def changes_frame(view: RunView) -> pd.DataFrame:
    """The run's regime changes (the engine's ``regime_change`` events), newest first."""
    rows = [
        {"time": pd.Timestamp(e.ts), "change": e.message}
        for e in view.records.events
        if e.kind == "regime_change"
    ]
    return pd.DataFrame(rows[::-1], columns=["time", "change"])
