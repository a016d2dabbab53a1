"""The stale-data rule of the trading service's data gate: one interval plus the publication
delay, both sides of each boundary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import nyse
from tradewind.data.freshness import Freshness, infer_interval
from tradewind.domain.market import BarSet
from tradewind.domain.types import Interval
from tradewind.engine.feed import MarketFeed
from tradewind.service.datagate import check_data

NY = "America/New_York"
RULE = Freshness(pd.Timedelta(minutes=30))


def et(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=NY).tz_convert("UTC")


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2024-06-25 10:30", "2024-06-24 16:00"),  # Tuesday morning: Monday's close
        ("2024-06-25 16:29", "2024-06-24 16:00"),  # within the delay after the close
        ("2024-06-25 16:30", "2024-06-25 16:00"),  # the delay is over: Tuesday's close
        ("2024-06-29 12:00", "2024-06-28 16:00"),  # Saturday: Friday's
        ("2024-07-05 10:00", "2024-07-03 13:00"),  # after the holiday: the early close
    ],
)
def test_the_daily_bar_due(now: str, due: str) -> None:
    assert RULE.due(et(now), Interval.DAILY) == et(due)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2024-06-25 10:59", "2024-06-24 16:00"),  # the 10:30 bar is not due until 11:00
        ("2024-06-25 11:00", "2024-06-25 10:30"),
        ("2024-06-25 15:59", "2024-06-25 14:30"),
        ("2024-06-25 16:00", "2024-06-25 15:30"),
        ("2024-06-25 16:30", "2024-06-25 16:00"),  # closed: the close
    ],
)
def test_the_hourly_bar_due(now: str, due: str) -> None:
    assert RULE.due(et(now), Interval.HOURLY) == et(due)


def test_hourly_bars_are_inferred_from_the_index() -> None:
    daily = nyse().session_closes(nyse().sessions("2024-06-03", "2024-06-28"))
    hourly = pd.DatetimeIndex(
        [t for d in nyse().sessions("2024-06-24", "2024-06-28") for t in nyse().hourly_bar_ends(d)]
    )
    assert infer_interval(daily) is Interval.DAILY
    assert infer_interval(hourly) is Interval.HOURLY


def feed_until(last: str) -> MarketFeed:
    days = nyse().sessions("2024-05-01", last)
    stamps = nyse().session_closes(days)
    closes = np.linspace(100, 110, len(days))
    frame = pd.DataFrame(
        {"open": closes, "high": closes, "low": closes, "close": closes, "volume": 1.0},
        index=pd.DatetimeIndex(stamps, name="timestamp"),
    )
    return MarketFeed(BarSet({"AAA": frame, "BBB": frame * 1.5}))


def test_the_gate_blocks_once_the_next_bar_is_overdue_and_not_before() -> None:
    ok = check_data(feed_until("2024-06-24"), et("2024-06-25 16:29"), None, RULE)
    late = check_data(feed_until("2024-06-24"), et("2024-06-25 16:30"), None, RULE)
    assert ok.ok
    assert not late.ok
    assert "stale prices" in late.message and "2024-06-25T20:00:00+00:00 is due" in late.message


def test_without_the_rule_only_the_age_limit_applies() -> None:
    verdict = check_data(feed_until("2024-06-24"), et("2024-06-27 10:00"), None, None)
    assert verdict.ok
