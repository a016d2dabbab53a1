"""alpaca-py (the real SDK) against a fake Alpaca on 127.0.0.1: raw bars plus corporate actions,
pages, errors, and the daily route's fallback to Yahoo."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from fake_alpaca import KEY, SECRET, FakeAlpaca
from fake_yahoo import FakeYahoo
from market_truth import Truth
from providerkit import Clock, LiveFactory, no_sleep, quick
from pydantic import SecretStr

from tradewind.config.feeds import AlpacaDataSection
from tradewind.data.providers.alpaca import AlpacaProvider
from tradewind.data.providers.base import ProviderRefused, ProviderUnavailable
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.yahoo import YahooProvider

NY = "America/New_York"


def alpaca(server: FakeAlpaca, key: str = KEY, **extra: float) -> AlpacaProvider:
    settings = AlpacaDataSection.model_validate(quick(url=server.url, **extra).model_dump())
    guard = CallGuard("alpaca", settings, sleep=no_sleep)
    return AlpacaProvider(settings, SecretStr(key), SecretStr(SECRET), guard)


def test_raw_bars_and_corporate_actions_give_the_total_return_truth(
    truth: Truth, make_live: LiveFactory
) -> None:
    truth.add_split("AAPL", "2024-06-10", 2.0)
    truth.add_dividend("AAPL", "2024-05-10", 0.25)
    with FakeAlpaca(truth, "2024-06-27") as server:
        live = make_live({"alpaca": alpaca(server)}, Clock("2024-06-28 08:00"))
        closes = live.bars(["AAPL"])["AAPL"]["close"]
        pages = server.server.paths("/v2/stocks/bars")
    expected = truth.total_return("AAPL", pd.Timestamp("2024-06-27"))
    np.testing.assert_allclose(closes.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert closes.index[-1] == pd.Timestamp("2024-06-27 16:00", tz=NY)
    assert len(pages) > 1 and pages[1].query["page_token"]  # the SDK followed the pages
    assert {p.query["feed"] for p in pages} == {"iex"} and pages[0].query["adjustment"] == "raw"


def test_extension_asks_from_the_new_day_and_a_new_split_re_adjusts(
    truth: Truth, make_live: LiveFactory
) -> None:
    clock = Clock("2024-06-27 18:00")
    with FakeAlpaca(truth, "2024-06-27") as server:
        before = make_live({"alpaca": alpaca(server)}, clock).bars(["MSFT"])["MSFT"]["close"]
        truth.add_split("MSFT", "2024-06-28", 3.0)
        server.today = pd.Timestamp("2024-06-28")
        clock.set("2024-06-28 18:00")
        after = make_live({"alpaca": alpaca(server)}, clock).bars(["MSFT"])["MSFT"]["close"]
        starts = [r.query["start"][:10] for r in server.server.paths("/v2/stocks/bars")]
    assert starts[-1] == "2024-06-28"
    np.testing.assert_allclose(after.loc[before.index].to_numpy(), before.to_numpy() / 3, rtol=1e-9)


def test_latest_trade(truth: Truth) -> None:
    with FakeAlpaca(truth, "2024-06-27") as server:
        server.trades["AAPL"] = (71.25, "2024-06-28T14:31:02.123456Z")
        quote = alpaca(server).latest(["AAPL"])["AAPL"]
    assert quote.price == 71.25
    assert quote.time == pd.Timestamp("2024-06-28 14:31:02.123456", tz="UTC")


def test_a_bad_key_is_refused_and_a_429_is_retried(truth: Truth) -> None:
    with FakeAlpaca(truth, "2024-06-27") as server:
        with pytest.raises(ProviderRefused, match="HTTP 401: request is not authorized"):
            alpaca(server, key="WRONG").daily("AAPL", date(2024, 6, 1), None)
        provider = alpaca(server)
        server.server.fail("/v2/stocks/bars", 429)
        assert len(provider.daily("AAPL", date(2024, 6, 1), None).frame) > 0
        assert provider.guard.calls == 3  # 429, then bars, then corporate actions
        server.server.fail("/v2/stocks/bars", 500, 500)
        with pytest.raises(ProviderUnavailable, match="HTTP 500"):
            provider.daily("AAPL", date(2024, 6, 1), None)


def test_a_hung_connection_times_out(truth: Truth) -> None:
    with FakeAlpaca(truth, "2024-06-27") as server:
        provider = alpaca(server, timeout_seconds=0.3, retries=0)
        server.server.fail("/v2/stocks/bars", "timeout")
        with pytest.raises(ProviderUnavailable, match="Timeout"):
            provider.daily("AAPL", date(2024, 6, 1), None)


def test_alpaca_down_falls_back_to_yahoo_with_an_event(
    truth: Truth, yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    with FakeAlpaca(truth, "2024-06-27") as server:
        server.server.fail("/v2/stocks/bars", 503, 503, 503)
        live = make_live(
            {"alpaca": alpaca(server), "yfinance": yahoo_provider},
            Clock("2024-06-28 08:00"),
            daily=["alpaca", "yfinance"],
        )
        closes = live.bars(["AAPL"])["AAPL"]["close"]
    assert live.source_of("AAPL") == "yfinance"
    (event,) = [e for e in live.events if e.kind == "provider_fallback"]
    assert "AAPL (daily) served by yfinance" in event.message and "HTTP 503" in event.message
    expected = truth.total_return("AAPL", pd.Timestamp("2024-06-27"))
    np.testing.assert_allclose(closes.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_alpaca_serves_no_vix(truth: Truth) -> None:
    with FakeAlpaca(truth, "2024-06-27") as server, pytest.raises(ProviderRefused, match="VIX"):
        alpaca(server).vix(date(2024, 6, 1), None)
