"""Sections for the system around the strategy: data source, database and logging."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, model_validator

from tradewind.config.base import Section
from tradewind.config.feeds import (
    AlpacaDataSection,
    CacheSection,
    FredSection,
    ProviderSection,
    RoutesSection,
    WebullDataSection,
)

DataSourceName = Literal["bundled", "synthetic", "files", "yfinance", "alpaca", "webull"]


class SyntheticDataSection(Section):
    """Parameters of the seeded synthetic market (``data.synthetic``)."""

    seed: int = Field(7, ge=0)
    start: date = date(2010, 1, 4)
    end: date = date(2022, 12, 30)
    interval: Literal["1d", "1h"] = "1d"


class FilesDataSection(Section):
    """How ``source: files`` reads and judges CSV / Parquet files (``data.files``)."""

    symbol_column: str | None = Field(
        None, description="Long-table column holding the ticker; None: Symbol or Ticker."
    )
    max_gap_sessions: int = Field(
        10, ge=0, le=2520, description="Longest run of missing NYSE sessions allowed in a file."
    )
    max_last_age_days: int | None = Field(
        None, ge=1, description="Refuse files whose last bar is older (None: warn only)."
    )

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "stale_bars" in data:
            raise ValueError(
                "stale_bars moved to data.stale_bars (it applies to every source now); "
                "write it there"
            )
        return data


class DataSection(Section):
    """Where prices, the benchmark and VIX come from (``data:``)."""

    source: DataSourceName = Field(
        "bundled",
        description="bundled (offline, historical), synthetic, files, or a network provider "
        "(yfinance, alpaca, webull) read through the local cache.",
    )
    path: str | None = Field(None, description="File or folder for source: files.")
    benchmark: str = Field(
        "SP500",
        description="The market index: the regime is detected on it and runs are compared "
        "with it (SP500 bundled; with a network source SP500 means SPY, served adjusted for "
        "dividends: a total-return series).",
    )
    vix: str | None = Field(None, description="VIX series name or file; None uses the source's.")
    adjust: bool = Field(True, description="Scale OHLC by adjusted close when available.")
    stale_after_days: int = Field(
        5, ge=1, le=60, description="A series whose last bar is older than this is stale."
    )
    max_daily_move: float = Field(
        0.75, gt=0, le=10, description="A daily move beyond this fraction is implausible."
    )
    stale_bars: int | None = Field(
        10,
        ge=2,
        le=1000,
        description="Bars with an unchanged close that mark a frozen series; every source "
        "refuses windows over such a run (None: off).",
    )
    synthetic: SyntheticDataSection = Field(default_factory=SyntheticDataSection)
    files: FilesDataSection = Field(default_factory=FilesDataSection)
    interval: Literal["1d", "1h"] = Field(
        "1d", description="Bars the network sources serve: daily, or hourly (intraday route)."
    )
    publish_delay_minutes: int = Field(
        30,
        ge=0,
        le=720,
        description="How long after a bar ends a provider may take to publish it; a bar "
        "older than its interval plus this delay is stale and blocks trading.",
    )
    cache: CacheSection = Field(default_factory=CacheSection)
    routes: RoutesSection = Field(default_factory=RoutesSection)
    yfinance: ProviderSection = Field(default_factory=ProviderSection)
    alpaca: AlpacaDataSection = Field(default_factory=AlpacaDataSection)
    webull: WebullDataSection = Field(default_factory=WebullDataSection)
    fred: FredSection = Field(default_factory=FredSection)
    finnhub: ProviderSection = Field(default_factory=ProviderSection)


class DatabaseSection(Section):
    """Where the run's state is stored (``database:``)."""

    url: str = Field(
        "sqlite:///data/tradewind-{mode}.db",
        description="SQLAlchemy URL; {mode} keeps simulated, paper and live apart.",
    )


class LoggingSection(Section):
    """Console and rotating-file logging (``logging:``)."""

    path: str = "logs/trading.log"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(10_000_000, ge=10_000)
    backup_count: int = Field(5, ge=0, le=100)
