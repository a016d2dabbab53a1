"""The bars as traded and the corporate actions a wall-clock simulated run asks of its data
(:class:`~tradewind.data.traded.TradedSource`): from the raw cache of yfinance; none from a
source whose bars come adjusted (Webull)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fake_webull import FakeWebull
from fake_yahoo import FakeYahoo
from market_truth import Truth
from providerkit import Clock, LiveFactory
from test_webull import webull

from tradewind.data.providers.yahoo import YahooProvider
from tradewind.data.traded import NOTHING_TRADED, TradedSource
from tradewind.domain.actions import CorporateAction

NY = "America/New_York"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)  # the Webull SDK passes them, ignores NO_PROXY


def _close(day: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} 16:00", tz=NY).tz_convert("UTC")


def test_yahoo_gives_the_raw_closes_and_the_truths_splits_and_dividends(
    yahoo: FakeYahoo, yahoo_provider: YahooProvider, make_live: LiveFactory, truth: Truth
) -> None:
    truth.add_dividend("MSFT", "2024-02-14", 0.75)
    truth.add_split("AAPL", "2024-06-10", 4.0)
    truth.add_dividend("AAPL", "2024-06-10", 0.25)  # same day: per new share
    truth.add_dividend("MSFT", "2024-06-27", 1.10)
    live = make_live({"yfinance": yahoo_provider}, Clock("2024-06-28 08:00"))
    assert isinstance(live, TradedSource)
    start = pd.Timestamp("2024-01-02", tz="UTC")
    adjusted = live.bars(["AAPL", "MSFT"], start)
    traded = live.traded(["AAPL", "MSFT"], start)

    assert traded.bars is not None
    for symbol in ("AAPL", "MSFT"):
        frame = traded.bars[symbol]
        assert frame.index.equals(adjusted[symbol].index)  # the same rows, the same stamps
        raw = truth.upto(symbol, pd.Timestamp("2024-06-27"))
        raw = raw.loc[raw.index >= pd.Timestamp("2024-01-02")]
        for column in ("open", "high", "low", "close"):
            np.testing.assert_allclose(frame[column].to_numpy(), raw[column].to_numpy(), rtol=1e-9)
    assert not np.allclose(traded.bars["MSFT"]["close"], adjusted["MSFT"]["close"])
    # every action of the cached history (the window cuts bars, not the account's events)
    assert [a.to_json() for a in traded.actions] == [
        a.to_json()
        for a in (
            CorporateAction(
                "MSFT", pd.Timestamp("2024-02-14").date(), _close("2024-02-14"), 1.0, 0.75
            ),
            CorporateAction(
                "AAPL", pd.Timestamp("2024-06-10").date(), _close("2024-06-10"), 4.0, 0.25
            ),
            CorporateAction(
                "MSFT", pd.Timestamp("2024-06-27").date(), _close("2024-06-27"), 1.0, 1.10
            ),
        )
    ]
    for got, want in zip(traded.actions, (0.75, 0.25, 1.10), strict=True):
        assert got.dividend == pytest.approx(want, rel=1e-9)


def test_webull_bars_come_adjusted_so_there_is_nothing_traded(
    truth: Truth, make_live: LiveFactory, tmp_path: Path
) -> None:
    truth.add_dividend("AAPL", "2024-06-26", 0.5)
    with FakeWebull(truth, "2024-06-27") as server:
        live = make_live({"webull": webull(server, tmp_path)}, Clock("2024-06-27 18:00"))
        live.bars(["AAPL"])
        assert live.traded(["AAPL"]) == NOTHING_TRADED
