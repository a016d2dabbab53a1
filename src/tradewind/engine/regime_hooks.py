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
import numpy.typing as npt
import pandas as pd

from tradewind.domain.feed import FeedView
from tradewind.domain.plans import RegimeReading
from tradewind.domain.types import Regime

WARMUP_REGIME = Regime.BULL
"""Regime reported while a detector warms up: BULL is the runbook's "standard limits"."""

_CODES = {r.value: k for k, r in enumerate(Regime)}
"""A number per regime (its label as the detector writes it)."""


class FixedRegime:
    """Always the same regime (regime-unaware runs)."""

    def __init__(self, regime: Regime = Regime.BULL) -> None:
        self.reading = RegimeReading(regime, 1.0, {})

    def update(self, feed: FeedView) -> RegimeReading:
        """The fixed regime."""
        return self.reading

    def same_rows(self, stamps: npt.NDArray[np.int64], row: int, limit: int) -> int:
        """Rows after ``row`` (at most ``limit``) with the regime of ``row``: all of them."""
        return limit


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
        self._next_change: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None

    def same_rows(self, stamps: npt.NDArray[np.int64], row: int, limit: int) -> int:
        """How many rows after ``row`` (at most ``limit``) of a timeline stamped ``stamps`` (ns)
        :meth:`update` reads the regime of ``row`` on (a warm-up reads as its regime), for the
        engine's fast-forward over quiet bars; the answer for a timeline is computed once."""
        cached = self._next_change
        if cached is None or cached[0] is not stamps:
            cached = self._next_change = (stamps, next_changes(self._regime, self._stamps, stamps))
        return max(min(int(cached[1][row]) - row - 1, limit), 0)

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


def next_changes(
    labels: npt.NDArray[np.object_],
    decided: npt.NDArray[np.int64],
    stamps: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """For each bar of the timeline ``stamps``, the next bar whose regime (as
    :meth:`ScheduledRegime.update` reads it from ``labels``, stamped ``decided``) differs
    (``len(stamps)`` when none does); a label that is no regime differs from every bar."""
    i = np.searchsorted(decided, stamps, side="right") - 1
    warmup = _CODES[WARMUP_REGIME.value]
    read = [labels[k] if k >= 0 else None for k in i.tolist()]
    codes = np.array(
        [
            _CODES.get(x, len(_CODES) + n) if isinstance(x, str) else warmup
            for n, x in enumerate(read)
        ],
        dtype=np.int64,
    )
    change = np.append(np.flatnonzero(codes[1:] != codes[:-1]) + 1, len(stamps))
    return change[np.searchsorted(change, np.arange(len(stamps)), side="right")]
