"""Market data: the provider protocol, offline providers (bundled, synthetic) and data checks.

Choose a provider from the configuration with :func:`get_market_data`; every provider serves
checked bars stamped at the end of their interval in UTC (see :mod:`tradewind.domain.market`).
"""

from tradewind.data.bundled import BundledData, bundled_symbols
from tradewind.data.checks import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_MOVE,
    DEFAULT_STALE_BARS,
    check_bars,
    check_frame,
    check_fresh,
    check_index,
    check_jumps,
    check_layout,
    check_prices,
    check_stale,
)
from tradewind.data.history import HistoryProvider, ohlc_from_closes
from tradewind.data.registry import get_market_data, register_market_data, registered_sources
from tradewind.data.scenario import (
    Crash,
    GapDown,
    Halt,
    MissingBars,
    RegimeParams,
    RegimeSpec,
    Shock,
)
from tradewind.data.synthetic import SyntheticData
from tradewind.data.synthetic_model import SyntheticMarket, generate_market
from tradewind.domain.market import OHLCV, BarSet, MarketData, TimeLike, VixSeries, to_utc

__all__ = [
    "DEFAULT_MAX_AGE",
    "DEFAULT_MAX_MOVE",
    "DEFAULT_STALE_BARS",
    "OHLCV",
    "BarSet",
    "BundledData",
    "Crash",
    "GapDown",
    "Halt",
    "HistoryProvider",
    "MarketData",
    "MissingBars",
    "RegimeParams",
    "RegimeSpec",
    "Shock",
    "SyntheticData",
    "SyntheticMarket",
    "TimeLike",
    "VixSeries",
    "bundled_symbols",
    "check_bars",
    "check_frame",
    "check_fresh",
    "check_index",
    "check_jumps",
    "check_layout",
    "check_prices",
    "check_stale",
    "generate_market",
    "get_market_data",
    "ohlc_from_closes",
    "register_market_data",
    "registered_sources",
    "to_utc",
]
