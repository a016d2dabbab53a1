"""Finnhub quotes through ``finnhub-python``: the latest price (route ``latest``).

``GET /api/v1/quote?symbol=AAPL`` answers ``{"c": current, "h", "l", "o", "pc", "t": epoch
seconds, "d", "dp"}`` (https://finnhub.io/docs/api/quote); an unknown symbol answers zeros.
``data.finnhub.url`` replaces the client's ``API_URL`` (a proxy or a test server) and
``timeout_seconds`` its ``DEFAULT_TIMEOUT``: both are public attributes of ``finnhub.Client``.
The key travels as the ``token`` query parameter; no message ever includes a URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
from pydantic import SecretStr

from tradewind.config.feeds import ProviderSection
from tradewind.data.providers.base import (
    ProviderEmpty,
    ProviderError,
    ProviderMalformed,
    ProviderRefused,
    ProviderUnavailable,
    Quote,
    RawBars,
)
from tradewind.data.providers.guard import CallGuard

NAME = "finnhub"


class FinnhubProvider:
    """Latest prices from Finnhub (see the module docstring)."""

    name = NAME
    serves = frozenset({"latest"})

    def __init__(
        self, settings: ProviderSection, api_key: SecretStr, guard: CallGuard | None = None
    ) -> None:
        import finnhub

        self.settings = settings
        self.guard = guard or CallGuard(NAME, settings)
        self._client = finnhub.Client(api_key=api_key.get_secret_value())
        self._client._session.trust_env = False  # noqa: SLF001 - no proxy for a configured URL
        if settings.url:
            self._client.API_URL = settings.url.rstrip("/") + "/api/v1"
        else:
            self._client._session.trust_env = True  # noqa: SLF001
        self._client.DEFAULT_TIMEOUT = settings.timeout_seconds

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The current price of each symbol and the time of its last trade."""
        out: dict[str, Quote] = {}
        for symbol in symbols:
            body = self.guard.call(f"quote of {symbol}", partial(self._quote, symbol))
            try:
                price, stamp = float(body["c"]), int(body["t"])
            except (KeyError, TypeError, ValueError) as exc:
                raise ProviderMalformed(
                    NAME, f"unexpected quote ({exc!r})", symbol=symbol
                ) from None
            if price <= 0 or stamp <= 0:
                raise ProviderEmpty(NAME, "no quote (unknown symbol?)", symbol=symbol)
            out[symbol] = Quote(symbol, price, pd.Timestamp(stamp, unit="s", tz="UTC"), NAME)
        return out

    def _quote(self, symbol: str) -> dict[str, Any]:
        from finnhub.exceptions import FinnhubAPIException, FinnhubRequestException

        try:
            body: dict[str, Any] = self._client.quote(symbol)
            return body
        except FinnhubAPIException as exc:
            status = int(exc.status_code)
            if status == 429 or status >= 500:
                raise ProviderUnavailable(NAME, f"HTTP {status}", symbol=symbol) from None
            raise ProviderRefused(NAME, f"HTTP {status}: {exc.message}", symbol=symbol) from None
        except FinnhubRequestException:
            raise ProviderUnavailable(NAME, "the reply was not JSON", symbol=symbol) from None
        except ProviderError:
            raise
        except Exception as exc:  # requests' connection errors and timeouts
            kind = type(exc).__name__
            raise ProviderUnavailable(NAME, f"{kind} (connection)", symbol=symbol) from None

    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Not served: candles need a paid plan."""
        raise ProviderRefused(NAME, "serves latest prices only", symbol=symbol)

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Not served."""
        raise ProviderRefused(NAME, "serves latest prices only", symbol=symbol)

    def vix(self, start: date, end: date | None) -> pd.Series:
        """Not served."""
        raise ProviderRefused(NAME, "serves latest prices only", symbol="VIX")
