"""Build the network ``MarketData`` (:class:`~tradewind.data.live.LiveData`) from the config.

Every provider named in the effective routes is built once (its SDK imported only then); one
that lacks its key or SDK is kept as the reason, so its route skips it with an event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tradewind.config.secrets import Secrets, load_secrets
from tradewind.data.cache import SeriesCache
from tradewind.data.live import LiveData, route_for
from tradewind.data.providers import build_provider
from tradewind.data.providers.base import Provider
from tradewind.domain.types import Interval

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig


def live_from_config(
    cfg: TradewindConfig,
    *,
    secrets: Secrets | None = None,
    now: Callable[[], pd.Timestamp] | None = None,
    backfill: bool = False,
) -> LiveData:
    """The network source for ``cfg.data`` (``source`` yfinance, alpaca or webull); ``now`` is
    the clock (default: the wall clock; the trading service's tests pass theirs); ``backfill``
    fetches cached series again from ``data.cache.history_start`` when they start later."""
    data = cfg.data
    routes = route_for(data.routes.model_dump(), data.source)
    secrets = secrets or load_secrets()
    root = Path(data.cache.path)
    names = dict.fromkeys(n for route in routes.values() for n in route)
    providers: dict[str, Provider | str] = {
        name: build_provider(name, cfg, secrets, root) for name in names
    }
    return LiveData(
        data.source,
        providers,
        routes,
        SeriesCache(root),
        history_start=data.cache.history_start,
        benchmark=data.benchmark,
        dividends=data.adjust,
        interval=Interval(data.interval),
        max_move=data.max_daily_move,
        stale_bars=data.stale_bars,
        max_age=timedelta(days=data.stale_after_days),
        now=now,
        backfill=backfill,
    )
