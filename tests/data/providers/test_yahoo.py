"""yfinance (the real library) against a fake Yahoo on 127.0.0.1: bars, cache, splits, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_yahoo import FakeYahoo
from market_truth import Truth
from providerkit import Clock, LiveFactory, no_sleep, quick

from tradewind.data.providers.base import (
    ProviderEmpty,
    ProviderUnavailable,
)
from tradewind.data.providers.guard import CallGuard
from tradewind.data.providers.yahoo import YahooProvider
from tradewind.domain.errors import DataError

NY = "America/New_York"


def _midnight(day: str) -> int:
    return int(pd.Timestamp(day, tz=NY).timestamp())


def test_daily_bars_are_stamped_at_the_session_close_and_equal_the_total_return_truth(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    live = make_live({"yfinance": yahoo_provider}, Clock("2024-06-28 08:00"))
    frame = live.bars(["AAPL"])["AAPL"]
    assert frame.index[-1] == pd.Timestamp("2024-06-27 16:00", tz=NY)
    assert str(frame.index.tz) == "UTC"
    expected = truth.total_return("AAPL", pd.Timestamp("2024-06-27"))
    np.testing.assert_allclose(frame["close"].to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert len(frame) == len(expected)


def test_a_day_later_only_the_new_day_is_requested(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    clock = Clock("2024-06-27 18:00")
    make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])
    (first,) = yahoo.chart_requests("AAPL")
    assert int(first.query["period1"]) == _midnight("2023-01-03")

    yahoo.today = pd.Timestamp("2024-06-28")
    clock.set("2024-06-28 18:00")
    frame = make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])["AAPL"]

    requests = yahoo.chart_requests("AAPL")
    assert len(requests) == 2
    assert int(requests[1].query["period1"]) == _midnight("2024-06-28")  # the new session only
    assert frame.index[-1] == pd.Timestamp("2024-06-28 16:00", tz=NY)


def test_nothing_is_requested_when_the_cache_holds_the_last_session(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    clock = Clock("2024-06-27 18:00")
    make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])
    clock.set("2024-06-28 09:00")  # before the next close: no session is due
    make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])
    assert len(yahoo.chart_requests("AAPL")) == 1


def test_a_new_split_re_adjusts_the_cached_history(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    clock = Clock("2024-06-27 18:00")
    before = make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])["AAPL"]["close"]
    truth.add_split("AAPL", "2024-06-28", 4.0)
    yahoo.today = pd.Timestamp("2024-06-28")
    clock.set("2024-06-28 18:00")
    after = make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])["AAPL"]["close"]

    assert int(yahoo.chart_requests("AAPL")[-1].query["period1"]) == _midnight("2024-06-28")
    np.testing.assert_allclose(after.loc[before.index].to_numpy(), before.to_numpy() / 4, rtol=1e-9)
    expected = truth.total_return("AAPL", pd.Timestamp("2024-06-28"))
    np.testing.assert_allclose(after.to_numpy(), expected.to_numpy(), rtol=1e-9)
    move = after.iloc[-1] / after.iloc[-2] - 1
    assert abs(move) < 0.1  # continuous across the split


def test_a_new_dividend_re_adjusts_the_cached_history_like_yahoos_adj_close(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    truth.add_dividend("MSFT", "2024-02-14", 0.75)
    clock = Clock("2024-06-27 18:00")
    make_live({"yfinance": yahoo_provider}, clock).bars(["MSFT"])
    truth.add_dividend("MSFT", "2024-06-28", 1.10)
    yahoo.today = pd.Timestamp("2024-06-28")
    clock.set("2024-06-28 18:00")
    after = make_live({"yfinance": yahoo_provider}, clock).bars(["MSFT"])["MSFT"]["close"]
    expected = truth.total_return("MSFT", pd.Timestamp("2024-06-28"))
    np.testing.assert_allclose(after.to_numpy(), expected.to_numpy(), rtol=1e-9)


def test_a_session_still_trading_is_never_served_nor_cached(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    yahoo.partial["AAPL"] = 999.0  # Yahoo adds today's bar while the session trades
    clock = Clock("2024-06-28 11:00")
    frame = make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])["AAPL"]
    assert frame.index[-1] == pd.Timestamp("2024-06-27 16:00", tz=NY)
    assert 999.0 not in frame["close"].to_numpy()
    entry = make_live({"yfinance": yahoo_provider}, clock).cache.read("yfinance", "AAPL", "1d")
    assert entry is not None and entry.through == pd.Timestamp("2024-06-27")


def test_hourly_bars_end_on_the_half_hour_and_the_last_at_the_close(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider
) -> None:
    bars = yahoo_provider.hourly("AAPL", pd.Timestamp("2024-06-26", tz="UTC"), None)
    local = bars.frame.index.tz_convert(NY)
    assert str(bars.frame.index.tz) == "UTC"
    day = local[local.normalize() == pd.Timestamp("2024-06-26", tz=NY)]
    assert [t.strftime("%H:%M") for t in day] == [
        "10:30", "11:30", "12:30", "13:30", "14:30", "15:30", "16:00"
    ]  # fmt: skip
    # 2024-07-03 closes at 13:00: its last bar ends then


@pytest.mark.parametrize(
    "failures",
    # yfinance asks again once itself after an HTTP error (with the other cookie strategy):
    # one attempt is two requests; an outage page (HTTP 200) is one
    [(429, 429), (500, 500), (503, 503), ("garbage",)],
)
def test_a_transient_failure_is_retried_then_served(
    yahoo: FakeYahoo,
    yahoo_provider: YahooProvider,
    failures: tuple[int | str, ...],
    tmp_path: Path,
) -> None:
    _warm(yahoo, tmp_path)
    yahoo.server.fail("/v8/finance/chart/AAPL", *failures)
    bars = yahoo_provider.daily("AAPL", date(2024, 6, 1), None)
    assert len(bars.frame) > 0
    assert yahoo_provider.guard.calls == 2  # the first attempt failed, the retry served


def _warm(yahoo: FakeYahoo, tmp_path: Path) -> None:
    """Fill yfinance's per-process timezone and crumb caches through a provider of its own, so
    the failures a test then injects meet the bars request whatever ran before in this process
    (in a fresh one, yfinance's own timezone probe would take them first)."""
    settings = quick(url=yahoo.url)
    warm = YahooProvider(settings, tmp_path / "sdk", guard=CallGuard("yfinance", settings))
    warm.daily("AAPL", date(2024, 6, 1), None)


def test_a_timeout_is_retried_and_then_reported(yahoo: FakeYahoo, tmp_path: object) -> None:
    settings = quick(url=yahoo.url, timeout_seconds=0.5, retries=1)
    provider = YahooProvider(
        settings,
        tmp_path / "sdk",
        guard=CallGuard("yfinance", settings, sleep=no_sleep),  # type: ignore[operator]
    )
    provider.daily("AAPL", date(2024, 6, 1), None)  # warm the timezone and crumb caches
    yahoo.server.fail("/v8/finance/chart/AAPL", "timeout", "timeout", "timeout", "timeout")
    with pytest.raises(ProviderUnavailable, match="after 2 attempts"):
        provider.daily("AAPL", date(2024, 6, 1), None)


def test_an_unknown_symbol_and_an_empty_reply_are_no_data(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider
) -> None:
    with pytest.raises(ProviderEmpty):
        yahoo_provider.daily("NOPE", date(2024, 6, 1), None)
    yahoo.empty.add("MSFT")
    with pytest.raises(ProviderEmpty):
        yahoo_provider.daily("MSFT", date(2024, 6, 1), None)


def test_every_provider_down_serves_the_cache_with_an_event(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    clock = Clock("2024-06-27 18:00")
    make_live({"yfinance": yahoo_provider}, clock).bars(["AAPL"])
    yahoo.today = pd.Timestamp("2024-06-28")
    clock.set("2024-06-28 18:00")
    yahoo.server.fail("/v8/finance/chart/AAPL", 503, 503, 503, 503)
    live = make_live({"yfinance": yahoo_provider}, clock)
    frame = live.bars(["AAPL"])["AAPL"]
    assert frame.index[-1] == pd.Timestamp("2024-06-27 16:00", tz=NY)  # the cached copy
    (event,) = [e for e in live.events if e.kind == "served_from_cache"]
    assert "through 2024-06-27" in event.message and "503" in event.message


def test_nothing_cached_and_every_provider_down_is_a_data_error(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    yahoo.server.fail("/v8/finance/chart/AAPL", 500, 500, 500, 500, 500, 500)
    with pytest.raises(DataError, match="no provider could serve daily"):
        make_live({"yfinance": yahoo_provider}, Clock("2024-06-27 18:00")).bars(["AAPL"])


def test_the_vix_comes_from_yahoo_as_observed_levels(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    live = make_live({"yfinance": yahoo_provider}, Clock("2024-06-28 08:00"))
    vix = live.vix()
    assert not vix.is_proxy and "yfinance" in vix.source
    np.testing.assert_allclose(
        vix.values.to_numpy(), truth.upto("VIX", pd.Timestamp("2024-06-27"))["close"].to_numpy()
    )
    assert any("^VIX" in r.path for r in yahoo.server.requests)


def test_the_benchmark_sp500_is_spy_total_return_and_says_so(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    truth.add_dividend("SPY", "2024-03-15", 1.6)
    live = make_live({"yfinance": yahoo_provider}, Clock("2024-06-28 08:00"))
    bench = live.benchmark()
    expected = truth.total_return("SPY", pd.Timestamp("2024-06-27"))
    np.testing.assert_allclose(bench.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert any("SPY adjusted for dividends (a total-return series)" in n for n in live.notes)


def test_latest_price_now_comes_from_the_quote_and_a_past_asof_from_the_bars(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory
) -> None:
    yahoo.partial["AAPL"] = 70.5
    clock = Clock("2024-06-28 10:31")
    live = make_live({"yfinance": yahoo_provider}, clock)
    assert live.latest_prices(["AAPL"], clock())["AAPL"] == 70.5
    past = live.latest_prices(["AAPL"], pd.Timestamp("2024-06-27 17:00", tz=NY))
    assert past["AAPL"] == pytest.approx(live.bars(["AAPL"])["AAPL"]["close"].iloc[-1])


def test_a_split_the_provider_did_not_report_is_a_data_warning(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    prices = truth.frames["MSFT"]
    after = prices.index >= pd.Timestamp("2024-05-15")
    for column in ("open", "high", "low", "close"):  # halved, but no split event listed
        prices.loc[after, column] = prices.loc[after, column] / 2
    live = make_live({"yfinance": yahoo_provider}, Clock("2024-06-28 08:00"))
    live.bars(["MSFT"])
    (event,) = [e for e in live.events if e.kind == "data_warning"]
    assert "2024-05-15" in event.message and "2-for-1" in event.message
    assert any("likely an unadjusted 2-for-1 split" in n for n in live.notes)


def test_hourly_bars_through_the_cache_extend_by_the_new_bars_only(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, tmp_path: object
) -> None:
    from tradewind.data.cache import SeriesCache
    from tradewind.data.live import LiveData
    from tradewind.domain.types import Interval

    clock = Clock("2024-06-26 18:00")
    needs = ("daily", "intraday", "latest", "vix", "benchmark")

    def live() -> LiveData:
        return LiveData(
            "yfinance", {"yfinance": yahoo_provider}, {n: ["yfinance"] for n in needs},
            SeriesCache(tmp_path / "cache"), history_start=date(2024, 6, 1),  # type: ignore[operator]
            interval=Interval.HOURLY, now=clock,
        )  # fmt: skip

    first = live().bars(["AAPL"], interval=Interval.HOURLY)["AAPL"]
    yahoo.today = pd.Timestamp("2024-06-27")
    clock.set("2024-06-27 12:05")  # the 10:30 and 11:30 bars of Thursday have ended
    second = live().bars(["AAPL"], interval=Interval.HOURLY)["AAPL"]
    hourly = [
        r for r in yahoo.server.paths("/v8/finance/chart/AAPL") if r.query.get("interval") == "1h"
    ]
    assert first.index[-1] == pd.Timestamp("2024-06-26 16:00", tz=NY)
    assert list(second.index[-2:].tz_convert(NY).strftime("%H:%M")) == ["10:30", "11:30"]
    assert len(hourly) == 2
    assert int(hourly[1].query["period1"]) > int(
        pd.Timestamp("2024-06-26 15:59", tz=NY).timestamp()
    )
