"""Yahoo Finance through ``yfinance``: daily and hourly bars, the latest price, ``^VIX``, SPY.

No key is needed. Bars are requested with ``auto_adjust=False, actions=True``: Yahoo's OHLC are
split-adjusted as of the request and its dividends likewise, and the reply lists the splits and
dividends, so the adapter restores prices as traded (:func:`tradewind.data.adjust.to_raw`) and
hands them to the cache with the actions (``basis: raw``).

yfinance talks to Yahoo through its own session (curl_cffi, impersonating a browser). With
``data.yfinance.url`` set, a ``requests`` session routed to that URL is passed instead
(:mod:`tradewind.data.providers.routing`): a mirror, or the tests' server on 127.0.0.1.
yfinance's own files (its timezone and cookie caches) are kept under the cache folder, not in
the user's home; its retries are turned off (the guard retries) and its exceptions are raised,
not logged and swallowed (``yf.config.debug.hide_exceptions = False``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from tradewind.calendar import nyse
from tradewind.config.feeds import ProviderSection
from tradewind.data.adjust import to_raw
from tradewind.data.providers.base import (
    RAW_COLUMNS,
    ProviderEmpty,
    ProviderError,
    ProviderMalformed,
    ProviderRefused,
    ProviderUnavailable,
    Quote,
    RawBars,
    empty_raw,
)
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.routing import routed_session
from tradewind.domain.types import EXCHANGE_TZ

NAME = "yfinance"
T = TypeVar("T")

YAHOO_SYMBOLS = {"VIX": "^VIX", "SP500": "^GSPC"}
"""tradewind symbols whose Yahoo ticker differs (besides ``.`` -> ``-``, as ``BRK.B``)."""


def yahoo_symbol(symbol: str) -> str:
    """The Yahoo ticker of a tradewind symbol (``BRK.B`` -> ``BRK-B``, ``VIX`` -> ``^VIX``)."""
    return YAHOO_SYMBOLS.get(symbol, symbol if symbol.startswith("^") else symbol.replace(".", "-"))


class YahooProvider:
    """The ``yfinance`` provider (see the module docstring).

    Parameters
    ----------
    settings
        ``data.yfinance``: URL, timeout, retries, rate limit.
    sdk_dir
        Where yfinance keeps its timezone and cookie caches.
    guard
        The call guard (default: one built from ``settings``).
    """

    name = NAME
    serves = frozenset({"daily", "intraday", "latest", "vix", "benchmark"})

    def __init__(
        self, settings: ProviderSection, sdk_dir: Path, guard: CallGuard | None = None
    ) -> None:
        import yfinance as yf  # imported only when the provider is used

        # yfinance shows every DeprecationWarning raised in its modules; pandas' notice about
        # its in-place sorts would reach the user's console on every fetch
        warnings.filterwarnings(
            "ignore", message="The inplace keyword", category=DeprecationWarning
        )
        self._yf = yf
        self.settings = settings
        self.guard = guard or CallGuard(NAME, settings)
        self._sdk_dir = sdk_dir
        yf.config.debug.hide_exceptions = False
        yf.config.network.retries = 0
        self.session: Any = (
            routed_session(settings.url, settings.timeout_seconds)
            if settings.url
            else _browser_session()
        )

    # --- the provider protocol ---------------------------------------------------------
    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Daily bars as traded, with dividends and splits (``basis: raw``)."""
        frame = self._history(symbol, "1d", start=start, end=end)
        if frame.empty:
            return RawBars(empty_raw(), "raw", NAME)
        days = pd.DatetimeIndex(frame.index).tz_localize(None).normalize()
        return RawBars(to_raw(_raw_columns(frame, days)), "raw", NAME)

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Hourly bars stamped at their end (the last one of a session at its close)."""
        frame = self._history(symbol, "1h", start=start, end=end)
        if frame.empty:
            return RawBars(empty_raw(), "raw", NAME)
        starts = pd.DatetimeIndex(frame.index).tz_convert("UTC")
        cal = nyse()
        closes = cal.session_closes(starts.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None))
        ends = pd.DatetimeIndex(
            [min(s + pd.Timedelta(hours=1), c) for s, c in zip(starts, closes, strict=True)],
            name="timestamp",
        )
        return RawBars(to_raw(_raw_columns(frame, ends)), "raw", NAME)

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The regular-market price and time Yahoo reports with today's chart."""
        out: dict[str, Quote] = {}
        for symbol in symbols:
            ticker = self._ticker(symbol)

            def chart(t: Any = ticker) -> Any:
                return t.history(
                    period="5d",
                    interval="1d",
                    auto_adjust=False,
                    timeout=self.settings.timeout_seconds,
                )

            self._guarded(symbol, "latest price", chart)
            meta = ticker.history_metadata
            try:
                price = float(meta["regularMarketPrice"])
                when = pd.Timestamp(meta["regularMarketTime"]).tz_convert("UTC")
            except (KeyError, TypeError, ValueError) as exc:
                raise ProviderMalformed(
                    NAME, f"no regularMarketPrice/Time in the chart's meta ({exc})", symbol=symbol
                ) from None
            out[symbol] = Quote(symbol, price, when, NAME)
        return out

    def vix(self, start: date, end: date | None) -> pd.Series:
        """``^VIX`` closes by session date."""
        bars = self.daily("VIX", start, end)
        return bars.frame["close"].rename("vix")

    # --- internals ---------------------------------------------------------------------
    def _ticker(self, symbol: str) -> Any:
        # yfinance's time-zone cache is one folder per process: set (and made) when this
        # provider first asks the network, not when it is built (a config check builds it)
        self._sdk_dir.mkdir(parents=True, exist_ok=True)
        self._yf.set_tz_cache_location(str(self._sdk_dir))
        return self._yf.Ticker(yahoo_symbol(symbol), session=self.session)

    def _history(self, symbol: str, interval: str, **span: Any) -> pd.DataFrame:
        ticker = self._ticker(symbol)
        frame: pd.DataFrame = self._guarded(
            symbol,
            f"{interval} bars",
            lambda: ticker.history(
                interval=interval,
                auto_adjust=False,
                back_adjust=False,
                actions=True,
                repair=False,
                timeout=self.settings.timeout_seconds,
                **span,
            ),
        )
        return frame

    def _guarded(self, symbol: str, what: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return call()
            except ProviderError:
                raise
            except Exception as exc:  # every SDK failure becomes a ProviderError
                status = getattr(self.session, "last_status", None)
                raise translate(exc, symbol, status) from exc

        return self.guard.call(f"{what} of {symbol}", attempt)


def translate(exc: Exception, symbol: str, status: int | None = None) -> ProviderError:
    """The ``ProviderError`` for an exception raised inside yfinance or its session.

    yfinance reports an HTTP error page as "no price data" or a JSON error; ``status`` (the
    last response's, when the session recorded it) tells a server error from a real absence.
    """
    from yfinance import exceptions as yf_errors

    kind = type(exc).__name__
    if isinstance(exc, yf_errors.YFRateLimitError) or status == 429:
        return ProviderUnavailable(NAME, "rate limited (HTTP 429)", symbol=symbol)
    if status is not None and status >= 500:
        return ProviderUnavailable(NAME, f"HTTP {status} from Yahoo", symbol=symbol)
    if status == 404:
        return ProviderEmpty(NAME, "unknown to Yahoo (HTTP 404)", symbol=symbol)
    if status is not None and 400 <= status < 500:
        return ProviderRefused(NAME, f"HTTP {status} from Yahoo ({exc})", symbol=symbol)
    if "CURRENTLY DOWN" in str(exc):
        return ProviderUnavailable(NAME, "Yahoo answered with its outage page", symbol=symbol)
    if isinstance(exc, yf_errors.YFTickerMissingError):
        return ProviderEmpty(NAME, f"no data ({exc})", symbol=symbol)
    if isinstance(exc, yf_errors.YFException):
        return ProviderRefused(NAME, str(exc), symbol=symbol)
    if isinstance(exc, json.JSONDecodeError):
        return ProviderUnavailable(
            NAME, "the reply was not JSON (an error page: is Yahoo down?)", symbol=symbol
        )
    if kind in {"Timeout", "ReadTimeout", "ConnectTimeout", "ConnectionError", "TimeoutError"}:
        return ProviderUnavailable(NAME, f"{kind}: {exc}", symbol=symbol)
    if isinstance(exc, OSError):
        return ProviderUnavailable(NAME, f"{kind}: {exc}", symbol=symbol)
    return ProviderMalformed(NAME, f"{kind}: {exc}", symbol=symbol)


def _browser_session() -> Any:
    """yfinance's own kind of session (curl_cffi impersonating a browser), recording the status
    of its last response like :class:`~tradewind.data.providers.routing.RecordingSession`."""
    from curl_cffi import requests as curl

    class Recording(curl.Session):  # type: ignore[type-arg]
        last_status: int | None = None

        def request(self, *args: Any, **kwargs: Any) -> Any:
            self.last_status = None
            response = super().request(*args, **kwargs)
            self.last_status = int(response.status_code)
            return response

    return Recording(impersonate="chrome")


def _raw_columns(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """yfinance's columns as the provider frame (split 0 means none: 1)."""
    splits = frame["Stock Splits"].to_numpy(dtype=float) if "Stock Splits" in frame else 0.0
    out = pd.DataFrame(
        {
            "open": frame["Open"].to_numpy(dtype=float),
            "high": frame["High"].to_numpy(dtype=float),
            "low": frame["Low"].to_numpy(dtype=float),
            "close": frame["Close"].to_numpy(dtype=float),
            "volume": frame["Volume"].to_numpy(dtype=float),
            "dividend": (frame["Dividends"].to_numpy(dtype=float) if "Dividends" in frame else 0.0),
            "split": pd.Series(splits).replace(0.0, 1.0).to_numpy(dtype=float)
            if "Stock Splits" in frame
            else 1.0,
        },
        index=index,
    )
    return out[list(RAW_COLUMNS)]
