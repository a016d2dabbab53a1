"""Wire the configured strategy into the cycle: targets, trigger, planner, regime, risk, costs.

This is where the portfolio, rebalance, regime and risk packages meet the engine's protocols;
backtests, replays and the trading service all build their engine parts here, so every mode
runs the same strategy code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.arrays import FloatArray, IntArray
from tradewind.domain.market import MarketData
from tradewind.domain.plans import Policy, RegimeReading
from tradewind.domain.types import Regime
from tradewind.engine import regime_series
from tradewind.engine.cycle import EngineParts
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ml_views import ViewsHook
from tradewind.engine.planner import ConfiguredPlanner
from tradewind.engine.protocols import RegimeHook, RiskHook
from tradewind.engine.targets import OptimizerTargets
from tradewind.execution.costs import CostModel
from tradewind.rebalance import AnyTrigger, DriftTrigger, TriggerContext, trigger_from_config
from tradewind.rebalance.triggers import CalendarTrigger, RegimeChangeTrigger, period_keys
from tradewind.regime import effective_policy, protective_policy
from tradewind.regime.fitcache import FitCache

log = logging.getLogger(__name__)

__all__ = [
    "ConfiguredTrigger",
    "build_parts",
    "cost_model",
    "policies",
    "policy_resolver",
    "regime_hook",
]


def cost_model(cfg: TradewindConfig) -> CostModel:
    """The cost model the configuration describes (estimates and simulated fills alike)."""
    return CostModel.from_config(cfg.execution, cfg.portfolio_optimization.rebalancing)


_KNOWN_PARTS = (DriftTrigger, CalendarTrigger, RegimeChangeTrigger)
"""The trigger parts the fast-forward over quiet bars models (the configured kinds)."""


class ConfiguredTrigger:
    """The configured rebalance trigger, fed the engine's arrays and the session history.

    Drift is measured on the weight vectors directly (``DriftTrigger.check_arrays``); the
    calendar and regime triggers get a context with the session dates, which the feed
    computes once for its whole timeline.
    """

    def __init__(self, trigger: AnyTrigger, feed: MarketFeed) -> None:
        self.trigger = trigger
        self.feed = feed
        self.symbols = feed.symbols
        self._previous_session: date | None = None
        self._change: IntArray | None = None

    def reasons(
        self,
        t: pd.Timestamp,
        current: FloatArray,
        target: FloatArray | None,
        regime: Regime,
        previous_regime: Regime | None,
    ) -> list[str]:
        """Why the trigger fires at ``t`` (and remember ``t``'s session for the next call)."""
        session = self.feed.session_of(t)
        previous, self._previous_session = self._previous_session, session
        reasons: list[str] = []
        ctx: TriggerContext | None = None
        for part in self.trigger.triggers:
            if isinstance(part, DriftTrigger):
                if target is not None:
                    reasons.extend(part.check_arrays(current, target, self.symbols).reasons)
                continue
            # the common bar: a calendar or regime trigger that cannot fire builds no context
            if isinstance(part, CalendarTrigger) and part.quiet(session, previous):
                continue
            if isinstance(part, RegimeChangeTrigger) and part.quiet(regime, previous_regime):
                continue
            ctx = ctx or TriggerContext(
                session=session,
                previous_session=previous,
                regime=regime,
                previous_regime=previous_regime,
            )
            reasons.extend(part.check(ctx).reasons)
        return reasons

    def quiet_rows(self, row: int, limit: int) -> int:
        """How many rows after ``row`` (at most ``limit``) no calendar part fires on, asked
        every bar with an unchanged regime (drift is :meth:`drift_rows`); 0 when ``row`` is not
        the last row it was asked about."""
        sessions = self.feed.sessions
        if row < 0 or self._previous_session != sessions[row] or not self._modelled():
            return 0
        change = self._next_change()
        return max(min(int(change[row]) - row - 1, limit), 0)

    def drift_rows(self, current: FloatArray, target: FloatArray) -> int:
        """How many leading rows of ``current`` (the weights at successive bars) no drift part
        fires on against ``target`` (all of them without a drift part)."""
        rows = len(current)
        for part in self.trigger.triggers:
            if isinstance(part, DriftTrigger) and rows:
                rows = part.quiet_rows(current[:rows], target)
        return rows

    def skip_to(self, row: int) -> None:
        """Remember ``row``'s session as the last one seen (the rows before it were quiet)."""
        self._previous_session = self.feed.sessions[row]

    def _modelled(self) -> bool:
        """Whether every part is a kind :meth:`quiet_rows` and :meth:`drift_rows` know."""
        return all(isinstance(p, _KNOWN_PARTS) for p in self.trigger.triggers)

    def _next_change(self) -> IntArray:
        """For every row, the next row where a calendar part fires after its predecessor
        (the number of rows when none does), computed once."""
        if self._change is None:
            parts = self.trigger.triggers
            rows = len(self.feed.sessions)
            fires = np.zeros(rows + 1, dtype=bool)
            fires[rows] = True
            for part in parts:
                if isinstance(part, CalendarTrigger):
                    keys = period_keys(self.feed.sessions, part.frequency)
                    fires[1:rows] |= keys[1:] != keys[:-1]
            at = np.flatnonzero(fires)
            self._change = at[np.searchsorted(at, np.arange(rows), side="right")]
        return self._change

    def state(self) -> dict[str, Any]:
        """The last session seen (the calendar trigger fires on a session's first bar)."""
        previous = self._previous_session
        return {"previous_session": previous.isoformat() if previous is not None else None}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back the last session seen."""
        previous = state.get("previous_session")
        if previous:
            self._previous_session = date.fromisoformat(str(previous))


def policies(cfg: TradewindConfig) -> tuple[dict[Regime, Policy], Policy]:
    """Each regime's resolved policy, and the standard policy for regime-unaware runs."""
    table = {regime: effective_policy(regime, cfg) for regime in Regime}
    risk = cfg.risk_management
    standard = Policy(
        cfg.portfolio_optimization.method,
        min(risk.max_position_size, risk.max_portfolio_risk),
        risk.max_portfolio_risk,
        0.0,
    )
    return table, standard


def protects(cfg: TradewindConfig) -> bool:
    """Whether the protective policy applies (regime-aware, with ``regime.protection``); a
    regime change then rebalances unless ``on_regime_change`` says otherwise."""
    return cfg.portfolio_optimization.regime_aware and cfg.regime.protection.enabled


def policy_resolver(cfg: TradewindConfig) -> Callable[[RegimeReading], Policy]:
    """What the portfolio may do given a regime reading, as ``cfg`` says.

    Not regime-aware: the standard limits, whatever the regime. Regime-aware: the regime's
    policy (``regime.policies``), or with ``regime.protection.enabled`` the protective policy,
    whose invested fraction also follows the detector's confidence.
    """
    table, standard = policies(cfg)
    if not cfg.portfolio_optimization.regime_aware:
        return lambda _reading: standard
    if protects(cfg):
        return lambda reading: protective_policy(reading.regime, reading.confidence, cfg)
    return lambda reading: table.get(reading.regime, standard)


def regime_hook(
    cfg: TradewindConfig,
    feed: MarketFeed,
    provider: MarketData,
    fit_cache: FitCache | None = None,
) -> RegimeHook:
    """The configured detector's causal decisions on the benchmark, or a fixed regime
    (:func:`tradewind.engine.regime_series.regime_hook`, without a series cache)."""
    return regime_series.regime_hook(cfg, feed, provider, fit_cache)


def build_parts(
    cfg: TradewindConfig,
    feed: MarketFeed,
    provider: MarketData,
    risk: RiskHook,
    *,
    fit_cache: FitCache | None = None,
    regime: RegimeHook | None = None,
    views: ViewsHook | None = None,
) -> EngineParts:
    """Everything the cycle needs for ``cfg`` on ``feed``, with the run's ``risk`` hook.

    The risk hook is the one part built by the composition root: where its halts live (memory,
    the mode's database) and whether a simulated person resumes them is what differs between a
    backtest, a replay and a wall-clock run. ``views`` are the ML ensemble's (``--ensemble``):
    a backtest trains them walk-forward, a trading run loads the deployed models
    (:func:`~tradewind.engine.ml_views.ensemble_views`). ``regime`` replaces the configured
    detector's hook (a study running many backtests with the same detector settings computes it
    once); ``fit_cache`` shares the detector's fits between backtests on the same data.
    """
    model = cost_model(cfg)
    return EngineParts(
        target_model=OptimizerTargets(cfg, views),
        trigger=ConfiguredTrigger(
            trigger_from_config(
                cfg.portfolio_optimization.rebalancing,
                regime_change_default=protects(cfg),
            ),
            feed,
        ),
        planner=ConfiguredPlanner(cfg, feed, model),
        regime=regime if regime is not None else regime_hook(cfg, feed, provider, fit_cache),
        risk=risk,
        policy=policy_resolver(cfg),
    )
