"""The ``frames`` provider: close prices already in memory, served like any other source.

Built in code, not from config: benchmarks, tests and notebooks hand it a wide frame of closes
(dates x symbols) and get the full ``MarketData`` behaviour, data checks included. Every symbol
is close-only, so open/high/low are derived (:func:`~tradewind.data.history.ohlc_from_closes`)
and flagged in ``BarSet.derived_ohlc``; volume is NaN.

Timestamps follow the bar-end convention of :mod:`tradewind.domain.market`:

* a naive index holds dates; each is stamped 16:00 New York time, converted to UTC. This holds
  for every date, NYSE session or not (a synthetic Monday-to-Friday calendar stays as given),
  and early closes are *not* looked up: the frame's dates are taken as they are;
* a tz-aware index holds instants; they are kept, converted to UTC.

Stamps are stored in nanoseconds whatever the input's unit, so any ``pd.Timestamp`` can be
looked up without a lossy conversion.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import numpy as np
import pandas as pd

from tradewind.calendar import EASTERN
from tradewind.data.checks import DEFAULT_MAX_AGE, DEFAULT_MAX_MOVE, DEFAULT_STALE_BARS
from tradewind.data.history import HistoryProvider, derived_frame
from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import MissingDataError
from tradewind.domain.market import TimeLike, VixSeries

CLOSE_HOUR = 16
"""Hour (New York time) at which a naive date's bar is stamped."""

BENCHMARK_NAME = "BENCHMARK"
"""Symbol of the benchmark series when it comes without a name."""


def bar_stamps(index: pd.Index) -> pd.DatetimeIndex:
    """Bar-end UTC timestamps for a frame's index (see the module docstring).

    Raises
    ------
    ValueError
        The index is not a ``DatetimeIndex``, or it is naive with a time of day.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"closes must be indexed by dates or timestamps, not {type(index)}")
    if index.tz is not None:
        return pd.DatetimeIndex(index.tz_convert("UTC").as_unit("ns"), name="timestamp")
    if not _midnights(index):
        raise ValueError(
            "a naive index must hold dates (midnight); give tz-aware timestamps for intraday bars"
        )
    local = (index + pd.Timedelta(hours=CLOSE_HOUR)).tz_localize(EASTERN)
    return pd.DatetimeIndex(local.tz_convert("UTC").as_unit("ns"), name="timestamp")


def _midnights(index: pd.DatetimeIndex) -> bool:
    """True if every stamp of the naive ``index`` is a midnight (``index == index.normalize()``
    everywhere, NaT never), read from the integers: normalize() infers a frequency, ~1 ms."""
    day = int(np.timedelta64(1, "D").astype(f"m8[{index.unit}]").astype(np.int64))
    values = index.asi8
    return bool(((values % day == 0) & (values != NAT)).all())


NAT = np.iinfo(np.int64).min
"""The integer of NaT."""


class FramesData(HistoryProvider):
    """Serve in-memory closes through the ``MarketData`` protocol.

    Parameters
    ----------
    closes
        Closing prices, one column per symbol, indexed by dates (naive) or timestamps
        (tz-aware). NaN marks a day without a bar for that symbol (e.g. before a listing).
    benchmark
        Closes of the benchmark, indexed like ``closes``; served by :meth:`benchmark` and listed
        under its name (``BENCHMARK`` when unnamed). None: :meth:`benchmark` raises
        ``MissingDataError``, which the backtest runner treats as "no benchmark".
    name
        Provider name shown in bar sets and reports.
    max_move, stale_bars, max_age
        Data-check thresholds (see :class:`~tradewind.data.history.HistoryProvider`).

    Raises
    ------
    ValueError
        ``closes`` is empty or badly indexed, names two columns alike, or the benchmark's name
        is also a column.
    """

    def __init__(
        self,
        closes: pd.DataFrame,
        *,
        benchmark: pd.Series | None = None,
        name: str = "frames",
        max_move: float = DEFAULT_MAX_MOVE,
        stale_bars: int | None = DEFAULT_STALE_BARS,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        super().__init__(max_move=max_move, stale_bars=stale_bars, max_age=max_age)
        if closes.shape[0] == 0 or closes.shape[1] == 0:
            raise ValueError(f"closes must have rows and columns, got shape {closes.shape}")
        self.name = name
        wide = closes.astype(float)
        wide.columns = [str(c) for c in closes.columns]
        twice = wide.columns[wide.columns.duplicated()]
        if len(twice):
            raise ValueError(
                f"closes have {twice[0]!r} as the name of several columns: give each symbol "
                "one column"
            )
        wide.index = bar_stamps(closes.index)
        self._closes = wide
        self._frames: dict[str, pd.DataFrame] = {}
        self._values: FloatArray | None = None  # symbols x bars, once a symbol is read
        self._benchmark: pd.Series | None = None
        if benchmark is not None:
            symbol = str(benchmark.name) if benchmark.name is not None else BENCHMARK_NAME
            if symbol in wide.columns:
                raise ValueError(f"the benchmark's name {symbol!r} is also a column of closes")
            series = benchmark.astype(float).rename(symbol)
            series.index = bar_stamps(benchmark.index)
            self._benchmark = series
            self.benchmark_symbol = symbol

    @property
    def closes(self) -> pd.DataFrame:
        """The closes as served: UTC bar-end timestamps x symbols."""
        return self._closes

    def available_symbols(self) -> list[str]:
        """The columns of ``closes``, then the benchmark's symbol if one was given."""
        symbols = list(self._closes.columns)
        return [*symbols, self.benchmark_symbol] if self._benchmark is not None else symbols

    def history(self, symbol: str) -> pd.DataFrame:
        """The full OHLCV history of ``symbol`` (derived from its closes), unchecked."""
        frame = self._frames.get(symbol)
        if frame is None:
            frame = self._derive(symbol)
            self._frames[symbol] = frame
        return frame

    def _derive(self, symbol: str) -> pd.DataFrame:
        """``ohlc_from_closes`` of ``symbol``'s closes without their NaN."""
        if symbol in self._closes.columns:
            column = cast(int, self._closes.columns.get_loc(symbol))  # unique: checked when built
            if self._values is None:  # a row per symbol: each symbol's closes contiguous
                self._values = np.ascontiguousarray(self._closes.to_numpy(dtype=float).T)
            return _without_nan(self._closes.index, self._values[column])
        if self._benchmark is not None and symbol == self.benchmark_symbol:
            return _without_nan(self._benchmark.index, self._benchmark.to_numpy(dtype=float))
        raise MissingDataError(
            f"not in this {self.name} source; it serves {_listing(self.available_symbols())}",
            symbol=symbol,
        )

    def is_derived(self, symbol: str) -> bool:
        """Always True: every series is close-only."""
        return True

    def benchmark(self, start: TimeLike | None = None, end: TimeLike | None = None) -> pd.Series:
        """Checked benchmark closes within ``[start, end]``.

        Raises
        ------
        MissingDataError
            No benchmark was given.
        """
        if self._benchmark is None:
            raise MissingDataError(f"the {self.name} source was given no benchmark series")
        return super().benchmark(start, end)

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """Never available: raises ``MissingDataError``."""
        raise MissingDataError(f"the {self.name} source serves no VIX", symbol="VIX")


def _without_nan(index: pd.Index, closes: FloatArray) -> pd.DataFrame:
    """The derived frame of ``closes`` without its NaN (what ``Series.dropna`` keeps)."""
    keep = ~np.isnan(closes)
    if keep.all():
        return derived_frame(index, closes)
    return derived_frame(index[keep], closes[keep])


def _listing(symbols: list[str], limit: int = 8) -> str:
    shown = ", ".join(symbols[:limit])
    return shown if len(symbols) <= limit else f"{shown} ... ({len(symbols)} symbols)"
