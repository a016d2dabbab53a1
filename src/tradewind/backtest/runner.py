"""Run the engine over history: the composition root for backtests and accelerated replays.

A backtest is the same :class:`~tradewind.engine.cycle.Engine` the trading service runs, with a
replay clock over the bars' own timestamps, a feed built from the configured provider, the
simulated broker from the broker registry and a risk manager whose halts stay in memory. Every
decision uses a trailing window of data only (walk-forward by construction); the bars before
``start`` are loaded only as warm-up history.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from tradewind.brokers.registry import BrokerContext, make_broker
from tradewind.config import TradewindConfig
from tradewind.data.coverage import late_joiners
from tradewind.domain.errors import DataError
from tradewind.domain.market import BarSet, MarketData, TimeLike, VixSeries, to_utc
from tradewind.domain.records import EngineEvent
from tradewind.engine import regime_series
from tradewind.engine.clock import ReplayClock
from tradewind.engine.cycle import Engine
from tradewind.engine.feed import GuardedFeed, MarketFeed
from tradewind.engine.ids import run_tag
from tradewind.engine.ml_views import views_for
from tradewind.engine.protocols import RegimeHook
from tradewind.engine.recorder import Recorder
from tradewind.engine.strategy import build_parts
from tradewind.engine.targets import OptimizerTargets
from tradewind.regime.fitcache import FitCache
from tradewind.regime.series_cache import RegimeSeriesCache
from tradewind.reports.run import RunSummary, summarize
from tradewind.risk import RiskManager

WARMUP_FACTOR = 1.6
"""Calendar days of warm-up per trading day of history needed (weekends and holidays)."""


@dataclass(frozen=True)
class BacktestRun:
    """A finished backtest: the summary plus what it ran on."""

    summary: RunSummary
    config: TradewindConfig
    start: pd.Timestamp
    end: pd.Timestamp
    fingerprint: str
    engine: Engine
    notes: tuple[str, ...] = ()
    """What the data did to the run, one line each (e.g. symbols that joined late)."""


def config_fingerprint(cfg: TradewindConfig) -> str:
    """SHA-256 of the settings that decide trades, as the user set them
    (:meth:`~tradewind.config.TradewindConfig.decision_payload`), so a new setting with a
    default, or a new log path, does not change a run's fingerprint or its client order ids."""
    payload = json.dumps(cfg.decision_payload(), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def run_backtest(
    cfg: TradewindConfig,
    provider: MarketData,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    *,
    guard: bool = False,
    name: str = "backtest",
    broker_name: str = "simulated",
    fit_cache: FitCache | None = None,
    regime: RegimeHook | None = None,
    regime_cache: RegimeSeriesCache | None = None,
) -> BacktestRun:
    """Backtest ``cfg`` on ``provider``'s history between ``start`` and ``end``.

    Parameters
    ----------
    guard
        Serve data through a :class:`GuardedFeed` that raises on any read past the clock.
    broker_name
        The registered broker that fills the orders (the built-in simulator; nobody resumes
        its halts but ``circuit_breaker.backtest_resume_sessions``'s simulated person).
    fit_cache
        Regime-detector fits shared with other backtests on the same data (a sweep's trials);
        the results are the same with or without it.
    regime
        Decisions of the configured detector computed beforehand (a
        :class:`~tradewind.engine.regime_hooks.ScheduledRegime` over the benchmark, as
        :func:`~tradewind.engine.strategy.regime_hook` builds it); None computes them here.
    regime_cache
        Where the configured detector's series is kept between runs
        (:func:`~tradewind.regime.series_cache.series_cache`); None computes it every time.
        The results are the same with or without it.
    """
    symbols = list(cfg.trading.symbols)
    history_rows = cfg.portfolio_optimization.lookback_days + 1
    warmup_days = int(max(history_rows, 260) * WARMUP_FACTOR) + 10
    first = to_utc(start) - pd.Timedelta(days=warmup_days) if start is not None else None
    bars = provider.bars(symbols, first, end)
    bench = _optional(lambda: provider.benchmark(first, end))
    vix = _optional_vix(provider, first, end)
    if guard:
        holder: list[ReplayClock] = []
        feed: MarketFeed = GuardedFeed(bars, bench, vix, clock_now=lambda: holder[0].now())
        clock = ReplayClock(_clock_times(feed.index, start))
        holder.append(clock)
    else:
        feed = MarketFeed(bars, bench, vix)
        clock = ReplayClock(_clock_times(feed.index, start))
    broker = make_broker(BrokerContext(config=cfg, feed_factory=lambda: feed), broker_name)
    fingerprint = config_fingerprint(cfg)
    risk = RiskManager.from_config(
        cfg,
        feed.symbols,
        auto_resume_sessions=cfg.risk_management.circuit_breaker.backtest_resume_sessions,
    )
    views = views_for(cfg, feed, provider, walk_forward=True)  # trained as the backtest goes
    if regime is None and regime_cache is not None:
        # a series not cached yet is computed by a child while the run reads it
        regime = regime_series.regime_hook(
            cfg, feed, provider, fit_cache, regime_cache, stream=True
        )
    try:
        parts = build_parts(
            cfg, feed, provider, risk, fit_cache=fit_cache, regime=regime, views=views
        )
        engine = Engine(feed, broker, parts, cfg.trading.initial_capital, run_tag(fingerprint))
        with _collector_paused():
            recorder = engine.run(clock)
            if regime is not None:
                regime_series.finish(regime)  # a streamed series goes into the cache
            if not recorder.ts:
                raise DataError("the backtest period contains no bars")
            notes = _note_late_joiners(recorder, bars, parts.target_model)
            summary = summarize(
                name,
                recorder,
                engine.book,
                cfg.trading.initial_capital,
                bench,
                cfg.portfolio_optimization.risk_free_rate,
            )
    finally:
        if regime is not None:
            regime_series.close(regime)
    return BacktestRun(
        summary,
        cfg,
        pd.Timestamp(recorder.ts[0]),
        pd.Timestamp(recorder.ts[-1]),
        fingerprint,
        engine,
        notes,
    )


def _note_late_joiners(recorder: Recorder, bars: BarSet, targets: object) -> tuple[str, ...]:
    """Name each symbol that became tradable only after the run started, as an event at the
    bar it became tradable (the run's last bar if never) and as a note."""
    rows = targets.history_rows if isinstance(targets, OptimizerTargets) else 1
    joiners = late_joiners(bars, recorder.ts[0], rows)
    for j in joiners:
        when = (j.tradable_from or pd.Timestamp(recorder.ts[-1])).to_pydatetime()
        event = EngineEvent(when, "symbol_joined", j.describe(), "info")
        at = bisect.bisect_right([e.ts for e in recorder.events], when)
        recorder.events.insert(at, event)
    return tuple(j.describe() for j in joiners)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the engine replays history and the run is
    summarised.

    A replay allocates records that all live until it ends (orders, fills, closed trades,
    decisions) and creates no reference cycles, so the collector's passes over the growing heap
    find nothing; at 500 assets they took a quarter of the run, and a full pass during the
    summary a tenth of it. Reference counting still frees everything else at once, and
    collection resumes when the summary is done (or the run fails). The replay's objects then go
    straight to the oldest generation (freeze, unfreeze) instead of being scanned by the next
    young collection; skipped if the process froze objects itself.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def _clock_times(index: pd.DatetimeIndex, start: TimeLike | None) -> pd.DatetimeIndex:
    if start is None:
        return index
    return index[index >= to_utc(start)]


def _optional(load: object) -> pd.Series | None:
    try:
        return load()  # type: ignore[operator, no-any-return]
    except DataError:
        return None


def _optional_vix(
    provider: MarketData, start: pd.Timestamp | None, end: TimeLike | None
) -> VixSeries | None:
    try:
        return provider.vix(start, end)
    except DataError:
        return None
