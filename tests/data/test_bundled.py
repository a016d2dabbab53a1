"""The bundled provider: real skfolio/arch data, offline, stamped at NYSE session closes."""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import EASTERN, nyse
from tradewind.data import BundledData, MarketData, bundled
from tradewind.domain.errors import MissingDataError, StaleDataError
from tradewind.domain.types import Interval

STOCKS = [
    "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO",
    "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
]  # fmt: skip


@pytest.fixture(scope="module")
def data() -> BundledData:
    return BundledData()


def eastern(ts: pd.Timestamp) -> str:
    return ts.tz_convert(EASTERN).strftime("%Y-%m-%d %H:%M")


class _Refused(OSError):
    pass


def _loopback_only(real: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host).is_loopback:
            raise _Refused(f"refused {address!r}")
        return real(self, address)

    return connect


def test_loads_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only(socket.socket.connect))
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(0.5)
    with pytest.raises(OSError), probe:  # the block is in force before anything loads
        probe.connect(("203.0.113.1", 80))
    bundled.clear_caches()  # force a real load from the installed packages

    data = BundledData()
    bars = data.bars(["AAPL", "SP500_OHLCV"], "2018-01-01", "2018-12-31 23:59")

    assert len(bars["AAPL"]) == 251
    assert len(bars["SP500_OHLCV"]) == 251
    assert data.vix("2016-01-01", "2016-12-31").values.notna().sum() == 252


def test_available_symbols(data: BundledData) -> None:
    assert data.available_symbols() == [*STOCKS, "SP500", "SP500_OHLCV", "NASDAQ_OHLCV"]
    assert isinstance(data, MarketData)


@pytest.mark.parametrize(
    ("symbol", "rows", "first", "last"),
    [
        ("AAPL", 8313, "1990-01-02 16:00", "2022-12-28 16:00"),
        ("SP500", 8313, "1990-01-02 16:00", "2022-12-28 16:00"),
        ("SP500_OHLCV", 5031, "1999-01-04 16:00", "2018-12-31 16:00"),
        ("NASDAQ_OHLCV", 5031, "1999-01-04 16:00", "2018-12-31 16:00"),
    ],
)
def test_shapes_and_spans(data: BundledData, symbol: str, rows: int, first: str, last: str) -> None:
    frame = data.bars([symbol])[symbol]

    assert frame.shape == (rows, 5)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert (frame.dtypes == "float64").all()
    assert frame.index.name == "timestamp"
    assert str(frame.index.tz) == "UTC"
    assert eastern(frame.index[0]) == first
    assert eastern(frame.index[-1]) == last


def test_all_twenty_stocks_share_the_index_timeline() -> None:
    # over the whole span, with the stale-run check off (RRC's rounded 1990-1992 prints)
    closes = BundledData(stale_bars=None).bars(STOCKS).closes()
    assert closes.shape == (8313, 20)
    assert closes.notna().all().all()


def test_daily_bars_are_stamped_at_the_close_including_early_closes(data: BundledData) -> None:
    aapl = data.bars(["AAPL"], "2019-11-25", "2019-12-03")["AAPL"]
    spx = data.bars(["SP500_OHLCV"], "2018-11-20", "2018-11-27")["SP500_OHLCV"]

    assert [eastern(t) for t in aapl.index] == [
        "2019-11-25 16:00",
        "2019-11-26 16:00",
        "2019-11-27 16:00",
        "2019-11-29 13:00",  # day after Thanksgiving: early close; the 28th is a holiday
        "2019-12-02 16:00",
    ]
    assert eastern(spx.index[2]) == "2018-11-23 13:00"
    assert aapl.index[3] == pd.Timestamp("2019-11-29 18:00", tz="UTC")


def test_close_only_series_have_derived_ohlc_flagged(data: BundledData) -> None:
    bars = data.bars(["AAPL", "SP500", "SP500_OHLCV"], "2010-01-01", "2010-12-31")
    aapl = bars["AAPL"]

    assert bars.derived_ohlc == frozenset({"AAPL", "SP500"})
    assert bars.source == "bundled"
    np.testing.assert_array_equal(aapl["open"].to_numpy()[1:], aapl["close"].to_numpy()[:-1])
    np.testing.assert_array_equal(aapl["high"], np.maximum(aapl["open"], aapl["close"]))
    np.testing.assert_array_equal(aapl["low"], np.minimum(aapl["open"], aapl["close"]))
    assert aapl["volume"].isna().all()
    assert bars["SP500_OHLCV"]["volume"].gt(0).all()
    assert (bars["SP500_OHLCV"]["high"] > bars["SP500_OHLCV"]["low"]).all()


def test_first_derived_bar_opens_at_its_close(data: BundledData) -> None:
    first = data.history("AAPL").iloc[0]
    assert first["open"] == first["close"] == first["high"] == first["low"]


def test_vix_drops_the_empty_holiday_rows_quietly(caplog: pytest.LogCaptureFixture) -> None:
    bundled.clear_caches()
    with caplog.at_level(logging.INFO, logger="tradewind.data.bundled"):
        vix = BundledData().vix("2014-01-03", "2019-01-03 23:00")

    assert not vix.is_proxy
    assert "CBOE VIX" in vix.source
    thanksgiving = pd.Timestamp("2014-11-27 16:00", tz=EASTERN).tz_convert("UTC")
    assert thanksgiving not in vix.values.index
    sessions = nyse().sessions("2014-01-03", "2019-01-03")
    assert len(vix.values) == len(sessions)  # one value per session, none on closed days
    assert vix.values.notna().all()
    assert "not NYSE sessions" not in caplog.text
    assert caplog.records == []  # nothing at INFO or above: the file's layout is not news


def test_vix_outside_2014_2019_is_a_flagged_proxy(data: BundledData) -> None:
    before = data.vix("2008-01-01", "2012-12-31")
    after = data.vix("2020-01-01", "2022-12-31")
    mixed = data.vix("2013-06-01", "2014-06-30")

    assert before.is_proxy and after.is_proxy and mixed.is_proxy
    assert "proxy" in before.source and "proxy" in mixed.source
    assert before.values.loc["2008-10"].mean() > 50  # the 2008 crash reads as a VIX spike
    flags = data.vix_is_proxy("2013-06-01", "2014-06-30")
    assert flags.loc[:"2014-01-02"].all()
    assert not flags.loc["2014-01-03":].any()


def test_proxy_is_scaled_to_the_vix_mean_over_the_overlap(data: BundledData) -> None:
    observed = data.vix("2014-01-03", "2019-01-03 23:00").values
    realized = bundled._realized_vol() * bundled._scale()
    both = pd.concat([observed, realized], axis=1, join="inner").dropna()

    assert both.iloc[:, 1].mean() == pytest.approx(both.iloc[:, 0].mean(), rel=1e-12)
    scale = bundled._scale()
    assert scale > 1.0  # implied volatility usually exceeds realized
    assert scale < 1.6


def test_latest_prices_never_look_ahead(data: BundledData) -> None:
    closes = data.history("AAPL")["close"]
    before_close = data.latest_prices(["AAPL"], "2019-11-29 17:59")
    at_close = data.latest_prices(["AAPL", "SP500"], "2019-11-29 18:00")

    assert before_close["AAPL"] == closes.loc["2019-11-27 21:00"].item()
    assert at_close["AAPL"] == closes.loc["2019-11-29 18:00"].item()
    assert list(at_close.index) == ["AAPL", "SP500"]


def test_latest_prices_after_the_data_ends_are_stale(data: BundledData) -> None:
    with pytest.raises(StaleDataError, match="AAPL"):
        data.latest_prices(["AAPL"], "2023-03-01")


def test_benchmark_is_the_sp500_index(data: BundledData) -> None:
    closes = data.benchmark("2022-01-01")
    assert closes.name == "SP500"
    assert closes.index[-1] == pd.Timestamp("2022-12-28 21:00", tz="UTC")


def test_unknown_symbol_and_hourly_bars_are_missing_data(data: BundledData) -> None:
    with pytest.raises(MissingDataError, match="NVDA"):
        data.bars(["NVDA"])
    with pytest.raises(MissingDataError, match="1d"):
        data.bars(["AAPL"], interval=Interval.HOURLY)
    with pytest.raises(MissingDataError, match="no bars"):
        data.bars(["AAPL"], "2024-01-01")
