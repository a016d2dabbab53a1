"""The configured detector's decisions over the benchmark, for the cycle's regime hook.

Backtests, replays and the trading service all get their regime hook here
(:func:`~tradewind.engine.strategy.build_parts` through :func:`regime_hook`). With a
:class:`~tradewind.regime.series_cache.RegimeSeriesCache` the series is computed once per
input (benchmark and VIX data, detector settings, code) and read back by every later run on
the same data; the decisions are the same values either way (``tests/engine``).
"""

from __future__ import annotations

import logging

from tradewind.config import TradewindConfig
from tradewind.domain.errors import DataError
from tradewind.domain.market import MarketData
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import RegimeHook
from tradewind.engine.regime_hooks import FixedRegime, ScheduledRegime
from tradewind.engine.regime_stream import StreamedRegime
from tradewind.forking import can_fork
from tradewind.regime import make_detector
from tradewind.regime.fitcache import FitCache
from tradewind.regime.series_cache import RegimeSeries, RegimeSeriesCache

log = logging.getLogger(__name__)


def regime_hook(
    cfg: TradewindConfig,
    feed: MarketFeed,
    provider: MarketData,
    fit_cache: FitCache | None = None,
    cache: RegimeSeriesCache | None = None,
    *,
    stream: bool = False,
) -> RegimeHook:
    """The configured detector's causal decisions on the benchmark, or a fixed regime.

    The detector runs over the benchmark history the feed was built from; its batch output is
    identical at every bar to calling it online with the history known then (tested in
    ``tests/regime``), and the cycle only ever looks up the decision at its current bar.
    ``fit_cache`` lets backtests of one sweep share the detector's fits (same results);
    ``cache`` keeps the whole series on disk for the next run on the same inputs.

    ``stream`` (a backtest that calls :func:`finish` after its run): a series not in ``cache``
    is computed by a forked child while the run reads its decisions
    (:class:`~tradewind.engine.regime_stream.StreamedRegime`); the same decisions, and the
    same cache entry once finished.
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
    detector.fit_cache = fit_cache

    def compute() -> RegimeSeries:
        decisions = detector.detect_series(frame, vix, close_only=close_only)
        return RegimeSeries(decisions, tuple(detector.recorded_features))

    if cache is None:
        series = compute()
    else:
        key = cache.key(cfg.regime, detector, frame, vix, close_only=close_only)
        if not (stream and fit_cache is None and can_fork(beside_spinner=True)):
            series = cache.get_or_compute(key, compute)
        elif (found := cache.load(key)) is not None:
            cache.hits += 1
            series = found
        else:
            cache.misses += 1
            store = cache  # bound here for the callback

            def keep(series: RegimeSeries) -> None:
                store.save(key, series)

            return StreamedRegime(detector, frame, vix, close_only=close_only, keep=keep)
    return ScheduledRegime(series.decisions, series.features)


def finish(hook: RegimeHook) -> None:
    """After a run on ``hook``: a streamed series is awaited and stored in the cache."""
    if isinstance(hook, StreamedRegime):
        hook.finish()


def close(hook: RegimeHook) -> None:
    """After a run on ``hook``, finished or failed: a streaming child is stopped."""
    if isinstance(hook, StreamedRegime):
        hook.close()
