"""The Portfolio tab's figures: positions and weights, the optimizer's targets, drift, the next
rebalancing trigger and the exposure against the caps, as of the run's last cycle.

Drift per position is the weight recorded at the last cycle minus the last targets the
optimizer set. The portfolio drift, against ``drift_threshold``, is the trigger's own measure
(:func:`tradewind.rebalance.triggers.drift_from_arrays`: half the sum of absolute weight
deviations, cash included) against what the engine compares with at the next cycle
(:mod:`tradewind.review.trigger_drift`: stopped-out symbols leave the targets until the next
rebalance, a rebalance that could not trade sets a new reference, a capped rebalance being
carried out pauses the drift trigger); the caps are the regime policy in force, as the engine
applies them: the regime's policy with the protective cut at the last reading's confidence
(:mod:`tradewind.review.policy_now`). The next calendar rebalance is the first NYSE session
that opens a new period (:func:`tradewind.rebalance.triggers.period_of`), the rule the
calendar trigger follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.config.portfolio import Frequency
from tradewind.dashboard.view import RunView
from tradewind.domain.plans import Policy
from tradewind.rebalance.triggers import Drift, drift_from_arrays, period_of
from tradewind.reports.rolling import NEW_YORK
from tradewind.review.policy_now import policy_now
from tradewind.review.trigger_drift import TriggerDrift, trigger_drift
from tradewind.service.records import RunRecords

SEARCH_DAYS = 120
"""How far ahead the next calendar rebalance is looked for (a quarter plus holidays)."""


@dataclass(frozen=True)
class Holding:
    """One symbol of the run: what is held, what the optimizer wants, and the gap."""

    symbol: str
    quantity: float
    average_cost: float | None
    price: float | None
    value: float
    weight: float
    target: float | None
    drift: float | None
    """``weight - target`` (positive: overweight); None before the first targets."""


@dataclass(frozen=True)
class NextTrigger:
    """When the next rebalance comes, by the calendar and by drift."""

    trigger_type: str
    frequency: str
    calendar_date: date | None
    """First session of the next period (None when the trigger is drift only)."""
    drift: float | None
    threshold: float
    distance: float | None
    """``threshold - drift`` (None before the first targets or for a calendar-only trigger)."""
    note: str = ""
    """Why the trigger's drift is not measured against the optimizer's last targets."""

    @property
    def drift_due(self) -> bool:
        """Whether the drift is at or past the threshold (the trigger is inclusive)."""
        return self.distance is not None and self.distance <= 0


@dataclass(frozen=True)
class PortfolioState:
    """Everything the Portfolio tab shows (see the module docstring)."""

    as_of: pd.Timestamp
    equity: float
    cash: float
    holdings: tuple[Holding, ...]
    exposure: float
    regime: str
    policy: Policy | None
    """The regime policy the engine applies (the protective cut included)."""
    policy_note: str
    """The protective cut in words ("" when none applies)."""
    targets_at: pd.Timestamp | None
    targets_method: str | None
    drift: Drift | None
    next_trigger: NextTrigger

    @property
    def cash_weight(self) -> float:
        """Cash over equity."""
        return self.cash / self.equity if self.equity else 0.0

    @property
    def largest_weight(self) -> float:
        """The largest position weight (0 with nothing held)."""
        return max((h.weight for h in self.holdings), default=0.0)


def portfolio_state(view: RunView) -> PortfolioState:
    """The Portfolio tab's figures of ``view``'s last cycle (the run must have one)."""
    rec = view.records.recorder
    symbols = view.records.run.symbols
    equity, cash = float(rec.equity[-1]), float(rec.cash[-1])
    weights = np.asarray(rec.weights[-1], dtype=float)
    decision = view.last_targets
    target = np.asarray(decision.targets, dtype=float) if decision is not None else None
    drift = drift_from_arrays(weights, target, symbols) if target is not None else None
    marks = {p.symbol: p for p in view.positions}
    book = view.records.book
    holdings = []
    for i, symbol in enumerate(symbols):
        p = marks.get(symbol)
        goal = float(target[i]) if target is not None else None
        if p is None and not weights[i] and not goal:
            continue
        quantity = p.quantity if p is not None else float(book.quantity[i])
        holdings.append(
            Holding(
                symbol,
                quantity,
                p.average_cost if p is not None else None,
                p.price if p is not None else None,
                float(weights[i] * equity),
                float(weights[i]),
                goal,
                float(weights[i] - goal) if goal is not None else None,
            )
        )
    regime = rec.regime[-1]
    engine = view.checkpoint.engine if view.checkpoint is not None else None
    in_force = policy_now(view.records, view.strategy, engine)
    return PortfolioState(
        as_of=pd.Timestamp(rec.ts[-1]),
        equity=equity,
        cash=cash,
        holdings=tuple(holdings),
        exposure=float(rec.exposure[-1]),
        regime=regime,
        policy=in_force.policy if in_force is not None else None,
        policy_note=in_force.cut_text() if in_force is not None else "",
        targets_at=pd.Timestamp(decision.ts) if decision is not None else None,
        targets_method=decision.method if decision is not None else None,
        drift=drift,
        next_trigger=next_trigger(
            view.records,
            view.strategy,
            trigger_drift(
                weights,
                decision.targets if decision is not None else None,
                view.checkpoint.engine if view.checkpoint is not None else None,
            ),
        ),
    )


def next_trigger(
    records: RunRecords, strategy: TradewindConfig, drift: TriggerDrift
) -> NextTrigger:
    """The next rebalance by the calendar and the distance to the drift threshold."""
    rules = strategy.portfolio_optimization.rebalancing
    calendar = None
    if rules.trigger_type in ("calendar", "combined") and records.end is not None:
        calendar = next_period_session(records.end.tz_convert(NEW_YORK).date(), rules.frequency)
    value = drift.value
    uses_drift = rules.trigger_type in ("drift", "combined")
    distance = rules.drift_threshold - value if value is not None and uses_drift else None
    return NextTrigger(
        rules.trigger_type,
        rules.frequency,
        calendar,
        value,
        rules.drift_threshold,
        distance,
        drift.note,
    )


def next_period_session(last: date, frequency: Frequency) -> date | None:
    """The first NYSE session after ``last`` that opens a new ``frequency`` period."""
    cal = nyse()
    sessions = cal.sessions(
        pd.Timestamp(last) + timedelta(days=1), pd.Timestamp(last) + timedelta(days=SEARCH_DAYS)
    )
    here = period_of(last, frequency)
    for day in sessions:
        d = pd.Timestamp(day).date()
        if period_of(d, frequency) != here:
            return d
    return None


def caps_frame(state: PortfolioState) -> pd.DataFrame:
    """Exposure and the largest position against the policy's caps (one row each)."""
    if state.policy is None:
        return pd.DataFrame(columns=["limit", "now", "cap", "room"])
    p = state.policy
    rows = [
        ("Invested (exposure cap less cash buffer)", state.exposure, p.invested_fraction),
        ("Exposure cap", state.exposure, p.max_portfolio_risk),
        ("Largest position (position cap)", state.largest_weight, p.max_position_size),
    ]
    return pd.DataFrame(
        [{"limit": name, "now": now, "cap": cap, "room": cap - now} for name, now, cap in rows]
    )
