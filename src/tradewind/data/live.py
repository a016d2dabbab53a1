"""The network sources (``data.source: yfinance | alpaca | webull``) as one ``MarketData``.

Per need, ``data.routes`` lists providers tried in order (defaults in
:func:`tradewind.config.feeds.default_route`). For each symbol:

1. the first provider of the route brings its cached series up to now
   (:mod:`tradewind.data.refresh`: fetched once, then extended, checked before caching);
2. if it fails (unreachable after its retries, refused, empty, a reply that fails a check), the
   next provider is tried, and a ``provider_fallback`` event says who failed and why;
3. if every provider fails, the freshest cached copy is served with a ``served_from_cache``
   event: a backtest can run offline, and the trading service's data gate refuses to trade on
   it once it is older than the interval allows.

Prices are adjusted for splits, and for dividends too with ``data.adjust: true`` (the default:
total-return series, as backtests need). The benchmark ``SP500`` is served as SPY adjusted for
dividends, a total-return series, and the notes say so. Every series is stamped at its bars'
ends (daily: the session close) in UTC. A bar still trading is never served.

The same cache gives the bars as traded and the splits and dividends between them
(:meth:`LiveData.traded`, the :class:`~tradewind.data.traded.TradedSource` capability) when
its series are raw (yfinance, alpaca); a series adjusted by its provider (Webull) has none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

import pandas as pd

from tradewind.calendar import nyse
from tradewind.data.cache import CacheEntry, SeriesCache
from tradewind.data.checks import DEFAULT_MAX_AGE, check_fresh, check_prices
from tradewind.data.history import HistoryProvider, window
from tradewind.data.providers.base import Provider, ProviderEmpty, Quote, RawBars
from tradewind.data.refresh import (
    refresh_daily,
    refresh_hourly,
    served,
    served_hourly,
    stamp_sessions,
)
from tradewind.data.splits import find_splits
from tradewind.data.traded import NOTHING_TRADED, TradedHistory, actions_of, traded_frame
from tradewind.domain.errors import DataError, MissingDataError
from tradewind.domain.market import BarSet, TimeLike, VixSeries, to_utc
from tradewind.domain.types import Interval

log = logging.getLogger("tradewind.data.live")
T = TypeVar("T")

BENCHMARK_ALIASES = {"SP500": "SPY"}
"""Benchmark names served by another symbol: the S&P 500 as SPY (tradable, with dividends)."""

VIX_SYMBOL = "VIX"
LATEST_WINDOW = pd.Timedelta(minutes=15)
"""``latest_prices`` asks the latest-price route when ``asof`` is this close to now."""


@dataclass(frozen=True)
class DataEvent:
    """Something a user should know about the data: a fallback, a cache served, a warning."""

    ts: pd.Timestamp
    kind: str
    message: str
    severity: str = "warning"


class LiveData(HistoryProvider):
    """Network providers behind the cache, with fallbacks (see the module docstring).

    Parameters
    ----------
    name
        ``data.source``.
    providers
        Built providers by name, or why one cannot be used (a missing key or SDK).
    routes
        Provider names per need: ``daily``, ``intraday``, ``latest``, ``vix``, ``benchmark``.
    cache
        The Parquet cache.
    history_start
        First date fetched for a series not cached yet.
    backfill
        Also fetch a cached series again from ``history_start`` when it starts later.
    benchmark
        ``data.benchmark`` (``SP500`` is served as SPY).
    dividends
        Adjust for dividends too (total return); splits are always adjusted.
    interval
        Bars served by :meth:`bars`: daily, or hourly (the intraday route).
    max_move, stale_bars, max_age
        Data-check thresholds, as for every provider.
    now
        The clock (tests pin it).
    refresh_after
        A series read within this long is not refreshed again.
    """

    def __init__(
        self,
        name: str,
        providers: Mapping[str, Provider | str],
        routes: Mapping[str, Sequence[str]],
        cache: SeriesCache,
        *,
        history_start: date = date(1990, 1, 2),
        benchmark: str = "SP500",
        dividends: bool = True,
        interval: Interval = Interval.DAILY,
        max_move: float = 0.75,
        stale_bars: int | None = 10,
        max_age: timedelta = DEFAULT_MAX_AGE,
        now: Callable[[], pd.Timestamp] | None = None,
        refresh_after: timedelta = timedelta(seconds=60),
        backfill: bool = False,
    ) -> None:
        super().__init__(max_move=max_move, stale_bars=stale_bars, max_age=max_age)
        self.name = name
        self.providers = dict(providers)
        self.routes = {k: list(v) for k, v in routes.items()}
        self.cache = cache
        self.history_start = history_start
        self.benchmark_symbol = benchmark
        self.dividends = dividends
        self.interval = interval
        self.now = now or (lambda: pd.Timestamp.now(tz="UTC"))
        self.refresh_after = refresh_after
        self.backfill = backfill
        self.events: list[DataEvent] = []
        """Fallbacks, cached copies served and data warnings, in order (drained by callers)."""
        self._loaded: dict[str, tuple[pd.DataFrame, pd.Timestamp, str]] = {}
        self._entries: dict[str, CacheEntry] = {}
        """The cached series each symbol's last :meth:`history` was served from."""
        self._vix: tuple[pd.Series, pd.Timestamp, str] | None = None
        self._notes: dict[str, str] = {}

    # --- what is served ------------------------------------------------------------------
    def available_symbols(self) -> list[str]:
        """Symbols cached for this source's daily route (any symbol can be asked for)."""
        kind = "1h" if self.interval is Interval.HOURLY else "1d"
        route = self.routes["intraday" if kind == "1h" else "daily"]
        found = {s for p, i, s in self.cache.entries() if i == kind and p in route}
        found.discard(VIX_SYMBOL)
        return sorted(found)

    def is_derived(self, symbol: str) -> bool:
        """Never: every provider serves observed OHLC."""
        return False

    @property
    def notes(self) -> list[str]:
        """What the user should know about the series read so far, one line each."""
        return list(dict.fromkeys(self._notes.values()))

    def source_of(self, symbol: str) -> str | None:
        """The provider that served ``symbol`` last (None: not read yet)."""
        loaded = self._loaded.get(symbol)
        return loaded[2] if loaded else None

    def history(self, symbol: str) -> pd.DataFrame:
        """The adjusted history of ``symbol``, refreshed through its route (see the module
        docstring); the benchmark through the benchmark route."""
        t = self.now()
        loaded = self._loaded.get(symbol)
        if loaded is not None and t - loaded[1] < self.refresh_after:
            return loaded[0]
        hourly = self.interval is Interval.HOURLY
        need = (
            "intraday" if hourly else ("benchmark" if symbol == self.benchmark_symbol else "daily")
        )
        fetch_as = self._fetch_symbol(need, symbol)
        if fetch_as != symbol:
            self._notes["benchmark"] = (
                f"benchmark {symbol} is {fetch_as} adjusted for dividends (a total-return series)"
                if self.dividends
                else f"benchmark {symbol} is {fetch_as} (prices only, no dividends)"
            )
        entry, provider = self._route(need, symbol, lambda p: self._refresh(p, fetch_as, hourly))
        frame = (
            served_hourly(entry, dividends=self.dividends)
            if hourly
            else served(entry, dividends=self.dividends)
        )
        if frame.empty:
            raise MissingDataError(f"{provider} has no bars", symbol=symbol)
        self._warn_splits(symbol, frame, provider)
        self._loaded[symbol] = (frame, t, provider)
        self._entries[symbol] = entry
        return frame

    def traded(
        self, symbols: Sequence[str], start: TimeLike | None = None, end: TimeLike | None = None
    ) -> TradedHistory:
        """``symbols``' bars as traded within ``[start, end]`` and their splits and dividends,
        from the series their last :meth:`history` read (the rows :meth:`bars` served);
        :data:`~tradewind.data.traded.NOTHING_TRADED` when any of them is not kept raw."""
        frames: dict[str, pd.DataFrame] = {}
        actions = []
        for symbol in symbols:
            if symbol not in self._entries:
                self.history(symbol)
            entry = self._entries[symbol]
            if entry.basis != "raw":
                return NOTHING_TRADED
            stamps = (
                pd.DatetimeIndex(entry.frame.index, name="timestamp").tz_convert("UTC")
                if entry.interval == "1h"
                else stamp_sessions(entry.frame.index)
            )
            frames[symbol] = window(traded_frame(entry.frame, stamps), start, end)
            actions.extend(actions_of(symbol, entry.frame, stamps))
        actions.sort(key=lambda a: (a.at, a.symbol))
        return TradedHistory(BarSet(frames, self.interval, source=self.name), tuple(actions))

    def latest_prices(self, symbols: Sequence[str], asof: TimeLike) -> pd.Series:
        """Latest trades from the latest-price route when ``asof`` is now (within 15 minutes),
        else the last close at or before ``asof``; each checked (positive, not too old)."""
        t = to_utc(asof)
        now = self.now()
        if now - t > LATEST_WINDOW or t > now:
            return super().latest_prices(symbols, asof)
        prices: dict[str, float] = {}
        for symbol in symbols:
            fetch_as = self._fetch_symbol("latest", symbol)

            def ask(p: Provider, s: str = fetch_as) -> Quote:
                quotes = p.latest([s])
                if s not in quotes:
                    raise ProviderEmpty(p.name, "no quote in the reply", symbol=s)
                return quotes[s]

            quote, _ = self._route("latest", symbol, ask)
            frame = pd.DataFrame(
                {c: [quote.price] for c in ("open", "high", "low", "close")} | {"volume": [0.0]},
                index=pd.DatetimeIndex([quote.time]),
            )
            check_prices(symbol, frame)
            check_fresh(symbol, min(quote.time, now), now, self.max_age)
            prices[symbol] = quote.price
        return pd.Series(prices, name="close", dtype=float)

    def vix(self, start: TimeLike | None = None, end: TimeLike | None = None) -> VixSeries:
        """Observed VIX closes within ``[start, end]`` from the VIX route (never a proxy)."""
        t = self.now()
        if self._vix is None or t - self._vix[1] >= self.refresh_after:
            entry, provider = self._route("vix", VIX_SYMBOL, lambda p: self._refresh_vix(p))
            values = served(entry, dividends=False)["close"].rename("vix")
            self._vix = (values, t, provider)
        values, _, provider = self._vix
        cut = window(values.to_frame(), start, end).iloc[:, 0]
        if cut.empty:
            raise MissingDataError("no VIX values in the requested window", symbol=VIX_SYMBOL)
        return VixSeries(cut, is_proxy=False, source=f"{provider} (cached under {self.cache.root})")

    # --- routes and the cache ------------------------------------------------------------
    def _route(self, need: str, symbol: str, action: Callable[[Provider], T]) -> tuple[T, str]:
        failures: list[str] = []
        for name in self.routes[need]:
            provider = self.providers.get(name)
            if provider is None or isinstance(provider, str):
                failures.append(f"{name} skipped: {provider or 'not configured'}")
                continue
            try:
                result = action(provider)
            except DataError as exc:
                failures.append(str(exc))
                continue
            if failures:
                self._event(
                    "provider_fallback",
                    f"{symbol} ({need}) served by {name}; before it: {'; '.join(failures)}",
                )
            return result, name
        cached = self._cached(need, symbol) if need != "latest" else None
        if cached is not None:
            entry, name = cached
            self._event(
                "served_from_cache",
                f"{symbol} ({need}): every provider failed ({'; '.join(failures)}); serving "
                f"the cached {name} series through {entry.through.date()}",
            )
            return cached  # type: ignore[return-value]
        raise DataError(
            f"no provider could serve {need} ({'; '.join(failures) or 'empty route'})",
            symbol=symbol,
        )

    def _fetch_symbol(self, need: str, symbol: str) -> str:
        """The symbol asked of the providers: VIX, the benchmark's alias, or ``symbol``."""
        if need == "vix":
            return VIX_SYMBOL
        if symbol == self.benchmark_symbol:
            return BENCHMARK_ALIASES.get(symbol, symbol)
        return symbol

    def _cached(self, need: str, symbol: str) -> tuple[CacheEntry, str] | None:
        kind = "1h" if need == "intraday" else "1d"
        fetch_as = self._fetch_symbol(need, symbol)
        best: tuple[CacheEntry, str] | None = None
        for name in self.routes[need]:
            entry = self.cache.read(name, fetch_as, kind)
            if entry is not None and (best is None or entry.through > best[0].through):
                best = (entry, name)
        return best

    def _refresh(self, provider: Provider, symbol: str, hourly: bool) -> CacheEntry:
        now = self.now()
        if hourly:
            start = max(pd.Timestamp(self.history_start, tz="UTC"), now - pd.Timedelta(days=729))
            return refresh_hourly(self.cache, provider, symbol, start, now, max_move=self.max_move)
        return refresh_daily(
            self.cache, provider, symbol, self.history_start, now, max_move=self.max_move
        )

    def _refresh_vix(self, provider: Provider) -> CacheEntry:
        def fetch(_symbol: str, start: date, end: date | None) -> RawBars:
            levels = provider.vix(start, end).dropna()
            if len(levels):  # the NYSE timeline only
                sessions = nyse().sessions(levels.index.min(), levels.index.max())
                levels = levels.loc[pd.Index(levels.index).isin(list(sessions))]
            if levels.empty:
                raise ProviderEmpty(provider.name, f"no VIX values since {start}", symbol="VIX")
            frame = pd.DataFrame(
                {
                    "open": levels,
                    "high": levels,
                    "low": levels,
                    "close": levels,
                    "volume": float("nan"),
                    "dividend": 0.0,
                    "split": 1.0,
                }
            )
            return RawBars(frame, "raw", provider.name)

        # the VIX can double in a day (2018-02-05: +116%): no jump limit on its levels
        return refresh_daily(
            self.cache,
            provider,
            VIX_SYMBOL,
            self.history_start,
            self.now(),
            max_move=100.0,
            fetch=fetch,
            backfill=self.backfill,
        )

    def _warn_splits(self, symbol: str, frame: pd.DataFrame, provider: str) -> None:
        for suspect in find_splits(frame["close"]):
            key = f"split:{symbol}:{suspect.when}"
            if key not in self._notes:
                text = f"{symbol} from {provider}: {suspect.describe()}"
                self._notes[key] = text
                self._event("data_warning", text)

    def _event(self, kind: str, message: str, severity: str = "warning") -> None:
        self.events.append(DataEvent(self.now(), kind, message, severity))
        log.warning("%s", message)


def route_for(cfg_routes: Mapping[str, Sequence[str]], source: str) -> dict[str, list[str]]:
    """Each need's providers: the configured list, or the source's default."""
    from tradewind.config.feeds import default_route

    needs = ("daily", "intraday", "latest", "vix", "benchmark")
    return {n: list(cfg_routes.get(n) or default_route(source, n)) for n in needs}  # type: ignore[arg-type]
