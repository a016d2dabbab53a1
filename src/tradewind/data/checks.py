"""Data checks every provider runs before handing bars to a decision.

Each check raises one typed :class:`~tradewind.domain.errors.DataError` naming the symbol and the
first offending timestamp, so the cycle can skip trading and the alert says where to look:

==============================  ===========================================================
error                           raised when
==============================  ===========================================================
``DataError``                   the frame lacks an OHLCV column or a tz-aware UTC index
``DuplicateTimestampError``     a timestamp appears twice
``UnsortedTimestampError``      timestamps go backwards
``NaNPriceError``               open, high, low or close is NaN (NaN volume means "unknown")
``BadPriceError``               a price <= 0, high < low, open/close outside [low, high],
                                or a negative volume
``StaleDataError``              the close is unchanged for ``stale_bars`` bars in a row, or
                                the last bar is older than ``max_age`` (:func:`check_fresh`)
``ImplausibleJumpError``        a close-to-close move beyond ``max_move`` (a fraction)
==============================  ===========================================================

The checks are vectorized: a frame of 8,000 bars is checked in well under a millisecond per check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.arrays import BoolArray, FloatArray
from tradewind.domain.errors import (
    BadPriceError,
    DataError,
    DuplicateTimestampError,
    ImplausibleJumpError,
    NaNPriceError,
    StaleDataError,
    UnsortedTimestampError,
)
from tradewind.domain.market import OHLCV, BarSet, TimeLike, to_utc

DEFAULT_MAX_MOVE = 0.75
"""A close-to-close move beyond 75% (up or down) is implausible without a corporate action."""

DEFAULT_STALE_BARS = 10
"""Ten bars in a row with the same close mark a frozen series."""

DEFAULT_MAX_AGE = timedelta(days=5)
"""A last bar older than five calendar days is stale (covers long weekends and holidays)."""

PRICES: tuple[str, ...] = ("open", "high", "low", "close")


def check_frame(
    symbol: str,
    frame: pd.DataFrame,
    *,
    max_move: float = DEFAULT_MAX_MOVE,
    stale_bars: int | None = DEFAULT_STALE_BARS,
) -> None:
    """Raise the first data problem found in one symbol's OHLCV frame.

    Parameters
    ----------
    symbol
        Symbol the frame belongs to (named in the error).
    frame
        OHLCV frame following the :mod:`tradewind.domain.market` conventions.
    max_move
        Largest plausible close-to-close move, as a fraction (0.75 = 75%).
    stale_bars
        Number of consecutive bars with an unchanged close that marks the series stale;
        None disables this check.

    Raises
    ------
    DataError
        One of the subclasses listed in the module docstring.
    """
    check_layout(symbol, frame)
    check_index(symbol, cast(pd.DatetimeIndex, frame.index))  # check_layout made sure
    check_prices(symbol, frame)
    (closes,) = float_columns(frame, ("close",))
    if stale_bars is not None:
        check_stale(symbol, frame.index, closes, stale_bars)
    check_jumps(symbol, frame.index, closes, max_move)


def check_bars(
    bars: BarSet,
    *,
    max_move: float = DEFAULT_MAX_MOVE,
    stale_bars: int | None = DEFAULT_STALE_BARS,
) -> None:
    """Run :func:`check_frame` on every symbol of ``bars``."""
    for symbol, frame in bars.frames.items():
        check_frame(symbol, frame, max_move=max_move, stale_bars=stale_bars)


def check_layout(symbol: str, frame: pd.DataFrame) -> None:
    """Raise ``DataError`` unless ``frame`` has the OHLCV columns and a tz-aware UTC index."""
    missing = [c for c in OHLCV if c not in frame.columns]
    if missing:
        raise DataError(f"bar frame lacks column(s) {missing}", symbol=symbol)
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError("bar frame index must be a tz-aware DatetimeIndex", symbol=symbol)
    if str(index.tz) != "UTC":
        raise DataError(f"bar timestamps must be UTC, were {index.tz}", symbol=symbol)


def check_index(symbol: str, index: pd.DatetimeIndex) -> None:
    """Raise if ``index`` holds a duplicate timestamp or goes backwards."""
    values = index.asi8
    if (values[1:] > values[:-1]).all():
        return  # strictly increasing: neither (and no hash table of the stamps to build)
    duplicated = index.duplicated()
    if duplicated.any():
        first = _first(index, duplicated)
        raise DuplicateTimestampError(
            f"{int(duplicated.sum())} duplicate timestamp(s), first at {first.isoformat()}",
            symbol=symbol,
            when=first,
        )
    backwards = np.zeros(len(index), dtype=bool)
    backwards[1:] = values[1:] < values[:-1]
    if backwards.any():
        first = _first(index, backwards)
        raise UnsortedTimestampError(
            f"timestamps go backwards at {first.isoformat()}", symbol=symbol, when=first
        )


def check_prices(symbol: str, frame: pd.DataFrame) -> None:
    """Raise on NaN or non-positive prices, inconsistent OHLC, or negative volume."""
    o, h, lo, c, volume = float_columns(frame, (*PRICES, "volume"))
    # a test that every check below passes whenever it does (0 < low <= open, close <= high;
    # NaN fails every comparison): a clean frame, the common case, costs six array operations
    clean = (lo > 0) & (lo <= np.minimum(o, c)) & (np.maximum(o, c) <= h)
    if clean.all() and not (volume < 0).any():
        return
    _raise_first_price_problem(symbol, frame.index, o, h, lo, c, volume)


def _raise_first_price_problem(
    symbol: str,
    index: pd.Index,
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    volume: FloatArray,
) -> None:
    nan = np.isnan(o) | np.isnan(h) | np.isnan(lo) | np.isnan(c)
    _raise_where(NaNPriceError, symbol, index, nan, "NaN price")
    non_positive = (o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0)
    _raise_where(BadPriceError, symbol, index, non_positive, "price <= 0")
    _raise_where(BadPriceError, symbol, index, h < lo, "high below low")
    _raise_where(BadPriceError, symbol, index, (c < lo) | (c > h), "close outside [low, high]")
    _raise_where(BadPriceError, symbol, index, (o < lo) | (o > h), "open outside [low, high]")
    _raise_where(BadPriceError, symbol, index, volume < 0, "negative volume")


def float_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[FloatArray]:
    """The columns ``names`` of ``frame`` as float arrays.

    An OHLCV frame is one float block: converting it whole and picking columns by position
    costs a microsecond, where selecting each column (a Series) costs tens.
    """
    columns = list(frame.columns)
    if set(names) <= set(columns):
        try:
            values = frame.to_numpy(dtype=float).T  # one float block: each column contiguous
        except (TypeError, ValueError):
            pass  # a column that is not numeric: take them one by one
        else:
            return [values[columns.index(name)] for name in names]
    return [frame[name].to_numpy(dtype=float) for name in names]


def stale_runs(closes: npt.ArrayLike, stale_bars: int) -> list[tuple[int, int]]:
    """``(first bar, length)`` of every run of at least ``stale_bars`` equal closes in a row."""
    if stale_bars < 2:
        raise ValueError(f"stale_bars must be at least 2, was {stale_bars}")
    c = np.asarray(closes, dtype=float)
    if len(c) < stale_bars:
        return []
    changed = np.ones(len(c), dtype=bool)
    changed[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(changed)
    lengths = np.diff(np.append(starts, len(c)))
    long = lengths >= stale_bars  # picked before the Python loop: real closes change every bar
    return list(zip(starts[long].tolist(), lengths[long].tolist(), strict=True))


def describe_runs(index: pd.Index, closes: npt.ArrayLike, runs: list[tuple[int, int]]) -> str:
    """``close unchanged at 2.768 for 69 bars from ... to ...`` for the first of ``runs``, and
    how many runs there are in all."""
    c = np.asarray(closes, dtype=float)
    first, length = runs[0]
    since, until = (pd.Timestamp(index[i]).isoformat() for i in (first, first + length - 1))
    text = f"close unchanged at {c[first]:g} for {length} bars, {since} to {until}"
    if len(runs) > 1:
        longest = max(n for _, n in runs)
        text += f" (and {len(runs) - 1} more such run(s), the longest {longest} bars)"
    return text


STALE_FIX = "if these prices are genuine, set data.stale_bars: null (or a higher limit)"


def check_stale(symbol: str, index: pd.Index, closes: npt.ArrayLike, stale_bars: int) -> None:
    """Raise ``StaleDataError`` if the close stays unchanged for ``stale_bars`` bars in a row.

    The message describes the first such run, counts the others and names the setting.
    """
    runs = stale_runs(closes, stale_bars)
    if runs:
        first, _ = runs[0]
        raise StaleDataError(
            f"{describe_runs(index, closes, runs)}; the limit is {stale_bars} bars "
            f"(data.stale_bars). Fix: {STALE_FIX}",
            symbol=symbol,
            when=pd.Timestamp(index[first + stale_bars - 1]),
        )


def check_jumps(symbol: str, index: pd.Index, closes: npt.ArrayLike, max_move: float) -> None:
    """Raise ``ImplausibleJumpError`` on a close-to-close move beyond ``max_move`` (a fraction)."""
    c = np.asarray(closes, dtype=float)
    if len(c) < 2:
        return
    move = np.zeros(len(c))
    move[1:] = c[1:] / c[:-1] - 1.0
    jumps = np.abs(move) > max_move
    if jumps.any():
        i = int(np.argmax(jumps))
        when = pd.Timestamp(index[i])
        raise ImplausibleJumpError(
            f"close moved {move[i]:+.1%} from {c[i - 1]:g} to {c[i]:g} "
            f"(limit +/-{max_move:.0%}); check for an unrecorded split or a bad print",
            symbol=symbol,
            when=when,
        )


def check_fresh(
    symbol: str, last_ts: TimeLike, asof: TimeLike, max_age: timedelta = DEFAULT_MAX_AGE
) -> None:
    """Raise unless the last bar, stamped ``last_ts``, is at most ``max_age`` old at ``asof``.

    Raises
    ------
    StaleDataError
        The last bar is older than ``max_age``.
    DataError
        The last bar is stamped after ``asof`` (it could not be known yet).
    """
    last, now = to_utc(last_ts), to_utc(asof)
    if last > now:
        raise DataError(
            f"last bar is stamped after the as-of time {now.isoformat()}", symbol=symbol, when=last
        )
    age = now - last
    if age > max_age:
        raise StaleDataError(
            f"last bar is {_describe(age)} old at {now.isoformat()} (limit {_describe(max_age)})",
            symbol=symbol,
            when=last,
        )


def _raise_where(
    error: type[DataError],
    symbol: str,
    index: pd.Index,
    bad: npt.ArrayLike,
    what: str,
) -> None:
    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        first = _first(index, mask)
        count = int(mask.sum())
        raise error(
            f"{what} in {count} bar(s), first at {first.isoformat()}", symbol=symbol, when=first
        )


def _first(index: pd.Index, mask: BoolArray) -> pd.Timestamp:
    return pd.Timestamp(index[int(np.argmax(mask))])


def _describe(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
