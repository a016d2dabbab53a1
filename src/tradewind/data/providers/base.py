"""What every network provider hands back, and the errors it raises.

A provider adapter (one module per service) turns its SDK's replies into these shapes and its
SDK's exceptions into :class:`ProviderError`; everything above (the cache, the routes, the
``MarketData`` provider) never sees an SDK type.

Error tree (what to do next)::

    DataError                       (domain: skip the cycle, alert)
    └── ProviderError               a provider could not answer: try the next one
        ├── ProviderUnavailable     timeout, connection refused, 429, 5xx (after retries)
        ├── ProviderRefused         4xx: bad credentials, unknown symbol, not entitled
        ├── ProviderEmpty           a well-formed reply without data for the request
        └── ProviderMalformed       a reply tradewind cannot read (format changed?)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import pandas as pd

from tradewind.domain.errors import DataError

RAW_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume", "dividend", "split")
"""Columns of a :class:`RawBars` frame: prices as traded, the cash dividend per share going ex
on the row's date (0: none) and the split factor taking effect on it (1: none; 4 for 4-for-1)."""

Basis = Literal["raw", "current"]
"""``raw``: prices as traded, corporate actions listed separately (the cache adjusts them);
``current``: prices already adjusted to today's basis by the provider, actions unknown."""


class ProviderError(DataError):
    """A provider could not serve a request (see the module docstring)."""

    def __init__(self, provider: str, message: str, *, symbol: str | None = None) -> None:
        self.provider = provider
        self.detail = message
        super().__init__(f"{provider}: {message}", symbol=symbol)


class ProviderUnavailable(ProviderError):
    """Timeouts, refused connections, rate limits (429) and server errors (5xx)."""


class ProviderRefused(ProviderError):
    """The provider refused the request (4xx): credentials, entitlement, unknown symbol."""


class ProviderEmpty(ProviderError):
    """A well-formed reply that holds no data for the request."""


class ProviderMalformed(ProviderError):
    """A reply that cannot be read as the provider's documented format."""


@dataclass(frozen=True)
class RawBars:
    """Bars of one symbol as a provider delivered them.

    Attributes
    ----------
    frame
        Columns :data:`RAW_COLUMNS`. Daily bars are indexed by session date (naive midnight,
        New York date); hourly bars by bar-end UTC timestamps.
    basis
        See :data:`Basis`.
    source
        The provider's name.
    """

    frame: pd.DataFrame
    basis: Basis
    source: str


@dataclass(frozen=True)
class Quote:
    """The latest trade price of a symbol.

    Attributes
    ----------
    symbol, price
        The symbol and the last trade price.
    time
        When that trade happened (tz-aware UTC).
    source
        The provider's name.
    """

    symbol: str
    price: float
    time: pd.Timestamp
    source: str


class Provider(Protocol):
    """A network provider adapter. Methods a provider does not serve raise
    :class:`ProviderRefused`; the routes never call them (they check :attr:`serves`)."""

    name: str
    serves: frozenset[str]

    def daily(self, symbol: str, start: date, end: date | None) -> RawBars:
        """Daily bars of sessions ``start`` .. ``end`` (None: through the latest one)."""
        ...

    def hourly(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None) -> RawBars:
        """Hourly bars ending within ``[start, end]``, stamped at their end (UTC)."""
        ...

    def latest(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The latest trade of each symbol."""
        ...

    def vix(self, start: date, end: date | None) -> pd.Series:
        """VIX closes by session date (naive midnight), ``start`` .. ``end``."""
        ...


def empty_raw() -> pd.DataFrame:
    """An empty frame with the :data:`RAW_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype=float) for c in RAW_COLUMNS})
