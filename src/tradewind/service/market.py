"""The market data a service run trades on, loaded once, served as fresh feeds on demand.

Loaded as :func:`tradewind.backtest.runner.run_backtest` loads it (same warm-up, same benchmark
and VIX), so a replay and a backtest over the same period see identical bars. Every consumer
gets its own :class:`MarketFeed` (the engine, the simulated broker, a rebuilt engine after an
abandoned cycle): a feed only moves forward.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

import pandas as pd

from tradewind.backtest.runner import WARMUP_FACTOR
from tradewind.config import TradewindConfig
from tradewind.data.traded import TradedSource
from tradewind.domain.actions import CorporateAction
from tradewind.domain.errors import ConfigError, DataError
from tradewind.domain.market import BarSet, MarketData, VixSeries
from tradewind.engine.feed import MarketFeed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunMarket:
    """Bars, benchmark and VIX of a run.

    ``actions`` are the splits and cash dividends of the run's symbols that the data lists
    (:mod:`tradewind.domain.actions`; empty for sources whose prices carry none, such as the
    bundled data), and ``traded`` the same bars as traded, not adjusted (None: the data has no
    other prices than ``bars``). The simulated broker of a wall-clock run fills at ``traded``
    prices and applies ``actions`` to its account, as a real broker does.
    """

    bars: BarSet
    benchmark: pd.Series | None
    vix: VixSeries | None
    actions: tuple[CorporateAction, ...] = ()
    traded: BarSet | None = None

    def feed(self) -> MarketFeed:
        """A fresh feed over the run's data (before its first bar)."""
        return MarketFeed(self.bars, self.benchmark, self.vix)

    def traded_feed(self) -> MarketFeed | None:
        """A fresh feed over the bars as traded (None: the data has no other prices)."""
        return None if self.traded is None else MarketFeed(self.traded, self.benchmark, self.vix)


def warmup_start(cfg: TradewindConfig, start: pd.Timestamp) -> pd.Timestamp:
    """The first bar loaded for a run starting at ``start`` (the backtest's warm-up)."""
    history_rows = cfg.portfolio_optimization.lookback_days + 1
    warmup_days = int(max(history_rows, 260) * WARMUP_FACTOR) + 10
    return start - pd.Timedelta(days=warmup_days)


def load_market(
    cfg: TradewindConfig, provider: MarketData, start: pd.Timestamp, end: pd.Timestamp | None
) -> RunMarket:
    """Load the run's bars from ``start`` minus the warm-up to ``end`` (None: all)."""
    first = warmup_start(cfg, start)
    bars = provider.bars(list(cfg.trading.symbols), first, end)
    try:
        bench: pd.Series | None = provider.benchmark(first, end)
    except DataError:
        bench = None
    try:
        vix: VixSeries | None = provider.vix(first, end)
    except DataError:
        vix = None
    return RunMarket(bars, bench, vix)


def load_wall_market(cfg: TradewindConfig, provider: MarketData, now: pd.Timestamp) -> RunMarket:
    """:func:`load_market` for a wall-clock run (from ``now`` minus the warm-up, to the latest
    bar), with the bars as traded and the splits and dividends of the run's symbols when the
    provider keeps them (:class:`~tradewind.data.traded.TradedSource`): the simulated broker
    then fills and pays as a real broker does. A replay keeps :func:`load_market`: it trades
    on adjusted history, as a backtest does.
    """
    market = load_market(cfg, provider, now, None)
    if not isinstance(provider, TradedSource):
        return market
    traded = provider.traded(market.bars.symbols, warmup_start(cfg, now), None)
    return replace(market, actions=traded.actions, traded=traded.bars)


def replay_ticks(market: RunMarket, start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """Bar times between ``start`` and ``end`` (inclusive): the replay's cycle times."""
    index = market.feed().index
    chosen = index[(index >= start) & (index <= end)]
    if len(chosen) == 0:
        raise DataError(
            f"no bars between {start.date()} and {end.date()} for "
            f"{', '.join(market.bars.symbols)}; pick a period the data source covers"
        )
    return list(chosen)


def check_covers_now(
    cfg: TradewindConfig, market: RunMarket, now: pd.Timestamp, source: str
) -> None:
    """Refuse a wall-clock run on data that ends before today (nothing current to trade on)."""
    index = market.feed().index
    limit = timedelta(days=cfg.data.stale_after_days)
    last = index[index <= now]
    if len(last) == 0 or now - last[-1] > limit:
        latest = f"its latest bar is from {index[-1].date()}" if len(index) else "it has no bar"
        raise no_current_prices(source, now, latest)


def no_current_prices(source: str, now: pd.Timestamp, latest: str) -> ConfigError:
    """The refusal of a wall-clock run on a source without today's prices.

    ``latest`` says what the source has instead, e.g. ``its latest bar is from 2022-12-30``.
    """
    return ConfigError(
        f"data.source '{source}' has no current prices ({latest}; today is "
        f"{now.date()}): simulated trading on the wall clock needs data that reaches today. "
        "Replay history through the same loop instead: tradewind trade --mode simulated "
        "--replay START:END --speed max (or tradewind demo), or trade on current prices "
        "with data.source: yfinance (no key needed; tradewind data fetch SYMBOLS fills the "
        "cache)."
    )
