"""Market data: the provider protocol, offline providers (bundled, synthetic) and data checks.

Choose a provider from the configuration with :func:`get_market_data`; every provider serves
checked bars stamped at the end of their interval in UTC (see :mod:`tradewind.domain.market`).

The names below are imported on first use, so a light submodule does not bring every
provider (and pandas, pyarrow) with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradewind.lazy import lazy_exports

if TYPE_CHECKING:
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

_WHERE: dict[str, str] = {
    "BarSet": "tradewind.domain.market",
    "BundledData": "tradewind.data.bundled",
    "Crash": "tradewind.data.scenario",
    "DEFAULT_MAX_AGE": "tradewind.data.checks",
    "DEFAULT_MAX_MOVE": "tradewind.data.checks",
    "DEFAULT_STALE_BARS": "tradewind.data.checks",
    "GapDown": "tradewind.data.scenario",
    "Halt": "tradewind.data.scenario",
    "HistoryProvider": "tradewind.data.history",
    "MarketData": "tradewind.domain.market",
    "MissingBars": "tradewind.data.scenario",
    "OHLCV": "tradewind.domain.market",
    "RegimeParams": "tradewind.data.scenario",
    "RegimeSpec": "tradewind.data.scenario",
    "Shock": "tradewind.data.scenario",
    "SyntheticData": "tradewind.data.synthetic",
    "SyntheticMarket": "tradewind.data.synthetic_model",
    "TimeLike": "tradewind.domain.market",
    "VixSeries": "tradewind.domain.market",
    "bundled_symbols": "tradewind.data.bundled",
    "check_bars": "tradewind.data.checks",
    "check_frame": "tradewind.data.checks",
    "check_fresh": "tradewind.data.checks",
    "check_index": "tradewind.data.checks",
    "check_jumps": "tradewind.data.checks",
    "check_layout": "tradewind.data.checks",
    "check_prices": "tradewind.data.checks",
    "check_stale": "tradewind.data.checks",
    "generate_market": "tradewind.data.synthetic_model",
    "get_market_data": "tradewind.data.registry",
    "ohlc_from_closes": "tradewind.data.history",
    "register_market_data": "tradewind.data.registry",
    "registered_sources": "tradewind.data.registry",
    "to_utc": "tradewind.domain.market",
}
"""The submodule defining each public name: imported on first use (PEP 562), so importing one
light submodule of this package does not import its heavy siblings."""

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
