"""Fetch a series once, then extend it: only what the cache does not hold is requested.

:func:`refresh_daily` (and :func:`refresh_hourly`) bring one cached series up to ``now``:

1. nothing cached, or an earlier start asked for: the whole range is fetched (through today, so
   a provider that split-adjusts as of the request lists every split it applied);
2. otherwise only the sessions after the cache's ``through`` are requested; none due yet (the
   last complete session is already cached): no request at all;
3. a provider whose prices are adjusted to today's basis (``basis: current``) is asked for one
   cached session again; if that bar changed, the provider re-adjusted its history (a split or
   dividend) and the whole range is fetched again;
4. a session still trading (its close after ``now``) is a partial bar: it is dropped, never
   cached, and asked for again next time;
5. the new rows are checked (prices, order, jumps, on the adjusted series) before anything is
   written: a bad reply raises and leaves the cache as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from tradewind.calendar import MarketCalendar, nyse
from tradewind.data.adjust import adjust
from tradewind.data.cache import CacheEntry, SeriesCache
from tradewind.data.checks import check_frame
from tradewind.data.providers.base import RAW_COLUMNS, Provider, ProviderEmpty, RawBars
from tradewind.domain.errors import DataError

SAME = 1e-6
"""Relative difference under which a re-requested bar counts as unchanged (``basis: current``)."""


def last_complete_session(now: pd.Timestamp, cal: MarketCalendar | None = None) -> pd.Timestamp:
    """The last session date whose close is at or before ``now``."""
    cal = cal or nyse()
    close = cal.previous_close(now.floor("min") + pd.Timedelta(minutes=1))  # minutes
    return pd.Timestamp(close.date())


def stamp_sessions(days: pd.Index, cal: MarketCalendar | None = None) -> pd.DatetimeIndex:
    """Session dates as bar-end UTC stamps (each session's close, 13:00 ET on early closes).

    Raises
    ------
    DataError
        A date is not an NYSE session (a provider's bar on a holiday).
    """
    cal = cal or nyse()
    try:
        return pd.DatetimeIndex(cal.session_closes(pd.DatetimeIndex(days)), name="timestamp")
    except KeyError as exc:
        raise DataError(f"bars on dates that are not NYSE sessions: {exc}") from None


def refresh_daily(
    cache: SeriesCache,
    provider: Provider,
    symbol: str,
    start: date,
    now: pd.Timestamp,
    *,
    max_move: float,
    cal: MarketCalendar | None = None,
    fetch: Callable[[str, date, date | None], RawBars] | None = None,
    backfill: bool = False,
) -> CacheEntry:
    """The cached daily series of ``symbol`` brought up to ``now`` (see the module docstring).

    ``start`` applies to a series not cached yet; with ``backfill`` a cached series starting
    after ``start`` is fetched again from ``start`` (``tradewind data fetch --start``).
    ``fetch`` replaces ``provider.daily`` (the VIX uses ``provider.vix`` through it).

    Raises
    ------
    ProviderError
        The provider could not answer (the cache is unchanged).
    DataError
        The reply failed a check (the cache is unchanged).
    """
    cal = cal or nyse()
    get = fetch or provider.daily
    entry = cache.read(provider.name, symbol, "1d")
    last = last_complete_session(now, cal)
    first = pd.Timestamp(start)
    if entry is not None and not backfill:
        first = entry.start
    if entry is not None and first >= entry.start and entry.through >= last:
        return entry  # rule 2: nothing due
    if entry is None or first < entry.start:
        return _full(cache, provider.name, symbol, get, first, now, last, max_move, cal)
    ask_from = entry.through
    if entry.basis == "raw":
        ask_from = pd.Timestamp(cal.sessions(entry.through, last)[1:2].min())
        if pd.isna(ask_from):
            return entry
    reply = get(symbol, ask_from.date(), None)
    new = _complete(reply.frame, last)
    if entry.basis == "current":  # rule 3: the overlap bar must be unchanged
        overlap = new.loc[new.index <= entry.through]
        old = entry.frame.loc[entry.frame.index == entry.through, "close"]
        if len(overlap) and len(old) and not _same(overlap["close"].iloc[-1], old.iloc[-1]):
            return _full(cache, provider.name, symbol, get, entry.start, now, last, max_move, cal)
        new = new.loc[new.index > entry.through]
    frame = pd.concat([entry.frame, new[list(RAW_COLUMNS)]])
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    _check(symbol, frame, len(new) + 1, reply.basis, max_move, cal)
    through = max(entry.through, new.index[-1]) if len(new) else entry.through
    updated = replace(entry, frame=frame, through=through, updated=now)
    cache.write(updated)
    return updated


def _full(
    cache: SeriesCache,
    name: str,
    symbol: str,
    get: Callable[[str, date, date | None], RawBars],
    first: pd.Timestamp,
    now: pd.Timestamp,
    last: pd.Timestamp,
    max_move: float,
    cal: MarketCalendar,
) -> CacheEntry:
    reply = get(symbol, first.date(), None)
    frame = _complete(reply.frame, last)
    if frame.empty:
        raise ProviderEmpty(name, f"no daily bars since {first.date()}", symbol=symbol)
    _check(symbol, frame, len(frame), reply.basis, max_move, cal)
    entry = CacheEntry(name, symbol, "1d", frame, reply.basis, first, frame.index[-1], now)
    cache.write(entry)
    return entry


def _complete(frame: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    """Rows of complete sessions only (rule 4), sorted, one per date."""
    frame = frame.loc[frame.index <= last].sort_index()
    return frame[~frame.index.duplicated(keep="last")][list(RAW_COLUMNS)].astype(float)


def _same(a: float, b: float) -> bool:
    return bool(abs(a - b) <= SAME * max(abs(a), abs(b), 1e-12))


def _check(
    symbol: str,
    raw: pd.DataFrame,
    tail: int,
    basis: str,
    max_move: float,
    cal: MarketCalendar,
) -> None:
    """Check the last ``tail`` rows of the adjusted series (rule 5)."""
    frame = adjust(raw) if basis == "raw" else raw[["open", "high", "low", "close", "volume"]]
    frame = frame.iloc[-max(tail, 1) :].copy()
    frame.index = stamp_sessions(frame.index, cal)
    check_frame(symbol, frame, max_move=max_move, stale_bars=None)


def served(
    entry: CacheEntry, *, dividends: bool, cal: MarketCalendar | None = None
) -> pd.DataFrame:
    """The cached daily series as the providers serve it: adjusted, stamped at session closes."""
    raw = entry.frame
    frame = adjust(raw, dividends=dividends) if entry.basis == "raw" else raw.iloc[:, :5].copy()
    frame.index = stamp_sessions(frame.index, cal)
    volume = frame["volume"].to_numpy(dtype=float)
    frame["volume"] = np.where(np.isfinite(volume), volume, np.nan)
    return frame


def refresh_hourly(
    cache: SeriesCache,
    provider: Provider,
    symbol: str,
    start: pd.Timestamp,
    now: pd.Timestamp,
    *,
    max_move: float,
    backfill: bool = False,
) -> CacheEntry:
    """The cached hourly series of ``symbol`` brought up to ``now``.

    The same rules as :func:`refresh_daily` with bar ends for sessions: only bars ending after
    the cache's ``through`` are requested, and a bar ending after ``now`` is partial (dropped).
    """
    entry = cache.read(provider.name, symbol, "1h")
    if entry is None or (backfill and start < entry.start):
        reply = provider.hourly(symbol, start, None)
        frame = _ended(reply.frame, now)
        if frame.empty:
            raise ProviderEmpty(provider.name, f"no hourly bars since {start}", symbol=symbol)
        _check_hourly(symbol, frame, len(frame), reply.basis, max_move)
        entry = CacheEntry(
            provider.name, symbol, "1h", frame, reply.basis, start, frame.index[-1], now
        )
        cache.write(entry)
        return entry
    reply = provider.hourly(symbol, entry.through + pd.Timedelta(seconds=1), None)
    new = _ended(reply.frame, now)
    new = new.loc[new.index > entry.through]
    if new.empty:
        return entry
    frame = pd.concat([entry.frame, new]).sort_index()
    _check_hourly(symbol, frame, len(new) + 1, reply.basis, max_move)
    updated = replace(entry, frame=frame, through=new.index[-1], updated=now)
    cache.write(updated)
    return updated


def _ended(frame: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    frame = frame.loc[frame.index <= now].sort_index()
    return frame[~frame.index.duplicated(keep="last")][list(RAW_COLUMNS)].astype(float)


def _check_hourly(symbol: str, raw: pd.DataFrame, tail: int, basis: str, max_move: float) -> None:
    frame = adjust(raw) if basis == "raw" else raw[["open", "high", "low", "close", "volume"]]
    check_frame(symbol, frame.iloc[-max(tail, 1) :], max_move=max_move, stale_bars=None)


def served_hourly(entry: CacheEntry, *, dividends: bool) -> pd.DataFrame:
    """The cached hourly series as served: adjusted, stamped at bar ends (UTC)."""
    raw = entry.frame
    frame = adjust(raw, dividends=dividends) if entry.basis == "raw" else raw.iloc[:, :5].copy()
    frame.index = pd.DatetimeIndex(frame.index, name="timestamp").tz_convert("UTC")
    return frame
