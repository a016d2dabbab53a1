"""Run the engine over history: the composition root for backtests and accelerated replays.

A backtest is the same :class:`~tradewind.engine.cycle.Engine` the trading service runs, with a
replay clock over the bars' own timestamps, a feed built from the configured provider, and the
simulated broker. Every decision uses a trailing window of data only (walk-forward by
construction); the bars before ``start`` are loaded only as warm-up history.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import TradewindConfig
from tradewind.data.protocol import MarketData, TimeLike, VixSeries, to_utc
from tradewind.domain.errors import DataError
from tradewind.engine.clock import ReplayClock
from tradewind.engine.cycle import Engine
from tradewind.engine.feed import GuardedFeed, MarketFeed
from tradewind.engine.ids import run_tag
from tradewind.engine.strategy import build_parts, cost_model
from tradewind.reports.run import RunSummary, summarize

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


def config_fingerprint(cfg: TradewindConfig) -> str:
    """SHA-256 of the configuration (stable across runs of the same settings)."""
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
) -> BacktestRun:
    """Backtest ``cfg`` on ``provider``'s history between ``start`` and ``end``.

    Parameters
    ----------
    guard
        Serve data through a :class:`GuardedFeed` that raises on any read past the clock.
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
    broker = SimulatedBroker(
        feed,
        cost_model(cfg),
        cfg.trading.initial_capital,
        fill_price=cfg.execution.fill_price,
        fractional=cfg.broker.fractional_shares,
        use_impact_inputs=cfg.execution.market_impact.enabled,
    )
    fingerprint = config_fingerprint(cfg)
    parts = build_parts(cfg, feed, provider, backtest=True)
    engine = Engine(feed, broker, parts, cfg.trading.initial_capital, run_tag(fingerprint))
    with _collector_paused():
        recorder = engine.run(clock)
    if not recorder.ts:
        raise DataError("the backtest period contains no bars")
    summary = summarize(
        name,
        recorder,
        engine.book,
        cfg.trading.initial_capital,
        bench,
        cfg.portfolio_optimization.risk_free_rate,
    )
    return BacktestRun(
        summary,
        cfg,
        pd.Timestamp(recorder.ts[0]),
        pd.Timestamp(recorder.ts[-1]),
        fingerprint,
        engine,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the engine replays history.

    A replay allocates records that all live until it ends (orders, fills, closed trades,
    decisions) and creates no reference cycles, so the collector's passes over the growing heap
    find nothing; at 500 assets they took a quarter of the run. Reference counting still frees
    everything else at once, and collection resumes when the replay ends (or fails). The
    replay's objects then go straight to the oldest generation (freeze, unfreeze) instead of
    being scanned by the next young collection; skipped if the process froze objects itself.
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
