"""The protective regime policy: the invested fraction follows the regime and its confidence.

The runbook's policies (``regime.policies``) change the optimizer method, the position cap and
a cash buffer per regime; through a bear market they keep the portfolio 65-80% invested. With
``regime.protection.enabled`` the invested fraction itself follows the detector: in regime ``R``
read with confidence ``c``

    scale = 1 - min(1, c / full_confidence) x (1 - exposure[R])
    invested = scale x (max_portfolio_risk - cash_buffer)      (the regime policy's limits)

so BEAR and VOLATILE (exposure 0.25 and 0.5 by default) are mostly cash once the detector is
sure, and a reading the detector is unsure of cuts less (with ``full_confidence`` 1, the
default, the cut is proportional to the confidence). The method and the caps of the regime's policy
still apply; the cut is kept as cash on top of the policy's own buffer (the engine's
convention: invested = exposure cap - cash buffer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.config.regime import ProtectionSettings
from tradewind.domain.plans import Policy
from tradewind.domain.types import Regime
from tradewind.regime.policy import effective_policy


def exposure_scale(regime: Regime, confidence: float, settings: ProtectionSettings) -> float:
    """The fraction of the policy's invested limit kept in ``regime`` at ``confidence``.

    A NaN confidence counts as none (no cut).
    """
    c = float(confidence) if np.isfinite(confidence) else 0.0
    weight = min(max(c, 0.0) / settings.full_confidence, 1.0)
    return 1.0 - weight * (1.0 - settings.exposure[regime])


def protective_policy(regime: Regime, confidence: float, cfg: TradewindConfig) -> Policy:
    """The regime's policy with its invested fraction scaled by :func:`exposure_scale`.

    Without ``regime.protection.enabled`` (or with ``regime_aware`` off) this is
    :func:`~tradewind.regime.policy.effective_policy` unchanged.
    """
    base = effective_policy(regime, cfg)
    settings = cfg.regime.protection
    if not settings.enabled or not cfg.portfolio_optimization.regime_aware:
        return base
    scale = exposure_scale(regime, confidence, settings)
    invested = base.invested_fraction * scale
    # the cash buffer must stay below 1 (an exposure cap of 1 with nothing invested would
    # reach it): the largest float below 1 leaves ~1e-16 invested, which no trade can reach
    buffer = min(base.max_portfolio_risk - invested, float(np.nextafter(1.0, 0.0)))
    return Policy(
        base.method,
        base.max_position_size,
        base.max_portfolio_risk,
        max(buffer, base.cash_buffer),
        scale,
    )


def exposure_series(
    regimes: pd.Series, confidence: pd.Series, settings: ProtectionSettings
) -> pd.Series:
    """The protective scale at each bar of a detector's output (NaN before its first decision).

    Used to measure the policy on an index (``tradewind regime evaluate``).
    """
    out = np.full(len(regimes), np.nan)
    conf = confidence.reindex(regimes.index).to_numpy(dtype=float)
    for i, label in enumerate(regimes.to_numpy(dtype=object)):
        if isinstance(label, str):
            out[i] = exposure_scale(Regime(label), conf[i], settings)
    return pd.Series(out, index=regimes.index)
