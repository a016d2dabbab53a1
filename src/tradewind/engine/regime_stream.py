"""A backtest's regime decisions read bar by bar while a forked child is still computing them.

A backtest with no cached regime series would first run the detector over the benchmark's whole
history (seconds), then simulate. But the simulation at bar ``t`` needs only the decisions up to
``t``, and the detector decides bar after bar in time order. So :class:`StreamedRegime` runs
:meth:`~tradewind.regime.base.BaseDetector.detect_series` in a forked child
(:class:`~tradewind.regime.ahead.Ahead`), which sends each bar's decision as soon as it is made
(in small batches), and serves the simulation exactly like
:class:`~tradewind.engine.regime_hooks.ScheduledRegime` over the finished series: a reading at
``t`` waits until the child has decided ``t``, then looks it up. On two cores the simulation
runs while the detector is still fitting later windows.

Nothing changes in what is decided: the child runs the same batch detector on the same data
(its decisions are causal, tested identical to the online detector bar by bar), and a reading is
built from the same values the finished series holds; the child then sends the finished series,
which :meth:`StreamedRegime.finish` stores in the regime-series cache exactly as a computed one.
If the child dies, this process computes the series itself and goes on from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.feed import FeedView
from tradewind.domain.plans import RegimeReading
from tradewind.engine.regime_hooks import ScheduledRegime, next_changes
from tradewind.regime.ahead import Ahead
from tradewind.regime.base import BaseDetector, RegimeEstimate
from tradewind.regime.series_cache import RegimeSeries
from tradewind.regime.vix import VixInput

BATCH = 32
"""Bars decided per message from the child."""

Rows = tuple[int, list[tuple[int, str, float]]]
"""A message: the last bar decided, and the decisions (position, regime, confidence) since."""


class StreamedRegime(ScheduledRegime):
    """:class:`ScheduledRegime` over a series a forked child is still computing.

    Parameters
    ----------
    detector
        The configured detector (fresh; its batch run happens in the child).
    bars, vix, close_only
        Its inputs, as :func:`~tradewind.engine.regime_series.regime_hook` passes them.
    keep
        Called once with the finished series (the cache's store), by :meth:`finish`.
    fork
        None: fork where :func:`~tradewind.regime.ahead.can_fork`; False computes the series
        here at once; True always forks (tests).
    """

    def __init__(
        self,
        detector: BaseDetector,
        bars: pd.DataFrame,
        vix: VixInput,
        *,
        close_only: bool,
        keep: Callable[[RegimeSeries], None],
        fork: bool | None = None,
    ) -> None:
        feats = detector.features(bars, vix, close_only=close_only)
        n = len(feats)
        self._stamps = pd.DatetimeIndex(feats.index).as_unit("ns").asi8
        self._regime = np.full(n, np.nan, dtype=object)
        self._confidence = np.full(n, np.nan)
        self._proxy = feats["vix_is_proxy"].astype(bool).to_numpy(dtype=bool)
        self._features = {c: feats[c].to_numpy(dtype=float) for c in detector.recorded_features}
        self._decided = -1
        self._next_change = None  # ScheduledRegime.same_rows' answer, kept once finished
        self._series: RegimeSeries | None = None
        self._keep: Callable[[RegimeSeries], None] | None = keep

        def compute() -> RegimeSeries:
            decisions = detector.detect_series(bars, vix, close_only=close_only)
            return RegimeSeries(decisions, tuple(detector.recorded_features))

        self._compute = compute
        self._child: Ahead[Any] = Ahead(_produce(detector, compute), fork=fork)
        self.streamed = self._child.forked
        """True when a child computes the series (the readings wait for it)."""
        if not self.streamed:
            self._take(compute())

    def update(self, feed: FeedView) -> RegimeReading:
        """The decision for the last detector bar at or before the feed's current bar, once
        the child has made it."""
        i = int(np.searchsorted(self._stamps, feed.now.value, side="right")) - 1
        while self._decided < i:
            self._receive()
        return super().update(feed)

    def same_rows(self, stamps: npt.NDArray[np.int64], row: int, limit: int) -> int:
        """:meth:`ScheduledRegime.same_rows`, once the child has decided every bar asked about
        (waiting for it); while the series is not finished the answer is not kept."""
        if self._series is None:
            last = min(row + max(limit, 0), len(stamps) - 1)
            needed = int(np.searchsorted(self._stamps, stamps[last], side="right")) - 1
            while self._decided < needed:
                self._receive()
        if self._series is not None:
            return super().same_rows(stamps, row, limit)
        ahead = next_changes(self._regime, self._stamps, stamps[row : row + limit + 1])
        return max(min(int(ahead[0]) - 1, limit), 0)

    def finish(self) -> RegimeSeries:
        """The finished series (waiting for the child), handed to ``keep`` the first time."""
        while self._series is None:
            self._receive()
        if self._keep is not None:
            keep, self._keep = self._keep, None
            keep(self._series)
        self.close()
        return self._series

    def close(self) -> None:
        """Stop the child, if still running (a failed run); the readings are then over."""
        self._child.close()

    def _receive(self) -> None:
        message = self._child.next()
        if message is None:  # the child died: compute the series here and go on from it
            self._take(self._compute())
        elif isinstance(message, RegimeSeries):
            self._take(message)
        else:
            last, rows = message
            for i, regime, confidence in rows:
                self._regime[i] = regime
                self._confidence[i] = confidence
            self._decided = last

    def _take(self, series: RegimeSeries) -> None:
        decisions = series.decisions
        self._regime = decisions["regime"].to_numpy(dtype=object)
        self._confidence = decisions["confidence"].to_numpy(dtype=float)
        self._decided = len(decisions) - 1
        self._series = series
        self._child.close()


def _produce(
    detector: BaseDetector, compute: Callable[[], RegimeSeries]
) -> Callable[[Callable[[Any], None]], None]:
    """The child's work: the batch run, its decisions sent as they come, then the series."""

    def produce(emit: Callable[[Any], None]) -> None:
        rows: list[tuple[int, str, float]] = []

        def sink(i: int, estimate: RegimeEstimate | None) -> None:
            if estimate is not None:
                rows.append((i, estimate.regime.value, estimate.confidence))
            if (i + 1) % BATCH == 0:
                emit((i, rows.copy()))
                rows.clear()

        detector.bar_sink = sink
        series = compute()
        detector.bar_sink = None
        emit((len(series.decisions) - 1, rows))
        emit(series)

    return produce
