"""The engine's view of market data: bars as of the clock's time, as numpy arrays.

The feed is built once from a provider's :class:`~tradewind.data.BarSet` (plus benchmark and
VIX) and then only moves forward: :meth:`MarketFeed.advance` sets the current row to the last
bar stamped at or before ``t``; every accessor reads rows up to the current one and never
beyond. The arrays are private; every read goes through an accessor that reports the last row
it served to :meth:`MarketFeed._served`, which :class:`GuardedFeed` checks against an
independent clock (the no-look-ahead test runs whole backtests on a guarded feed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.data.checks import float_columns
from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import DataError
from tradewind.domain.market import BarSet, VixSeries
from tradewind.domain.types import EXCHANGE_TZ


class LookaheadError(AssertionError):
    """Data stamped after the clock's time was read."""


class MarketFeed:
    """Bars for the engine's symbols on one shared timeline, served as of the current time.

    Parameters
    ----------
    bars
        Bars of the traded symbols.
    benchmark
        Closes of the benchmark index (regime detection, reports), or None.
    vix
        VIX levels (or a flagged proxy), or None.
    """

    def __init__(
        self, bars: BarSet, benchmark: pd.Series | None = None, vix: VixSeries | None = None
    ) -> None:
        self.symbols: tuple[str, ...] = tuple(bars.symbols)
        frames = [bars[s].index for s in self.symbols]
        index = frames[0]
        for other in frames[1:]:
            index = index.union(other)
        self.index: pd.DatetimeIndex = pd.DatetimeIndex(index)
        self.stamps: npt.NDArray[np.int64] = self.index.as_unit("ns").asi8
        self._sessions = _session_dates(self.index)
        self._columns = self._gather(bars)
        self._fields: dict[str, FloatArray] = {}
        close = self._array("close")
        if np.isnan(close).any():
            self._last_close = pd.DataFrame(close).ffill().to_numpy()
        else:
            self._last_close = close.copy()
        self.derived_ohlc = bars.derived_ohlc
        self._benchmark = (
            benchmark.reindex(self.index, method="ffill").to_numpy(dtype=float)
            if benchmark is not None
            else None
        )
        self.vix = vix
        self._vix_values = (
            vix.values.reindex(self.index, method="ffill").to_numpy(dtype=float)
            if vix is not None
            else None
        )
        self._last_close.setflags(write=False)
        for series in (self._benchmark, self._vix_values):
            if series is not None:
                series.setflags(write=False)
        self._stamp_list: list[int] = self.stamps.tolist()
        self._boxed: list[pd.Timestamp] | None = None
        self._tz, self._unit = self.index.tz, self.index.unit
        self.row = -1
        self._now: pd.Timestamp | None = None
        self._close_row: FloatArray | None = None
        self._starts: npt.NDArray[np.bool_] | None = None

    def _gather(self, bars: BarSet) -> dict[str, list[FloatArray]]:
        """Each field's column of every symbol, on the feed's timeline (NaN: no bar)."""
        columns: dict[str, list[FloatArray]] = {name: [] for name in _FIELDS}
        for s in self.symbols:
            frame = bars[s]
            if not frame.index.equals(self.index):
                frame = frame.reindex(self.index)
            for name, column in zip(_FIELDS, float_columns(frame, _FIELDS), strict=True):
                columns[name].append(column)
        return columns

    # --- time --------------------------------------------------------------------------
    def advance(self, t: pd.Timestamp) -> int:
        """Make the last bar stamped at or before ``t`` current; return its row (-1 if none)."""
        value, stamps, row = t.value, self._stamp_list, self.row
        # a replay steps bar by bar: the next stamp (or the same one) is the common answer
        n = len(stamps)
        if row + 1 < n and stamps[row + 1] == value and (row + 2 == n or stamps[row + 2] > value):
            row += 1
        elif row < 0 or stamps[row] != value:
            row = int(np.searchsorted(self.stamps, value, side="right")) - 1
            if row < self.row:
                raise ValueError(
                    f"the feed only moves forward (asked for {t} after row {self.row})"
                )
        if row != self.row:
            self._move(row, t)
        return row

    def advance_rows(self, rows: int, t: pd.Timestamp) -> int:
        """:meth:`advance` to ``t``, the stamp of the row ``rows`` after the current one (the
        engine's fast-forward, which knows how many bars it passed); return that row."""
        row = self.row + rows
        if rows < 0 or row >= len(self._stamp_list) or self._stamp_list[row] != t.value:
            raise ValueError(f"{t} is not the stamp of the row {rows} after row {self.row}")
        self._move(row, t)
        return row

    def _move(self, row: int, t: pd.Timestamp) -> None:
        """Make ``row`` (the last row stamped at or before ``t``) current."""
        if (
            row >= 0
            and self._stamp_list[row] == t.value
            and t.tz is self._tz
            and t.unit == self._unit
        ):
            self._now = t  # the very stamp of the row, as the index would box it
        else:
            if self._boxed is None:
                self._boxed = list(self.index)  # boxed once; indexing one by one is slow
            self._now = self._boxed[row] if row >= 0 else None
        self._close_row = self._last_close[row] if row >= 0 else None
        self.row = row

    def session_of(self, t: pd.Timestamp) -> date:
        """The New York trading date of the current bar (``t`` must be the current time)."""
        if self.row < 0:
            return t.tz_convert(EXCHANGE_TZ).date()
        return self._sessions[self.row]

    @property
    def sessions(self) -> list[date]:
        """The New York trading date of every row of the timeline (read it, do not change it)."""
        return self._sessions

    def session_starts(self) -> npt.NDArray[np.bool_]:
        """For every row, whether it opens a session (row 0 does), computed once."""
        starts = self._starts
        if starts is None:
            ordinals = np.array([d.toordinal() for d in self._sessions], dtype=np.int64)
            starts = np.ones(len(ordinals), dtype=bool)
            starts[1:] = ordinals[1:] != ordinals[:-1]
            starts.setflags(write=False)
            self._starts = starts
        return starts

    def closes_ahead(self, start: int, stop: int) -> FloatArray:
        """Last known closes of rows ``start..stop-1`` (read-only), for the engine's
        fast-forward over quiet bars only: it marks the book at the bars it is about to pass
        and stops before the first bar where anything could happen, which is then run as
        usual once the feed has advanced to it. Nothing else may read ahead of the clock."""
        if start < 0 or start > self.row + 1 or stop > len(self._stamp_list):
            raise ValueError(f"rows {start}..{stop} are not ahead of row {self.row}")
        return self._last_close[start:stop]

    def rows_ahead(self, field: str, start: int, stop: int) -> FloatArray:
        """Rows ``start..stop-1`` of ``field`` as the bars have them (NaN: no bar; read-only),
        for the engine's fast-forward only, on the terms of :meth:`closes_ahead` (the stops'
        scan reads the highs and lows of the bars it passes)."""
        if start < 0 or start > self.row + 1 or stop > len(self._stamp_list):
            raise ValueError(f"rows {start}..{stop} are not ahead of row {self.row}")
        return self._array(field)[start:stop]

    @property
    def now(self) -> pd.Timestamp:
        """Timestamp of the current bar."""
        if self._now is None:
            raise DataError("no bar yet at the current time")
        return self._now

    # --- reads (all end at the current row) ----------------------------------------------
    def _served(self, last_row: int) -> None:
        """Hook called with the last row every read returns (see :class:`GuardedFeed`)."""

    def _array(self, field: str) -> FloatArray:
        """The (rows x symbols) array of ``field``, read-only, built on first use."""
        array = self._fields.get(field)
        if array is None:
            if field not in _FIELDS:
                raise KeyError(f"unknown bar field {field!r}; allowed: {', '.join(_FIELDS)}")
            parts = self._columns[field]
            array = np.stack(parts, axis=1) if parts else np.empty((len(self.index), 0))
            array.setflags(write=False)
            self._fields[field] = array
        return array

    def current(self, field: str = "close") -> FloatArray:
        """This bar's values of ``field`` for every symbol (NaN where a symbol has no bar).

        Raises
        ------
        DataError
            Before the first bar: there is no current bar (row -1 would index the last one).
        """
        self._served(self.row)
        if self.row < 0:
            raise DataError("no bar yet at the current time")
        row: FloatArray = self._array(field)[self.row]
        return row

    def last_close(self) -> FloatArray:
        """The last known close of each symbol at or before the current bar (raises
        ``DataError`` before the first bar, like :meth:`current`)."""
        self._served(self.row)
        if self._close_row is None:
            if self.row < 0:
                raise DataError("no bar yet at the current time")
            row: FloatArray = self._last_close[self.row]
            return row
        return self._close_row  # the same read-only array all bar long: marks are cached by it

    def window(self, rows: int, field: str = "close") -> FloatArray:
        """The last ``rows`` bars of ``field`` up to and including the current one."""
        self._served(self.row)
        start = max(self.row + 1 - rows, 0)
        return self._array(field)[start : self.row + 1]

    def times(self, rows: int) -> pd.DatetimeIndex:
        """Timestamps of the last ``rows`` bars up to the current one."""
        self._served(self.row)
        return self.index[max(self.row + 1 - rows, 0) : self.row + 1]

    def benchmark_window(self, rows: int) -> FloatArray:
        """The last ``rows`` benchmark closes up to the current bar."""
        if self._benchmark is None:
            raise DataError("no benchmark series in this feed")
        self._served(self.row)
        return self._benchmark[max(self.row + 1 - rows, 0) : self.row + 1]

    def vix_window(self, rows: int) -> FloatArray:
        """The last ``rows`` VIX levels up to the current bar."""
        if self._vix_values is None:
            raise DataError("no VIX series in this feed")
        self._served(self.row)
        return self._vix_values[max(self.row + 1 - rows, 0) : self.row + 1]

    @property
    def has_benchmark(self) -> bool:
        """True when a benchmark series is loaded."""
        return self._benchmark is not None

    @property
    def has_vix(self) -> bool:
        """True when a VIX series (real or proxy) is loaded."""
        return self._vix_values is not None


_FIELDS = ("open", "high", "low", "close", "volume")


class GuardedFeed(MarketFeed):
    """A feed that raises :class:`LookaheadError` on any read of data stamped after the clock.

    Parameters
    ----------
    clock_now
        A callable returning the independent clock's current time.
    """

    def __init__(
        self,
        bars: BarSet,
        benchmark: pd.Series | None = None,
        vix: VixSeries | None = None,
        *,
        clock_now: Callable[[], pd.Timestamp],
    ) -> None:
        super().__init__(bars, benchmark, vix)
        self._clock_now = clock_now
        self.reads = 0

    def advance(self, t: pd.Timestamp) -> int:
        """As :meth:`MarketFeed.advance`, refusing times after the clock."""
        now = self._clock_now()
        if t > now:
            raise LookaheadError(f"feed asked to advance to {t}, but the clock says {now}")
        return super().advance(t)

    def _served(self, last_row: int) -> None:
        self.reads += 1
        if last_row >= 0 and self._stamp_list[last_row] > self._clock_now().value:
            raise LookaheadError(
                f"read of a bar stamped {self.index[last_row]} at {self._clock_now()}"
            )


def _session_dates(index: pd.DatetimeIndex) -> list[date]:
    """The New York date of every stamp of ``index``, as ``list(index.tz_convert(...).date)``
    gives them; through numpy's day unit (which floors, also before 1970): a third of the time."""
    local = index.tz_convert(EXCHANGE_TZ).tz_localize(None).as_unit("ns")
    days: list[date] = local.to_numpy().astype("M8[D]").astype(object).tolist()
    return days
