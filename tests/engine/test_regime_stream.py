"""A backtest's regime decisions streamed from a forked child: the same readings, the same series.

:class:`StreamedRegime` serves each bar's decision while a child is still computing the later
ones; every reading must equal :class:`ScheduledRegime`'s over the finished series, whatever
the timing, and the finished series must be the batch detector's, bit for bit.
"""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest

from tradewind.config import TradewindConfig
from tradewind.data import get_market_data
from tradewind.domain.market import BarSet, VixSeries
from tradewind.engine.feed import MarketFeed
from tradewind.engine.regime_hooks import ScheduledRegime
from tradewind.engine.regime_stream import StreamedRegime
from tradewind.regime.hmm import HMMDetector
from tradewind.regime.series_cache import RegimeSeries

END = "2003-12-31"

FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")
"""Forced forks (``fork=True``) run here even with other threads alive (the test runner's)."""


@pytest.fixture(scope="module")
def market() -> tuple[pd.DataFrame, VixSeries, bool, BarSet]:
    """The bundled S&P 500, VIX and one stock to 2003 (VIX gaps included)."""
    cfg = TradewindConfig.model_validate({"data": {"source": "bundled"}})
    provider = get_market_data(cfg)
    name = cfg.data.benchmark
    bars = provider.bars([name], None, END)
    vix = provider.vix(None, END)
    stock = provider.bars(["KO"], "1999-01-01", END)
    return bars[name], vix, name in bars.derived_ohlc, stock


def _detector() -> HMMDetector:
    return HMMDetector(train_days=1000, min_train_days=300, refit_days=40, max_iter=30)


@pytest.mark.parametrize("fork", [True, False])
def test_streamed_readings_are_the_finished_series_readings(
    market: tuple[pd.DataFrame, VixSeries, bool, BarSet], fork: bool
) -> None:
    if fork and not FORKS:
        pytest.skip("streaming needs os.fork (Linux)")
    bars, vix, close_only, stock = market
    feed = MarketFeed(stock, None, None)
    det = _detector()
    expected = RegimeSeries(
        det.detect_series(bars, vix, close_only=close_only), det.recorded_features
    )
    scheduled = ScheduledRegime(expected.decisions, expected.features)
    kept: list[RegimeSeries] = []
    streamed = StreamedRegime(
        _detector(), bars, vix, close_only=close_only, keep=kept.append, fork=fork
    )
    assert streamed.streamed is fork
    compared = 0
    try:
        for row, t in enumerate(feed.index):
            feed.advance(t)
            assert streamed.update(feed) == scheduled.update(feed)
            compared += 1
            if row % 7 == 0:  # how long the regime holds, asked ahead of the decisions made
                for limit in (0, 5, 40):
                    got = streamed.same_rows(feed.stamps, row, limit)
                    assert got == scheduled.same_rows(feed.stamps, row, limit), (row, limit)
    finally:
        series = streamed.finish()
    assert compared == len(feed.index) > 1000
    assert [s is series for s in kept] == [True]  # handed over once
    pd.testing.assert_frame_equal(series.decisions, expected.decisions, check_exact=True)
    assert series.features == expected.features
    streamed.finish()
    assert len(kept) == 1


def test_a_run_that_fails_stops_the_child(
    market: tuple[pd.DataFrame, VixSeries, bool, BarSet],
) -> None:
    if not FORKS:
        pytest.skip("streaming needs os.fork (Linux)")
    bars, vix, close_only, stock = market
    feed = MarketFeed(stock, None, None)
    kept: list[RegimeSeries] = []
    streamed = StreamedRegime(
        _detector(), bars, vix, close_only=close_only, keep=kept.append, fork=True
    )
    feed.advance(feed.index[10])
    streamed.update(feed)
    pid = streamed._child.pid  # noqa: SLF001 - the child's id, to see it gone
    assert pid is not None
    os.kill(pid, 0)  # still computing
    streamed.close()  # what the runner does when the run raises
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped and reaped
    assert kept == []
