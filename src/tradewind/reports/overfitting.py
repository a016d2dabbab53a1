"""How much of a sweep's best Sharpe ratio is luck: the deflated Sharpe ratio.

Bailey and Lopez de Prado (2014), "The Deflated Sharpe Ratio": the probability that the best
of ``N`` trials has a true Sharpe ratio above zero, after accounting for the number of trials,
the variance of their Sharpe ratios, and the non-normality (skew, kurtosis) of the best trial's
returns. Written out here (a dozen lines of scipy) because no maintained package we depend on
provides it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

EULER_GAMMA = 0.5772156649015329


@dataclass(frozen=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of a sweep's best trial (per-period Sharpe ratios)."""

    trials: int
    best_sharpe: float
    expected_max_sharpe: float
    probability: float

    def verdict(self) -> str:
        """One sentence for people."""
        if self.trials < 2:
            return "one trial: no selection bias to correct"
        if self.probability >= 0.95:
            return (
                f"the best Sharpe survives {self.trials} trials "
                f"(deflated Sharpe probability {self.probability:.0%})"
            )
        return (
            f"WARNING: after {self.trials} trials the best result is not distinguishable from "
            f"luck (deflated Sharpe probability {self.probability:.0%} < 95%)"
        )


def expected_max_sharpe(sharpe_variance: float, trials: int) -> float:
    """Expected maximum of ``trials`` Sharpe ratios whose true value is zero."""
    if trials < 2 or sharpe_variance <= 0:
        return 0.0
    z1 = stats.norm.ppf(1.0 - 1.0 / trials)
    z2 = stats.norm.ppf(1.0 - 1.0 / (trials * math.e))
    return float(math.sqrt(sharpe_variance) * ((1 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def deflated_sharpe(trial_sharpes: list[float], best_returns: np.ndarray) -> DeflatedSharpe:
    """Deflate the best of ``trial_sharpes`` (per period) given its per-period ``best_returns``."""
    sharpes = np.asarray(trial_sharpes, dtype=float)
    n = len(sharpes)
    best = float(sharpes.max()) if n else 0.0
    sr0 = expected_max_sharpe(float(np.var(sharpes, ddof=1)) if n > 1 else 0.0, n)
    t = len(best_returns)
    if t < 3:
        return DeflatedSharpe(n, best, sr0, float("nan"))
    skew = float(stats.skew(best_returns))
    kurt = float(stats.kurtosis(best_returns, fisher=False))
    denom = math.sqrt(max(1.0 - skew * best + (kurt - 1.0) / 4.0 * best * best, 1e-12))
    z = (best - sr0) * math.sqrt(t - 1) / denom
    return DeflatedSharpe(n, best, sr0, float(stats.norm.cdf(z)))
