"""FRED's VIXCLS with httpx against a fake FRED on 127.0.0.1; the VIX route's fallbacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_fred import KEY, FakeFred
from fake_yahoo import FakeYahoo
from market_truth import Truth
from providerkit import Clock, LiveFactory, no_sleep, quick
from pydantic import SecretStr

from tradewind.config.feeds import FredSection
from tradewind.data.providers.base import ProviderRefused, ProviderUnavailable
from tradewind.data.providers.fred import FredProvider
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.yahoo import YahooProvider


def fred(server: FakeFred, key: str = KEY) -> FredProvider:
    settings = FredSection.model_validate(quick(url=server.url).model_dump())
    return FredProvider(settings, SecretStr(key), CallGuard("fred", settings, sleep=no_sleep))


@pytest.fixture
def levels(truth: Truth) -> pd.Series:
    return truth.frames["VIX"]["close"] / 5.0  # VIX-like levels, distinct from Yahoo's ^VIX


def test_vixcls_is_read_and_holidays_are_dropped(levels: pd.Series) -> None:
    with FakeFred(levels, "2024-06-27", holidays=("2024-06-19",)) as server:
        values = fred(server).vix(date(2024, 6, 1), None)
    assert pd.Timestamp("2024-06-19") not in values.index
    np.testing.assert_allclose(values.to_numpy(), levels.loc["2024-06-01":"2024-06-27"].round(2))


def test_the_vix_route_prefers_fred_and_extends_by_the_new_day_only(
    levels: pd.Series, make_live: LiveFactory
) -> None:
    clock = Clock("2024-06-27 18:00")
    with FakeFred(levels, "2024-06-27", holidays=("2024-06-19",)) as server:
        make_live({"fred": fred(server)}, clock, vix=["fred"]).vix()
        server.today = pd.Timestamp("2024-06-28")
        clock.set("2024-06-28 18:00")
        vix = make_live({"fred": fred(server)}, clock, vix=["fred"]).vix()
        starts = [r.query["observation_start"] for r in server.server.paths("/observations")]
    assert starts == ["2023-01-03", "2024-06-28"]
    assert vix.values.index[-1] == pd.Timestamp("2024-06-28 16:00", tz="America/New_York")
    assert not vix.is_proxy and vix.source.startswith("fred")


def test_a_refused_key_falls_back_to_yahoo_with_an_event_that_hides_the_key(
    levels: pd.Series, yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory,
    truth: Truth,
) -> None:  # fmt: skip
    bad = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
    with FakeFred(levels, "2024-06-27") as server:
        live = make_live(
            {"fred": fred(server, bad), "yfinance": yahoo_provider},
            Clock("2024-06-28 08:00"),
            vix=["fred", "yfinance"],
        )
        vix = live.vix()
    assert vix.source.startswith("yfinance")
    np.testing.assert_allclose(
        vix.values.to_numpy(), truth.upto("VIX", pd.Timestamp("2024-06-27"))["close"]
    )
    (event,) = [e for e in live.events if e.kind == "provider_fallback"]
    assert "fred: HTTP 400" in event.message and "not registered" in event.message
    assert bad not in event.message


def test_a_missing_key_is_skipped_with_the_reason(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, tmp_path: Path
) -> None:
    live = make_live(
        {"fred": "FRED_API_KEY is not set", "yfinance": yahoo_provider},
        Clock("2024-06-28 08:00"),
        vix=["fred", "yfinance"],
    )
    assert live.vix().source.startswith("yfinance")
    assert "fred skipped: FRED_API_KEY is not set" in live.events[0].message


def test_429_is_retried_and_a_server_down_is_unavailable(levels: pd.Series) -> None:
    with FakeFred(levels, "2024-06-27") as server:
        provider = fred(server)
        server.server.fail("/observations", 429)
        assert len(provider.vix(date(2024, 6, 1), None)) > 0
        server.server.fail("/observations", 503, 503)
        with pytest.raises(ProviderUnavailable, match="HTTP 503"):
            provider.vix(date(2024, 6, 1), None)
        server.server.fail("/observations", "timeout", "timeout")
        fast = FredProvider(
            FredSection.model_validate(quick(url=server.url, timeout_seconds=0.3).model_dump()),
            SecretStr(KEY),
            CallGuard("fred", quick(), sleep=no_sleep),
        )
        with pytest.raises(ProviderUnavailable, match="timed out"):
            fast.vix(date(2024, 6, 1), None)


def test_fred_serves_nothing_but_the_vix(levels: pd.Series) -> None:
    with FakeFred(levels, "2024-06-27") as server, pytest.raises(ProviderRefused):
        fred(server).daily("AAPL", date(2024, 6, 1), None)
