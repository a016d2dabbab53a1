"""Fixtures of the provider tests: a clock pinned to a day, fake services, a LiveData on them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fake_yahoo import FakeYahoo
from market_truth import Truth
from providerkit import Clock, LiveFactory, no_sleep, quick

from tradewind.data.cache import SeriesCache
from tradewind.data.live import LiveData
from tradewind.data.providers.base import Provider
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.yahoo import YahooProvider


@pytest.fixture
def truth() -> Truth:
    return Truth.random(["AAPL", "MSFT", "SPY", "VIX"], start="2023-01-03", end="2024-07-31")


@pytest.fixture
def yahoo(truth: Truth) -> Iterator[FakeYahoo]:
    with FakeYahoo(truth, "2024-06-27") as server:
        yield server


@pytest.fixture
def yahoo_provider(yahoo: FakeYahoo, tmp_path: Path) -> YahooProvider:
    settings = quick(url=yahoo.url)
    return YahooProvider(
        settings, tmp_path / "sdk", guard=CallGuard("yfinance", settings, sleep=no_sleep)
    )


@pytest.fixture
def make_live(tmp_path: Path) -> LiveFactory:
    """``make_live(providers, clock, **routes)``: a LiveData with every need on ``routes`` or
    on the first provider given."""

    def build(providers: dict[str, Provider | str], clock: Clock, **routes: list[str]) -> LiveData:
        first = next(iter(providers))
        needs = ("daily", "intraday", "latest", "vix", "benchmark")
        return LiveData(
            first,
            providers,
            {n: routes.get(n, [first]) for n in needs},
            SeriesCache(tmp_path / "cache"),
            history_start=date(2023, 1, 3),
            now=clock,
        )

    return build
