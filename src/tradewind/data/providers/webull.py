"""Webull OpenAPI market data through the official SDK (``webull-openapi-python-sdk``).

Bars come from ``DataClient.market_data.get_batch_history_bar`` (``POST
/market-data/stocks/bars/list``; at most 1200 bars a request; daily bars adjusted to today by
Webull, hence ``basis: current``: the cache re-checks its last bar, see
:mod:`tradewind.data.refresh`), latest prices from ``get_snapshot`` (``GET
/market-data/stocks/snapshots/list``). Facts this adapter relies on (``shared/BROKER_FACTS.md``):

* ``ApiClient(...)`` makes no call; ``DataClient(api)`` calls ``GET /openapi/config`` when built
  and, if Webull asks for token checking, waits for the user's approval in the app; the token
  file goes to ``{data.cache.path}/_sdk/webull`` (``set_token_dir``), not the working directory;
* unless told otherwise the SDK logs DEBUG to stdout and to ``./webull_data_sdk.log``, request
  headers and signatures included: its loggers are silenced here and the client is marked as
  having its loggers set;
* ``data.webull.url`` (``http://host:port``) uses ``add_endpoint(region, host)`` with the port
  on ``ApiClient``; plain HTTP needs the SDK's process-wide ``set_default_protocol_type(HTTP)``
  (a test server on 127.0.0.1), which then applies to every Webull client of the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pandas as pd
from pydantic import SecretStr

from tradewind.calendar import nyse
from tradewind.config.feeds import WebullDataSection
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
from tradewind.domain.types import EXCHANGE_TZ

NAME = "webull"
MAX_BARS = 1200
T = TypeVar("T")


class WebullProvider:
    """The ``webull`` provider (see the module docstring)."""

    name = NAME
    serves = frozenset({"daily", "intraday", "latest", "benchmark"})

    def __init__(
        self,
        settings: WebullDataSection,
        app_key: SecretStr,
        app_secret: SecretStr,
        sdk_dir: Path,
        guard: CallGuard | None = None,
    ) -> None:
        from webull.core.client import ApiClient
        from webull.data.data_client import DataClient

        for name in ("webull", "webull.core", "webull.data"):
            sdk_log = logging.getLogger(name)
            sdk_log.handlers = [logging.NullHandler()]
            sdk_log.propagate = False
        self.settings = settings
        self.guard = guard or CallGuard(NAME, settings)
        port: dict[str, int] = {}
        host = None
        if settings.url:
            parts = urlsplit(settings.url)
            host = parts.hostname
            port = {"port": parts.port or (443 if parts.scheme == "https" else 80)}
            if parts.scheme == "http":
                from webull.core.http import protocol_type
                from webull.core.request import set_default_protocol_type

                set_default_protocol_type(protocol_type.HTTP)
        api = ApiClient(
            app_key.get_secret_value(),
            app_secret.get_secret_value(),
            settings.region,
            timeout=settings.timeout_seconds,
            connect_timeout=settings.timeout_seconds,
            **port,
        )
        if host:
            api.add_endpoint(settings.region, host)
        sdk_dir.mkdir(parents=True, exist_ok=True)
        api.set_token_dir(str(sdk_dir))
        api._stream_logger_set = True  # noqa: SLF001 - the SDK's own switch (module docstring)
        api._file_logger_set = True  # noqa: SLF001
        self._data = self._guarded("", "connection", lambda: DataClient(api))

    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Daily bars as Webull adjusts them today (``basis: current``), oldest first."""
        need = len(nyse().sessions(start, pd.Timestamp.now().normalize())) + 1
        rows = self._bars(symbol, "D", min(max(need, 1), MAX_BARS))
        if not rows:
            return RawBars(empty_raw(), "current", NAME)
        days = pd.DatetimeIndex([_session_date(r["time"]) for r in rows])
        frame = _frame(rows, days)
        frame = frame.loc[frame.index >= pd.Timestamp(start)]
        if end is not None:
            frame = frame.loc[frame.index <= pd.Timestamp(end)]
        return RawBars(frame, "current", NAME)

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Hourly bars (unadjusted, as Webull serves minute bars), stamped at their end."""
        rows = self._bars(symbol, "M60", MAX_BARS)
        cal = nyse()
        kept, ends = [], []
        for r in rows:
            t = pd.Timestamp(r["time"]).tz_convert("UTC")
            day = t.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
            if not cal.is_session(day):
                continue
            close = cal.session_close(day).tz_convert("UTC")
            if cal.session_open(day) <= t < close and t >= start:
                kept.append(r)
                ends.append(min(t + pd.Timedelta(hours=1), close))
        if not kept:
            return RawBars(empty_raw(), "current", NAME)
        return RawBars(_frame(kept, pd.DatetimeIndex(ends, name="timestamp")), "current", NAME)

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Each symbol's snapshot price and the time of its last trade."""
        body = self._guarded(
            ",".join(symbols),
            "snapshots",
            lambda: _json(self._data.market_data.get_snapshot(list(symbols), "US_STOCK")),
        )
        out: dict[str, Quote] = {}
        try:
            for snap in body if isinstance(body, list) else body.get("result", []):
                when = pd.Timestamp(int(snap["last_trade_time"]), unit="ms", tz="UTC")
                out[str(snap["symbol"])] = Quote(
                    str(snap["symbol"]), float(snap["price"]), when, NAME
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderMalformed(NAME, f"unexpected snapshot ({exc!r})") from None
        return out

    def vix(self, start: date, end: date | None) -> pd.Series:
        """Not served: no index data."""
        raise ProviderRefused(NAME, "has no index data (no VIX)", symbol="VIX")

    # --- internals ---------------------------------------------------------------------
    def _bars(self, symbol: str, timespan: str, count: int) -> list[dict[str, Any]]:
        body = self._guarded(
            symbol,
            f"{timespan} bars",
            lambda: _json(
                self._data.market_data.get_batch_history_bar(
                    [symbol], "US_STOCK", timespan, count=str(count)
                )
            ),
        )
        groups = body.get("result", body) if isinstance(body, dict) else body
        try:
            rows = [r for g in groups if g.get("symbol") == symbol for r in g.get("result", [])]
        except (AttributeError, TypeError) as exc:
            raise ProviderMalformed(
                NAME, f"unexpected bars reply ({exc!r})", symbol=symbol
            ) from None
        if not rows and groups == []:
            raise ProviderEmpty(NAME, "no bars", symbol=symbol)
        return sorted(rows, key=lambda r: pd.Timestamp(r["time"]))

    def _guarded(self, symbol: str, what: str, call: Callable[[], T]) -> T:
        def attempt() -> T:
            try:
                return call()
            except ProviderError:
                raise
            except Exception as exc:  # every SDK failure becomes a ProviderError
                raise translate(exc, symbol) from exc

        return self.guard.call(f"{what} of {symbol}".strip(), attempt)


def translate(exc: Exception, symbol: str) -> ProviderError:
    """The ``ProviderError`` for an SDK exception (``ServerException`` carries the status)."""
    status = getattr(exc, "http_status", None)
    code = getattr(exc, "error_code", "")
    message = getattr(exc, "error_msg", "") or type(exc).__name__
    if isinstance(status, int):
        if status == 429 or status >= 500:
            return ProviderUnavailable(NAME, f"HTTP {status} {code}", symbol=symbol or None)
        return ProviderRefused(NAME, f"HTTP {status} {code}: {message}", symbol=symbol or None)
    if type(exc).__name__ == "ClientException":  # connection errors, timeouts
        return ProviderUnavailable(NAME, f"{code}: connection failed", symbol=symbol or None)
    return ProviderMalformed(NAME, f"{type(exc).__name__}: {exc}", symbol=symbol or None)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderUnavailable(NAME, "the reply was not JSON") from None


def _session_date(text: str) -> pd.Timestamp:
    """The session date of a daily bar's time: the New York date, or the UTC date of a
    bar stamped at midnight UTC."""
    t = pd.Timestamp(text)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    if t == t.normalize():
        return t.tz_localize(None)
    return t.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)


def _frame(rows: list[dict[str, Any]], index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "open": [float(r["open"]) for r in rows],
            "high": [float(r["high"]) for r in rows],
            "low": [float(r["low"]) for r in rows],
            "close": [float(r["close"]) for r in rows],
            "volume": [float(r.get("volume") or "nan") for r in rows],
            "dividend": 0.0,
            "split": 1.0,
        },
        index=index,
    )
    return frame[list(RAW_COLUMNS)]
