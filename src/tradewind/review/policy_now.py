"""The regime policy in force now, as the engine applies it: with the protective cut.

With ``regime.protection`` on (the default) the engine does not apply a regime's policy as
``regime.policies`` writes it: the invested fraction is scaled by the detector's confidence
(:func:`tradewind.regime.protective.protective_policy`). A BEAR market read at 85% keeps about
29% invested, not the 80% the BEAR policy alone allows. The checklist, the dashboard and the
readiness gate say what the engine does, so they resolve the policy the same way, with the
confidence of the reading it was resolved from:

* the engine's last reading (the checkpoint written after every cycle) when it is of the
  run's current regime;
* otherwise the latest recorded decision in that regime (a backtest keeps no checkpoint);
* otherwise unknown: the regime's policy without a cut, and the text says the cut is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradewind.config import TradewindConfig
from tradewind.domain.plans import Policy, RegimeReading
from tradewind.domain.types import Regime
from tradewind.regime.policy import effective_policy
from tradewind.regime.protective import protective_policy
from tradewind.service.records import RunRecords


@dataclass(frozen=True)
class PolicyNow:
    """The policy of the run's current regime and the confidence it was resolved at."""

    regime: Regime
    policy: Policy
    """What the engine applies (the protective cut included when it is on)."""
    base: Policy
    """The regime's policy alone (``regime.policies`` against the standard limits)."""
    confidence: float | None
    """The detector's confidence in :attr:`regime`; None when no reading was recorded."""
    protected: bool
    """``regime.protection`` is on (and the run is regime-aware)."""

    def cut_text(self) -> str:
        """The protective cut in words ("" when there is none to tell)."""
        if not self.protected:
            return ""
        if self.confidence is None:
            return "protective cut unknown (no regime reading recorded)"
        if self.policy.exposure_scale >= 1.0:
            return ""
        return (
            f"protective cut at {self.confidence:.0%} confidence: "
            f"{self.policy.exposure_scale:.0%} of the policy's {self.base.invested_fraction:.0%} "
            "kept"
        )


def confidence_now(
    records: RunRecords, regime: str, engine: Mapping[str, Any] | None
) -> float | None:
    """The detector's confidence in ``regime`` as of the run's last cycle (see the module
    docstring); ``engine`` is the engine's state in the run's last checkpoint, if any."""
    saved = engine.get("regime") if engine is not None else None
    if saved:
        reading = RegimeReading.from_json(saved)
        if reading.regime.value == regime and np.isfinite(reading.confidence):
            return float(reading.confidence)
    for d in reversed(records.recorder.decisions):
        if d.regime == regime and np.isfinite(d.confidence):
            return float(d.confidence)
    return None


def policy_now(
    records: RunRecords, cfg: TradewindConfig, engine: Mapping[str, Any] | None
) -> PolicyNow | None:
    """The policy in force at the run's last cycle (None before the first cycle, or in a
    regime without a policy); the run's own configuration decides when it has one."""
    regimes = records.recorder.regime
    if not regimes or regimes[-1] not in Regime.__members__:
        return None
    strategy = records.config or cfg
    regime = Regime(regimes[-1])
    base = effective_policy(regime, strategy)
    protected = strategy.portfolio_optimization.regime_aware and strategy.regime.protection.enabled
    confidence = confidence_now(records, regime.value, engine)
    policy = protective_policy(regime, confidence, strategy) if confidence is not None else base
    return PolicyNow(regime, policy, base, confidence, protected)
