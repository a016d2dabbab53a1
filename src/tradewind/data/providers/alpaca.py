"""Alpaca market data through ``alpaca-py``: daily and hourly bars, latest trades.

Bars are asked for as traded (``adjustment=raw``) and the splits and cash dividends come from
Alpaca's corporate-actions API, so the cache adjusts them itself (``basis: raw``). The feed is
``data.alpaca.feed``: ``iex`` on the free plan (SIP data of the last 15 minutes is refused
there). ``data.alpaca.url`` is the SDK's own ``url_override`` (a proxy or a test server).

Two SDK defaults are changed, both through attributes the SDK keeps on its client: its session
gets a timeout (alpaca-py sets none, so a hung connection would block the caller), and its own
retries of 429/504 (three, 3 s apart) are turned off, since every call goes through the guard's
retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pandas as pd
from pydantic import SecretStr

from tradewind.calendar import nyse
from tradewind.config.feeds import AlpacaDataSection
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
from tradewind.data.providers.routing import RoutedAdapter
from tradewind.domain.types import EXCHANGE_TZ

NAME = "alpaca"
T = TypeVar("T")


class AlpacaProvider:
    """The ``alpaca`` provider (see the module docstring)."""

    name = NAME
    serves = frozenset({"daily", "intraday", "latest", "benchmark"})

    def __init__(
        self,
        settings: AlpacaDataSection,
        api_key: SecretStr,
        secret_key: SecretStr,
        guard: CallGuard | None = None,
    ) -> None:
        from alpaca.data.historical import StockHistoricalDataClient
        from alpaca.data.historical.corporate_actions import CorporateActionsClient

        self.settings = settings
        self.guard = guard or CallGuard(NAME, settings)
        keys = {"api_key": api_key.get_secret_value(), "secret_key": secret_key.get_secret_value()}
        self._bars = StockHistoricalDataClient(**keys, url_override=settings.url)
        self._actions = CorporateActionsClient(**keys, url_override=settings.url)
        for client in (self._bars, self._actions):
            client._retry = 0  # noqa: SLF001 - the guard retries (see the module docstring)
            adapter = _TimeoutAdapter(settings.timeout_seconds)
            client._session.mount("https://", adapter)  # noqa: SLF001
            client._session.mount("http://", adapter)  # noqa: SLF001

    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Daily bars as traded with their splits and dividends (``basis: raw``)."""
        from alpaca.data.timeframe import TimeFrame

        bars = self._get_bars(symbol, TimeFrame.Day, _utc(start), end)
        if not bars:
            return RawBars(empty_raw(), "raw", NAME)
        days = pd.DatetimeIndex(
            [pd.Timestamp(b.timestamp).tz_convert(EXCHANGE_TZ).date() for b in bars]
        )
        frame = _frame(bars, days)
        self._add_actions(frame, symbol, start, end)
        return RawBars(frame, "raw", NAME)

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Hourly bars of the regular session, stamped at their end (the close at most)."""
        from alpaca.data.timeframe import TimeFrame

        bars = self._get_bars(symbol, TimeFrame.Hour, start.to_pydatetime(), None)
        cal = nyse()
        kept, ends = [], []
        for b in bars:
            t = pd.Timestamp(b.timestamp).tz_convert("UTC")
            day = t.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
            if not cal.is_session(day):
                continue
            open_, close = cal.session_open(day), cal.session_close(day)
            if open_ <= t < close:  # IEX hourly bars include pre- and post-market hours
                kept.append(b)
                ends.append(min(t + pd.Timedelta(hours=1), close.tz_convert("UTC")))
        if not kept:
            return RawBars(empty_raw(), "raw", NAME)
        return RawBars(_frame(kept, pd.DatetimeIndex(ends, name="timestamp")), "raw", NAME)

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The latest trade of each symbol on the configured feed."""
        from alpaca.data.enums import DataFeed
        from alpaca.data.requests import StockLatestTradeRequest

        request = StockLatestTradeRequest(
            symbol_or_symbols=list(symbols), feed=DataFeed(self.settings.feed)
        )
        trades = self._guarded(
            ",".join(symbols), "latest trades", lambda: self._bars.get_stock_latest_trade(request)
        )
        return {
            s: Quote(s, float(t.price), pd.Timestamp(t.timestamp).tz_convert("UTC"), NAME)
            for s, t in trades.items()
        }

    def vix(self, start: date, end: date | None) -> pd.Series:
        """Not served: Alpaca has no index data."""
        raise ProviderRefused(NAME, "has no index data (no VIX)", symbol="VIX")

    # --- internals ---------------------------------------------------------------------
    def _get_bars(
        self, symbol: str, timeframe: Any, start: datetime, end: date | None
    ) -> list[Any]:
        from alpaca.data.enums import Adjustment, DataFeed
        from alpaca.data.requests import StockBarsRequest

        request = StockBarsRequest(
            symbol_or_symbols=symbol,
            timeframe=timeframe,
            start=start,
            end=_utc(end) if end is not None else None,
            adjustment=Adjustment.RAW,
            feed=DataFeed(self.settings.feed),
        )
        reply = self._guarded(symbol, "bars", lambda: self._bars.get_stock_bars(request))
        try:
            return list(reply.data.get(symbol, []))
        except AttributeError as exc:
            raise ProviderMalformed(NAME, f"unexpected bars reply ({exc})", symbol=symbol) from None

    def _add_actions(self, frame: pd.DataFrame, symbol: str, start: date, end: date | None) -> None:
        from alpaca.data.enums import CorporateActionsType as Kind
        from alpaca.data.requests import CorporateActionsRequest

        request = CorporateActionsRequest(
            symbols=[symbol],
            types=[Kind.FORWARD_SPLIT, Kind.REVERSE_SPLIT, Kind.CASH_DIVIDEND],
            start=start,
            end=end or frame.index[-1].date(),
        )
        reply = self._guarded(
            symbol, "corporate actions", lambda: self._actions.get_corporate_actions(request)
        )
        split: dict[pd.Timestamp, float] = {}
        dividend: dict[pd.Timestamp, float] = {}
        for kind, actions in (reply.data or {}).items():
            for a in actions:
                day = pd.Timestamp(a.ex_date)
                if kind in ("forward_splits", "reverse_splits"):
                    split[day] = split.get(day, 1.0) * float(a.new_rate) / float(a.old_rate)
                elif kind == "cash_dividends":
                    dividend[day] = dividend.get(day, 0.0) + float(a.rate)
        frame["split"] = [split.get(d, 1.0) for d in frame.index]
        frame["dividend"] = [dividend.get(d, 0.0) for d in frame.index]

    def _guarded(self, symbol: str, what: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return call()
            except ProviderError:
                raise
            except Exception as exc:  # every SDK failure becomes a ProviderError
                raise translate(exc, symbol) from exc

        return self.guard.call(f"{what} of {symbol}", attempt)


def translate(exc: Exception, symbol: str) -> ProviderError:
    """The ``ProviderError`` for an exception raised inside alpaca-py or its session."""
    from alpaca.common.exceptions import APIError

    kind = type(exc).__name__
    if isinstance(exc, APIError):
        status = exc.status_code
        message = _api_message(exc)
        if status is None or status == 429 or status >= 500:
            return ProviderUnavailable(NAME, f"HTTP {status}: {message}", symbol=symbol)
        if status == 404:
            return ProviderEmpty(NAME, f"HTTP 404: {message}", symbol=symbol)
        return ProviderRefused(NAME, f"HTTP {status}: {message}", symbol=symbol)
    if kind in {"Timeout", "ReadTimeout", "ConnectTimeout", "ConnectionError"} or isinstance(
        exc, OSError
    ):
        return ProviderUnavailable(NAME, f"{kind}: {exc}", symbol=symbol)
    return ProviderMalformed(NAME, f"{kind}: {exc}", symbol=symbol)


def _api_message(exc: Any) -> str:
    try:
        return str(exc.message)
    except (ValueError, KeyError, TypeError):
        return str(exc)[:200]


class _TimeoutAdapter(RoutedAdapter):
    """requests' default adapter with a timeout (no routing: alpaca-py has url_override)."""

    def __init__(self, timeout: float) -> None:
        super().__init__("", timeout)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """As ``HTTPAdapter.send``, with the timeout when the caller gave none."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super(RoutedAdapter, self).send(request, *args, **kwargs)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _frame(bars: list[Any], index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "open": [float(b.open) for b in bars],
            "high": [float(b.high) for b in bars],
            "low": [float(b.low) for b in bars],
            "close": [float(b.close) for b in bars],
            "volume": [float(b.volume) for b in bars],
            "dividend": 0.0,
            "split": 1.0,
        },
        index=index,
    )
    return frame[list(RAW_COLUMNS)]
