"""The plain baseline: a 20-day realized-volatility threshold.

``rv_20 < threshold``: BULL, otherwise VOLATILE (no hysteresis, confirmation or minimum stay
beyond one bar). It only ever names two regimes; the evaluation shows it beside every detector
so any extra machinery has to earn its keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from tradewind.domain.types import Regime
from tradewind.regime.base import BaseDetector, RawDecision
from tradewind.regime.features import FeatureSpec


class VolThresholdBaseline(BaseDetector):
    """BULL while the annualized 20-day realized volatility is below ``threshold``.

    Parameters
    ----------
    threshold
        Annualized volatility (0.20 = 20%) at or above which the regime is VOLATILE.
    """

    name: ClassVar[str] = "baseline"
    used_features: ClassVar[tuple[str, ...]] = ("rv_20",)

    def __init__(self, *, threshold: float = 0.20) -> None:
        self.threshold = threshold
        spec = FeatureSpec(trend_window=20, fast_ma=20, drawdown_window=20)
        super().__init__(min_stay_days=0, confirm_days=1, spec=spec)

    @property
    def warmup(self) -> int:
        """Bars before the first decision: the 20-day window plus one return."""
        return 21

    def _decide(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> RawDecision | None:
        rv = X[i, columns["rv_20"]]
        if not np.isfinite(rv):
            return None
        regime = Regime.VOLATILE if rv >= self.threshold else Regime.BULL
        margin = abs(rv - self.threshold) / 0.05
        return RawDecision(regime, 0.5 + 0.5 * float(np.tanh(margin)))
