"""A provider base for sources that hold each symbol's full history in memory.

Subclasses say which symbols they serve and how to build one symbol's history; this base cuts
windows, runs the data checks, answers latest prices without look-ahead and serves the
benchmark, so every offline provider (bundled, synthetic, files) behaves the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from tradewind.data.checks import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_MOVE,
    DEFAULT_STALE_BARS,
    check_frame,
    check_fresh,
    check_prices,
)
from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import MissingDataError
from tradewind.domain.market import OHLCV, BarSet, TimeLike, VixSeries, to_utc
from tradewind.domain.types import Interval


class HistoryProvider(ABC):
    """Serve checked windows of in-memory histories through the ``MarketData`` protocol.

    Parameters
    ----------
    max_move
        Largest plausible close-to-close move, as a fraction; larger moves raise
        ``ImplausibleJumpError``.
    stale_bars
        Consecutive bars with an unchanged close that raise ``StaleDataError`` (None: off).
    max_age
        Oldest last bar :meth:`latest_prices` accepts before raising ``StaleDataError``.
    """

    name: str = ""
    interval: Interval = Interval.DAILY
    benchmark_symbol: str = "SP500"

    def __init__(
        self,
        *,
        max_move: float = DEFAULT_MAX_MOVE,
        stale_bars: int | None = DEFAULT_STALE_BARS,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        self.max_move = max_move
        self.stale_bars = stale_bars
        self.max_age = max_age

    # --- what subclasses provide ----------------------------------------------------------
    @abstractmethod
    def available_symbols(self) -> list[str]:
        """Symbols this source can serve."""

    @abstractmethod
    def history(self, symbol: str) -> pd.DataFrame:
        """The full, unchecked OHLCV history of ``symbol``; ``MissingDataError`` if unknown."""

    @abstractmethod
    def is_derived(self, symbol: str) -> bool:
        """True if ``symbol``'s open/high/low are derived from closes."""

    @abstractmethod
    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """VIX levels within ``[start, end]``."""

    # --- the protocol ---------------------------------------------------------------------
    def bars(
        self,
        symbols: Sequence[str],
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        interval: Interval = Interval.DAILY,
    ) -> BarSet:
        """Checked bars of ``symbols`` stamped within ``[start, end]`` (instants, inclusive).

        Raises
        ------
        MissingDataError
            A symbol is unknown, has no bars in the window, or ``interval`` is not served.
        DataError
            A window fails a data check (see :mod:`tradewind.data.checks`).
        """
        if Interval(interval) is not self.interval:
            raise MissingDataError(
                f"the {self.name} source serves {self.interval.value} bars, "
                f"not {Interval(interval).value}"
            )
        frames: dict[str, pd.DataFrame] = {}
        for symbol in symbols:
            frame = window(self.history(symbol), start, end)
            if frame.empty:
                span = f"{_show(start, 'the first bar')} and {_show(end, 'the last bar')}"
                raise MissingDataError(f"no bars between {span}", symbol=symbol)
            check_frame(symbol, frame, max_move=self.max_move, stale_bars=self.stale_bars)
            frames[symbol] = frame
        derived = frozenset(s for s in frames if self.is_derived(s))
        return BarSet(frames, self.interval, derived, self.name)

    def latest_prices(self, symbols: Sequence[str], asof: TimeLike) -> pd.Series:
        """The last close at or before ``asof`` per symbol, never a later one.

        Raises
        ------
        MissingDataError
            A symbol has no bar at or before ``asof``.
        StaleDataError
            A symbol's last bar is older than ``max_age`` at ``asof``.
        """
        t = to_utc(asof)
        prices: dict[str, float] = {}
        for symbol in symbols:
            frame = self.history(symbol)
            i = int(frame.index.searchsorted(t, side="right")) - 1
            if i < 0:
                raise MissingDataError(f"no bar at or before {t.isoformat()}", symbol=symbol)
            last = frame.iloc[i : i + 1]
            check_prices(symbol, last)
            check_fresh(symbol, last.index[0], t, self.max_age)
            prices[symbol] = float(last["close"].iloc[0])
        return pd.Series(prices, name="close", dtype=float)

    def benchmark(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Checked closes of the benchmark symbol within ``[start, end]``."""
        name = self.benchmark_symbol
        closes = self.bars([name], start, end, self.interval)[name]["close"]
        return closes.rename(name)


def window(frame: pd.DataFrame, start: TimeLike | None, end: TimeLike | None) -> pd.DataFrame:
    """The rows of ``frame`` (sorted, UTC index) stamped within ``[start, end]``."""
    index = frame.index
    lo = 0 if start is None else int(index.searchsorted(to_utc(start), side="left"))
    hi = len(index) if end is None else int(index.searchsorted(to_utc(end), side="right"))
    return frame.iloc[lo:hi]


def ohlc_from_closes(closes: pd.Series) -> pd.DataFrame:
    """An OHLCV frame derived from closes: open = previous close, high/low bracket both, volume NaN.

    The first bar opens at its own close. Callers must flag the symbol as derived.
    """
    return derived_frame(closes.index, closes.to_numpy(dtype=float))


OHLCV_COLUMNS = pd.Index(OHLCV)
"""The columns of every frame :func:`derived_frame` builds: one shared (immutable) index, whose
hash table the data checks' column look-ups build once, not once per symbol."""


def derived_frame(index: pd.Index, close: FloatArray) -> pd.DataFrame:
    """:func:`ohlc_from_closes` of the closes ``close`` stamped ``index``.

    The frame is built from one (5, n) block, the layout :func:`make_frame` gives it (pandas'
    constructor from a dict of columns costs ~100 us a symbol, from the block ~10).
    """
    block = np.empty((len(OHLCV), len(close)))
    open_, high, low, last, volume = block
    open_[1:] = close[:-1]
    open_[:1] = close[:1]
    np.maximum(open_, close, out=high)
    np.minimum(open_, close, out=low)
    last[:] = close
    volume[:] = np.nan
    frame = pd.DataFrame(block.T, index=index, columns=OHLCV_COLUMNS, copy=False)
    frame.index.name = "timestamp"
    return frame


def make_frame(index: pd.Index, *columns: np.ndarray) -> pd.DataFrame:
    """An OHLCV frame from five arrays, with the index named ``timestamp``."""
    frame = pd.DataFrame(dict(zip(OHLCV, columns, strict=True)), index=index, dtype=float)
    frame.index.name = "timestamp"
    return frame


def _show(t: TimeLike | None, default: str) -> str:
    return default if t is None else to_utc(t).isoformat()
