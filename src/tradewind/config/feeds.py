"""Settings of the network data providers, their cache and their routes (``data.*``).

Each provider has a section with its limits (``timeout_seconds``, ``retries``,
``backoff_seconds``, ``min_interval_seconds``) and an optional base ``url`` (a mirror or a test
server; empty: the provider's own service). ``data.routes`` lists, per need, the providers tried
in order; an empty list means the default for ``data.source`` (see :func:`default_route`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from tradewind.config.base import Section

ProviderName = Literal["yfinance", "alpaca", "webull", "fred", "finnhub"]
"""Network providers. ``fred`` serves only VIX, ``finnhub`` only latest prices."""

Need = Literal["daily", "intraday", "latest", "vix", "benchmark"]
"""What a route serves: daily bars, hourly bars, latest prices, the VIX, the benchmark."""

SERVES: dict[str, frozenset[str]] = {
    "yfinance": frozenset({"daily", "intraday", "latest", "vix", "benchmark"}),
    "alpaca": frozenset({"daily", "intraday", "latest", "benchmark"}),
    "webull": frozenset({"daily", "intraday", "latest", "benchmark"}),
    "fred": frozenset({"vix"}),
    "finnhub": frozenset({"latest"}),
}
"""Which needs each provider can serve (Alpaca and Webull have no index data: no VIX)."""


class ProviderSection(Section):
    """Limits of one network provider."""

    url: str | None = Field(
        None, description="Base URL of a mirror or a test server; empty: the provider's service."
    )
    timeout_seconds: float = Field(15.0, gt=0, le=300, description="Per-request timeout.")
    retries: int = Field(3, ge=0, le=10, description="Retries after a timeout, 429 or 5xx.")
    backoff_seconds: float = Field(
        1.0, ge=0, le=120, description="First wait before a retry; doubles each time."
    )
    min_interval_seconds: float = Field(
        0.5, ge=0, le=60, description="Least time between two requests (rate limit)."
    )


class AlpacaDataSection(ProviderSection):
    """Alpaca market data (``data.alpaca``)."""

    feed: Literal["iex", "sip"] = Field(
        "iex", description="iex on the free plan; sip needs a paid subscription."
    )
    min_interval_seconds: float = Field(0.3, ge=0, le=60)  # 200 requests a minute on free plans


class WebullDataSection(ProviderSection):
    """Webull OpenAPI market data (``data.webull``)."""

    region: Literal["us", "hk", "jp"] = "us"
    min_interval_seconds: float = Field(1.0, ge=0, le=60)  # 60 requests a minute per app


class FredSection(ProviderSection):
    """FRED, the St. Louis Fed's data service (``data.fred``)."""

    series: str = Field("VIXCLS", description="The FRED series holding the VIX close.")


class CacheSection(Section):
    """The local Parquet cache of provider data (``data.cache``)."""

    path: str = Field("data/cache", description="Folder of the cache (one file per series).")
    history_start: date = Field(
        date(1990, 1, 2), description="First date fetched when a series is not cached yet."
    )
    regime: bool = Field(
        True,
        description="Keep the regime detector's series on disk, keyed on its inputs (benchmark "
        "and VIX data, detector settings, code): backtests, replays and service starts on the "
        "same data read it instead of recomputing it.",
    )
    regime_path: str | None = Field(
        None, description="Folder of the regime-series cache (None: <path>/regime)."
    )

    @property
    def regime_folder(self) -> str:
        """Where the regime-series cache lives."""
        return self.regime_path or f"{self.path.rstrip('/')}/regime"


class RoutesSection(Section):
    """Providers tried in order per need (``data.routes``); empty: the source's default."""

    daily: list[ProviderName] = Field(default_factory=list)
    intraday: list[ProviderName] = Field(default_factory=list)
    latest: list[ProviderName] = Field(default_factory=list)
    vix: list[ProviderName] = Field(default_factory=list)
    benchmark: list[ProviderName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _serves(self) -> RoutesSection:
        problems = []
        for need in ("daily", "intraday", "latest", "vix", "benchmark"):
            for name in getattr(self, need):
                if need not in SERVES[name]:
                    can = ", ".join(sorted(n for n, s in SERVES.items() if need in s))
                    problems.append(f"{name} does not serve {need} (providers that do: {can})")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def default_route(source: str, need: Need) -> list[str]:
    """The providers tried for ``need`` when ``data.routes`` leaves it empty.

    The source itself first where it serves the need; FRED then Yahoo for VIX (brokers have
    no index data); Yahoo as the fallback of a broker's bars.
    """
    if source == "yfinance":
        return {"vix": ["yfinance", "fred"]}.get(need, ["yfinance"])
    if need == "vix":
        return ["fred", "yfinance"]
    return [source, "yfinance"]
