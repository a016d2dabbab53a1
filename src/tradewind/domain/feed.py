"""What the strategy may read of the market at the current bar: the feed protocol.

The engine's :class:`~tradewind.engine.feed.MarketFeed` implements it; the logic packages (risk,
regime hooks, target models) are typed against this protocol, so they depend on what they read,
never on the engine. Every read ends at the current bar: nothing after it can be reached.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import TYPE_CHECKING, Protocol

from tradewind.domain.arrays import FloatArray

if TYPE_CHECKING:  # annotations only: the risk rules typed against this load without pandas
    import pandas as pd


class FeedView(Protocol):
    """Bars up to the current one, as arrays indexed like :attr:`symbols`."""

    @property
    def symbols(self) -> tuple[str, ...]:
        """The run's symbols, in the order every array uses."""
        ...

    @property
    def derived_ohlc(self) -> Collection[str]:
        """Symbols whose open/high/low were derived from closes, not observed."""
        ...

    @property
    def row(self) -> int:
        """Index of the current bar (-1 before the first)."""
        ...

    @property
    def now(self) -> pd.Timestamp:
        """Timestamp of the current bar."""
        ...

    def session_of(self, t: pd.Timestamp) -> date:
        """The New York trading date of the current bar."""
        ...

    def current(self, field: str = "close") -> FloatArray:
        """This bar's values of ``field`` (NaN where a symbol has no bar)."""
        ...

    def last_close(self) -> FloatArray:
        """The last known close of each symbol at or before the current bar."""
        ...

    def window(self, rows: int, field: str = "close") -> FloatArray:
        """The last ``rows`` bars of ``field`` up to and including the current one."""
        ...

    def times(self, rows: int) -> pd.DatetimeIndex:
        """Timestamps of the last ``rows`` bars up to the current one."""
        ...

    def benchmark_window(self, rows: int) -> FloatArray:
        """The last ``rows`` benchmark closes up to the current bar."""
        ...

    def vix_window(self, rows: int) -> FloatArray:
        """The last ``rows`` VIX levels up to the current bar."""
        ...

    @property
    def has_benchmark(self) -> bool:
        """True when a benchmark series is loaded."""
        ...

    @property
    def has_vix(self) -> bool:
        """True when a VIX series (real or proxy) is loaded."""
        ...
