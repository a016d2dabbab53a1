"""Write any provider's bars, benchmark and VIX as files the ``files`` provider reads back.

One file per symbol, named after it, in the layout :mod:`tradewind.data.files.reader` reads:

* observed OHLC: ``date,open,high,low,close,volume`` (an empty volume cell means unknown);
* derived OHLC (close-only sources): ``date,close``, so the symbol re-imports as derived;
* ``VIX``: ``date,vix,is_proxy`` (``is_proxy`` only when some rows are a proxy).

Daily bars stamped at their session close are written as dates (``2022-12-28``); any other
time is written in full as UTC (``2022-12-28T21:00:00+00:00``). Floats are written with
Python's shortest exact representation, so a re-import gives bit-identical bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tradewind.calendar import EASTERN
from tradewind.data.files.dates import session_stamps
from tradewind.domain.errors import DataError, MissingDataError
from tradewind.domain.market import OHLCV, MarketData, TimeLike
from tradewind.domain.types import Interval

Format = Literal["csv", "parquet"]


@dataclass(frozen=True)
class Exported:
    """One written file."""

    symbol: str
    path: Path
    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    columns: tuple[str, ...]


def export(
    provider: MarketData,
    to: Path,
    *,
    symbols: Sequence[str] | None = None,
    fmt: Format = "csv",
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    vix: bool = True,
    overwrite: bool = False,
) -> list[Exported]:
    """Write ``symbols`` (default: all the provider serves), its benchmark and VIX to ``to``.

    Bars are read through :meth:`MarketData.bars`, so they pass the data checks first.

    Raises
    ------
    DataError
        A file exists and ``overwrite`` is False, or the provider refuses a window.
    """
    wanted = list(symbols) if symbols else list(provider.available_symbols())
    benchmark = getattr(provider, "benchmark_symbol", None)
    if isinstance(benchmark, str) and benchmark not in wanted:
        wanted.append(benchmark)
    suffix = ".csv" if fmt == "csv" else ".parquet"
    targets = [to / f"{s}{suffix}" for s in wanted] + ([to / f"VIX{suffix}"] if vix else [])
    existing = [str(p) for p in targets if p.exists()]
    if existing and not overwrite:
        raise DataError(
            f"{len(existing)} file(s) already exist, e.g. {existing[0]}; "
            "pass --overwrite or choose an empty folder"
        )
    to.mkdir(parents=True, exist_ok=True)
    written = []
    interval = Interval(getattr(provider, "interval", Interval.DAILY))
    for symbol in wanted:
        bars = provider.bars([symbol], start, end, interval)
        frame = bars[symbol]
        columns = ["close"] if symbol in bars.derived_ohlc else list(OHLCV)
        if symbol in bars.derived_ohlc and frame["volume"].notna().any():
            columns.append("volume")
        table = _with_time(frame[columns], daily=bars.interval.value == "1d")
        index = pd.DatetimeIndex(frame.index)
        written.append(_write(table, to / f"{symbol}{suffix}", symbol, index, fmt))
    if vix:
        table_vix = _vix_table(provider, start, end)
        if table_vix is not None:
            values, index = table_vix
            written.append(_write(values, to / f"VIX{suffix}", "VIX", index, fmt))
    return written


def _vix_table(
    provider: MarketData, start: TimeLike | None, end: TimeLike | None
) -> tuple[pd.DataFrame, pd.DatetimeIndex] | None:
    try:
        series = provider.vix(start, end)
    except MissingDataError:
        return None
    values = series.values.rename("vix")
    flags = series.row_flags()
    frame = values.to_frame()
    if flags.any():
        frame["is_proxy"] = np.where(flags.to_numpy(), "true", "false")
    index = pd.DatetimeIndex(values.index)
    daily = len(index) < 2 or not index.tz_convert(EASTERN).normalize().duplicated().any()
    return _with_time(frame, daily=daily), index


def _with_time(frame: pd.DataFrame, *, daily: bool) -> pd.DataFrame:
    """``frame`` with its index as a first column: ``date`` if every bar sits at its close."""
    index = pd.DatetimeIndex(frame.index)
    out = frame.reset_index(drop=True)
    if daily and len(index):
        days = index.tz_convert(EASTERN).tz_localize(None).normalize()
        if session_stamps(days).equals(index.tz_convert("UTC")):
            out.insert(0, "date", pd.Series(days.date, dtype=object))
            return out
    out.insert(0, "timestamp", pd.Series(index.tz_convert("UTC")))
    return out


def _write(
    table: pd.DataFrame, path: Path, symbol: str, index: pd.DatetimeIndex, fmt: Format
) -> Exported:
    if fmt == "csv":
        out = table.copy()
        if "timestamp" in out:
            out["timestamp"] = out["timestamp"].map(lambda t: t.isoformat())
        out.to_csv(path, index=False, na_rep="", lineterminator="\n")
    else:
        table.to_parquet(path, index=False)
    return Exported(
        symbol,
        path,
        len(table),
        pd.Timestamp(index[0]),
        pd.Timestamp(index[-1]),
        tuple(str(c) for c in table.columns),
    )
