"""Regime hooks for the cycle: a fixed regime, or a detector's decisions looked up by time.

Backtests and replays look decisions up in the detector's batch output
(:meth:`~tradewind.regime.base.BaseDetector.detect_series`), which the regime package proves
identical, bar by bar, to calling the detector online with the history known at each bar
(``tests/regime``). Paper and live trading call the detector online through
:class:`OnlineRegime`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradewind.domain.feed import FeedView
from tradewind.domain.plans import RegimeReading
from tradewind.domain.types import Regime

WARMUP_REGIME = Regime.BULL
"""Regime reported while a detector warms up: BULL is the runbook's "standard limits"."""


class FixedRegime:
    """Always the same regime (regime-unaware runs)."""

    def __init__(self, regime: Regime = Regime.BULL) -> None:
        self.reading = RegimeReading(regime, 1.0, {})

    def update(self, feed: FeedView) -> RegimeReading:
        """The fixed regime."""
        return self.reading


class ScheduledRegime:
    """Decisions precomputed by a causal detector, served at the feed's current bar.

    Parameters
    ----------
    decisions
        Frame indexed by bar timestamps with columns ``regime`` (str or NaN during warm-up),
        ``confidence``, ``vix_is_proxy`` and feature columns.
    feature_columns
        Columns reported as the reading's features.
    """

    def __init__(self, decisions: pd.DataFrame, feature_columns: tuple[str, ...] = ()) -> None:
        self._stamps = pd.DatetimeIndex(decisions.index).as_unit("ns").asi8
        self._regime = decisions["regime"].to_numpy(dtype=object)
        self._confidence = decisions["confidence"].to_numpy(dtype=float)
        proxy = decisions.get("vix_is_proxy")
        self._proxy = (
            proxy.fillna(False).to_numpy(dtype=bool)
            if proxy is not None
            else np.zeros(len(decisions), dtype=bool)
        )
        self._features = {c: decisions[c].to_numpy(dtype=float) for c in feature_columns}

    def update(self, feed: FeedView) -> RegimeReading:
        """The decision for the last detector bar at or before the feed's current bar."""
        i = int(np.searchsorted(self._stamps, feed.now.value, side="right")) - 1
        if i < 0 or not isinstance(self._regime[i], str):
            return RegimeReading(WARMUP_REGIME, 0.0, {"warmup": 1.0})
        features: Mapping[str, float] = {k: float(v[i]) for k, v in self._features.items()}
        return RegimeReading(
            Regime(self._regime[i]),
            float(self._confidence[i]),
            features,
            bool(self._proxy[i]),
        )
