"""FRED (Federal Reserve Bank of St. Louis): the VIX close, series ``VIXCLS``, with ``httpx``.

The documented JSON API (https://fred.stlouisfed.org/docs/api/fred/series_observations.html):
``GET /fred/series/observations?series_id=VIXCLS&api_key=KEY&file_type=json&observation_start=
YYYY-MM-DD``; each observation is ``{"date": "2024-06-03", "value": "13.11"}``, ``"."`` where
there is no value (holidays). Errors come as ``{"error_code": 400, "error_message": "..."}``.
``httpx`` is used directly (the ``fredapi`` package returns no more than this and reads XML).

The key travels in the query string: request logging of ``httpx`` is kept at WARNING and no
error message ever includes a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import httpx
import pandas as pd
from pydantic import SecretStr

from tradewind.config.feeds import FredSection
from tradewind.data.providers.base import (
    ProviderEmpty,
    ProviderMalformed,
    ProviderRefused,
    ProviderUnavailable,
    Quote,
    RawBars,
)
from tradewind.data.providers.guard import CallGuard

NAME = "fred"
BASE_URL = "https://api.stlouisfed.org"


class FredProvider:
    """VIX closes from FRED (see the module docstring)."""

    name = NAME
    serves = frozenset({"vix"})

    def __init__(
        self,
        settings: FredSection,
        api_key: SecretStr,
        guard: CallGuard | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.settings = settings
        self.guard = guard or CallGuard(NAME, settings)
        self._key = api_key
        self._client = httpx.Client(
            base_url=settings.url or BASE_URL,
            timeout=settings.timeout_seconds,
            transport=transport,
            trust_env=False,
        )

    def vix(self, start: date, end: date | None) -> pd.Series:
        """``VIXCLS`` by date from ``start`` (holidays, ``"."``, dropped)."""
        params = {
            "series_id": self.settings.series,
            "api_key": self._key.get_secret_value(),
            "file_type": "json",
            "observation_start": start.isoformat(),
        }
        if end is not None:
            params["observation_end"] = end.isoformat()
        payload = self.guard.call(f"{self.settings.series} observations", lambda: self._get(params))
        try:
            rows: list[dict[str, str]] = list(payload["observations"])  # type: ignore[call-overload]
            dates = pd.DatetimeIndex([r["date"] for r in rows])
            numbers = [_number(r["value"]) for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderMalformed(NAME, f"unexpected observations layout ({exc!r})") from None
        values = pd.Series(numbers, index=dates, dtype=float, name="vix").dropna()
        if values.empty:
            raise ProviderEmpty(NAME, f"no {self.settings.series} values since {start}")
        return values

    def _get(self, params: dict[str, str]) -> dict[str, object]:
        try:
            response = self._client.get("/fred/series/observations", params=params)
        except httpx.TimeoutException:
            raise ProviderUnavailable(NAME, "timed out") from None
        except httpx.TransportError as exc:
            raise ProviderUnavailable(NAME, f"connection failed ({type(exc).__name__})") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise ProviderUnavailable(NAME, f"HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            raise ProviderUnavailable(NAME, f"HTTP {status}, the reply was not JSON") from None
        if status >= 400 or "error_code" in body:
            detail = str(body.get("error_message", "")).replace(params["api_key"], "***")
            raise ProviderRefused(NAME, f"HTTP {status}: {detail}")
        return dict(body)

    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Not served: FRED has no stock bars."""
        raise ProviderRefused(NAME, "serves only the VIX", symbol=symbol)

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Not served."""
        raise ProviderRefused(NAME, "serves only the VIX", symbol=symbol)

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Not served."""
        raise ProviderRefused(NAME, "serves only the VIX")


def _number(text: str) -> float:
    """A FRED value: a number, or ``"."`` for none (NaN)."""
    return float("nan") if text.strip() == "." else float(text)
