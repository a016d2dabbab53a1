"""Wire the configured strategy into the cycle: targets, trigger, planner, regime, risk, costs.

This is where the portfolio, rebalance, regime and risk packages meet the engine's protocols;
backtests, replays and the trading service all build their engine parts here, so every mode
runs the same strategy code.
"""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.data.protocol import MarketData
from tradewind.domain.errors import DataError
from tradewind.domain.types import Regime
from tradewind.engine.cycle import EngineParts
from tradewind.engine.feed import MarketFeed
from tradewind.engine.ml_views import ensemble_views
from tradewind.engine.protocols import FloatArray, Policy, RegimeHook, RiskHook
from tradewind.engine.regime_hooks import FixedRegime, ScheduledRegime
from tradewind.engine.sizing import ConfiguredPlanner
from tradewind.engine.targets import OptimizerTargets
from tradewind.execution.costs import CostModel
from tradewind.rebalance import AnyTrigger, DriftTrigger, TriggerContext, trigger_from_config
from tradewind.regime import effective_policy, make_detector
from tradewind.risk import RiskManager

log = logging.getLogger(__name__)

__all__ = ["ConfiguredTrigger", "build_parts", "cost_model", "policies", "regime_hook"]


def cost_model(cfg: TradewindConfig) -> CostModel:
    """The cost model the configuration describes (estimates and simulated fills alike)."""
    return CostModel.from_config(cfg.execution, cfg.portfolio_optimization.rebalancing)


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
            ctx = ctx or TriggerContext(
                session=session,
                previous_session=previous,
                regime=regime,
                previous_regime=previous_regime,
            )
            reasons.extend(part.check(ctx).reasons)
        return reasons


def policies(cfg: TradewindConfig) -> tuple[dict[Regime, Policy], Policy]:
    """Each regime's resolved policy, and the standard policy for regime-unaware runs."""
    table = {}
    for regime in Regime:
        p = effective_policy(regime, cfg)
        table[regime] = Policy(p.method, p.max_position_size, p.max_portfolio_risk, p.cash_buffer)
    risk = cfg.risk_management
    standard = Policy(
        cfg.portfolio_optimization.method,
        min(risk.max_position_size, risk.max_portfolio_risk),
        risk.max_portfolio_risk,
        0.0,
    )
    return table, standard


def regime_hook(cfg: TradewindConfig, feed: MarketFeed, provider: MarketData) -> RegimeHook:
    """The configured detector's causal decisions on the benchmark, or a fixed regime.

    The detector runs over the benchmark history the feed was built from; its batch output is
    identical at every bar to calling it online with the history known then (tested in
    ``tests/regime``), and the cycle only ever looks up the decision at its current bar.
    """
    if not cfg.portfolio_optimization.regime_aware:
        return FixedRegime()
    end = feed.index[-1]
    try:
        name = cfg.data.benchmark
        bars = provider.bars([name], None, end)  # all history up to the end: no warm-up gap
        frame = bars[name]
        close_only = name in bars.derived_ohlc
        vix = provider.vix(None, end)
    except DataError as exc:
        log.warning("regime detection unavailable (%s); using the standard policy", exc)
        return FixedRegime()
    detector = make_detector(cfg.regime)
    decisions = detector.detect_series(frame, vix, close_only=close_only)
    return ScheduledRegime(decisions, tuple(detector.recorded_features))


def risk_hook(cfg: TradewindConfig, feed: MarketFeed, *, simulated: bool = False) -> RiskHook:
    """The risk manager for ``cfg`` (stops, breakers, pre-trade limits), halts kept in memory.

    ``simulated`` (backtests) applies ``circuit_breaker.backtest_resume_sessions``. The trading
    service passes a persistent halt store instead (latched halts survive restarts).
    """
    return RiskManager.from_config(cfg, feed.symbols, simulated_resume=simulated)


def build_parts(
    cfg: TradewindConfig,
    feed: MarketFeed,
    provider: MarketData,
    *,
    risk: RiskHook | None = None,
    backtest: bool = False,
) -> EngineParts:
    """Everything the cycle needs for ``cfg`` on ``feed``.

    ``risk`` replaces the default in-memory risk manager (the trading service passes one with a
    persistent halt store); ``backtest`` enables the simulated resume of latched halts and, with
    ``ml.enabled``, trains the ensemble walk-forward instead of loading the deployed models.
    """
    table, standard = policies(cfg)
    model = cost_model(cfg)
    views = (  # --- ML ensemble views (issue 25): backtests train walk-forward
        ensemble_views(cfg, feed, provider, walk_forward=backtest) if cfg.ml.enabled else None
    )
    return EngineParts(
        target_model=OptimizerTargets(cfg, views),
        trigger=ConfiguredTrigger(
            trigger_from_config(cfg.portfolio_optimization.rebalancing), feed
        ),
        planner=ConfiguredPlanner(cfg, feed, model),
        regime=regime_hook(cfg, feed, provider),
        risk=risk if risk is not None else risk_hook(cfg, feed, simulated=backtest),
        policies=table,
        default_policy=standard,
        regime_aware=cfg.portfolio_optimization.regime_aware,
    )
