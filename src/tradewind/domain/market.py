"""The market-data contract every provider fulfils, and the value types its bars come in.

These are domain types: the data providers produce them, the engine and the regime detectors
consume them, and neither side imports the other to get them.

Conventions (all providers):

* A bar is stamped at the **end** of its interval, as a tz-aware UTC timestamp: a daily bar at the
  session's close (16:00 ET, 13:00 on early closes), an hourly bar at the end of its hour. A bar
  stamped ``t`` is therefore knowable at ``t`` and no earlier: this is what no-look-ahead rests on.
* Each symbol's frame has float columns ``open, high, low, close, volume`` and a
  ``DatetimeIndex`` named ``timestamp``, sorted, without duplicates.
* Close-only sources derive ``open``/``high``/``low`` from closes and list the symbol in
  ``BarSet.derived_ohlc``; volume is NaN when unknown. Nothing is invented silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

import pandas as pd

from tradewind.domain.errors import MissingDataError
from tradewind.domain.types import Interval

OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")
"""Column names of every bar frame, in order."""

TimeLike = datetime | pd.Timestamp | str


def to_utc(t: TimeLike) -> pd.Timestamp:
    """``t`` as a tz-aware UTC timestamp (naive input is taken as UTC)."""
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@dataclass(frozen=True)
class BarSet:
    """Bars for several symbols at one interval.

    Attributes
    ----------
    frames
        One OHLCV frame per symbol (see the module conventions).
    interval
        Bar interval.
    derived_ohlc
        Symbols whose open/high/low were derived from closes, not observed.
    source
        Name of the provider that produced the bars.
    """

    frames: Mapping[str, pd.DataFrame]
    interval: Interval = Interval.DAILY
    derived_ohlc: frozenset[str] = field(default_factory=frozenset)
    source: str = ""

    @property
    def symbols(self) -> list[str]:
        """Symbols in the set, in insertion order."""
        return list(self.frames)

    def __getitem__(self, symbol: str) -> pd.DataFrame:
        try:
            return self.frames[symbol]
        except KeyError:
            raise MissingDataError(f"no bars for {symbol!r} in this set", symbol=symbol) from None

    def field(self, name: str) -> pd.DataFrame:
        """One field (``open`` ... ``volume``) as a wide frame: timestamps x symbols."""
        if name not in OHLCV:
            raise KeyError(f"unknown bar field {name!r}; allowed: {', '.join(OHLCV)}")
        return pd.DataFrame({s: f[name] for s, f in self.frames.items()})

    def closes(self) -> pd.DataFrame:
        """Closing prices as a wide frame: timestamps x symbols."""
        return self.field("close")

    def until(self, t: TimeLike) -> BarSet:
        """The bars stamped at or before ``t`` (what is knowable at ``t``)."""
        cut = to_utc(t)
        return BarSet(
            {s: f.loc[:cut] for s, f in self.frames.items()},
            self.interval,
            self.derived_ohlc,
            self.source,
        )


@dataclass(frozen=True)
class VixSeries:
    """A VIX (or VIX-like) level series, and whether it is a proxy rather than the real index.

    Attributes
    ----------
    values
        Levels indexed by tz-aware UTC timestamps; NaN where the source had no value.
    is_proxy
        True when any value is computed from an index's realized volatility, not observed.
    source
        Where the values came from, for display.
    """

    values: pd.Series
    is_proxy: bool
    source: str
    proxy_mask: pd.Series | None = None
    """Per timestamp, True where the value is a proxy (None: ``is_proxy`` holds for every row)."""

    @classmethod
    def from_flags(
        cls, values: pd.Series, flags: pd.Series, source: str, mixed_source: str | None = None
    ) -> VixSeries:
        """A series whose rows are flagged one by one (True: a proxy, not observed).

        ``is_proxy`` is True when any row is a proxy; ``proxy_mask`` is set when some rows are
        and others are not (``mixed_source`` then replaces ``source``), as every provider that
        mixes observed values with a proxy must report them.
        """
        in_window = flags.reindex(values.index, fill_value=False).astype(bool)
        if not in_window.any():
            return cls(values, is_proxy=False, source=source)
        if in_window.all():
            return cls(values, is_proxy=True, source=source)
        mask = in_window.rename("vix_is_proxy")
        return cls(values, is_proxy=True, source=mixed_source or source, proxy_mask=mask)

    def row_flags(self) -> pd.Series:
        """Per timestamp of :attr:`values`, True where the value is a proxy."""
        if self.proxy_mask is not None:
            flags = self.proxy_mask.reindex(self.values.index, fill_value=True).astype(bool)
        else:
            flags = pd.Series(self.is_proxy, index=self.values.index, dtype=bool)
        return flags.rename("is_proxy")


@runtime_checkable
class MarketData(Protocol):
    """A source of bars, latest prices, a benchmark and VIX. Every provider implements this."""

    name: str
    """Short provider name, e.g. ``bundled``."""

    def available_symbols(self) -> list[str]:
        """Symbols this source can serve (may be open-ended for live providers)."""
        ...

    def bars(
        self,
        symbols: Sequence[str],
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        interval: Interval = Interval.DAILY,
    ) -> BarSet:
        """Checked bars of ``symbols`` stamped within ``[start, end]``."""
        ...

    def latest_prices(self, symbols: Sequence[str], asof: TimeLike) -> pd.Series:
        """The last close at or before ``asof`` for each symbol (never a later one)."""
        ...

    def benchmark(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Closes of the benchmark index (S&P 500 or SPY) within ``[start, end]``."""
        ...

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """VIX levels within ``[start, end]``, or a flagged proxy where none is available."""
        ...
