"""The in-memory frames provider: stamps, derived OHLC, checks, benchmark, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradewind.data.frames import FramesData, bar_stamps
from tradewind.domain.errors import (
    DuplicateTimestampError,
    ImplausibleJumpError,
    MissingDataError,
    StaleDataError,
)
from tradewind.domain.market import MarketData


def closes_frame(days: int = 6, start: str = "2024-03-07") -> pd.DataFrame:
    index = pd.bdate_range(start, periods=days)
    return pd.DataFrame(
        {"AAA": 100.0 + np.arange(days), "BBB": 50.0 - 0.5 * np.arange(days)}, index=index
    )


# --- stamps ---------------------------------------------------------------------------------
def test_naive_dates_are_stamped_at_16_new_york_in_utc_across_dst() -> None:
    # 2024-03-08 is EST (UTC-5), 2024-03-11 is EDT (UTC-4)
    stamps = bar_stamps(pd.DatetimeIndex(["2024-03-08", "2024-03-11"]))

    assert str(stamps.tz) == "UTC"
    assert stamps.unit == "ns"
    assert list(stamps) == [
        pd.Timestamp("2024-03-08 21:00", tz="UTC"),
        pd.Timestamp("2024-03-11 20:00", tz="UTC"),
    ]


def test_non_session_dates_keep_their_date_at_16_new_york() -> None:
    # 2024-07-04 (holiday) and 2023-11-24 (an early close) are stamped like any date
    stamps = bar_stamps(pd.DatetimeIndex(["2024-07-04", "2023-11-24"]))

    local = stamps.tz_convert("America/New_York")
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local] == ["2024-07-04 16:00", "2023-11-24 16:00"]


def test_tz_aware_timestamps_are_kept_as_instants() -> None:
    index = pd.DatetimeIndex(["2024-01-02 10:30", "2024-01-02 11:30"]).tz_localize(
        "America/New_York"
    )

    stamps = bar_stamps(index)

    assert (stamps == index).all()
    assert str(stamps.tz) == "UTC"


def test_naive_index_with_a_time_of_day_is_refused() -> None:
    with pytest.raises(ValueError, match="naive index must hold dates"):
        bar_stamps(pd.DatetimeIndex(["2024-01-02 10:30"]))


def test_non_datetime_index_is_refused() -> None:
    with pytest.raises(ValueError, match="indexed by dates"):
        FramesData(pd.DataFrame({"AAA": [1.0, 2.0]}))


def test_empty_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="rows and columns"):
        FramesData(pd.DataFrame({"AAA": []}, index=pd.DatetimeIndex([])))


# --- the protocol -----------------------------------------------------------------------------
def test_it_is_market_data_and_serves_derived_ohlc() -> None:
    provider = FramesData(closes_frame(), name="demo")

    bars = provider.bars(["AAA", "BBB"])

    assert isinstance(provider, MarketData)
    assert bars.source == "demo"
    assert bars.derived_ohlc == frozenset({"AAA", "BBB"})
    frame = bars["AAA"]
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    np.testing.assert_array_equal(frame["close"], 100.0 + np.arange(6))
    np.testing.assert_array_equal(frame["open"].iloc[1:], frame["close"].iloc[:-1])
    assert frame["volume"].isna().all()
    assert frame.index.name == "timestamp"


def test_windows_are_inclusive_instants() -> None:
    provider = FramesData(closes_frame())
    stamps = provider.closes.index

    bars = provider.bars(["AAA"], stamps[1], stamps[3])

    assert list(bars["AAA"].index) == list(stamps[1:4])


def test_latest_prices_never_look_ahead() -> None:
    provider = FramesData(closes_frame())
    stamps = provider.closes.index

    just_before = provider.latest_prices(["AAA", "BBB"], stamps[2] - pd.Timedelta(1, "ns"))
    at = provider.latest_prices(["AAA", "BBB"], stamps[2])

    assert just_before.to_dict() == {"AAA": 101.0, "BBB": 49.5}
    assert at.to_dict() == {"AAA": 102.0, "BBB": 49.0}


def test_missing_values_are_days_without_a_bar() -> None:
    closes = closes_frame()
    closes.loc[closes.index[:2], "BBB"] = np.nan  # listed later

    bars = FramesData(closes).bars(["AAA", "BBB"])

    assert len(bars["AAA"]) == 6
    assert len(bars["BBB"]) == 4
    assert bars["BBB"]["open"].iloc[0] == bars["BBB"]["close"].iloc[0]


def test_unknown_symbol_names_what_is_served() -> None:
    with pytest.raises(MissingDataError, match="AAA, BBB"):
        FramesData(closes_frame()).bars(["ZZZ"])


def test_no_vix_and_no_benchmark_unless_given() -> None:
    provider = FramesData(closes_frame())

    with pytest.raises(MissingDataError, match="no VIX"):
        provider.vix()
    with pytest.raises(MissingDataError, match="no benchmark"):
        provider.benchmark()


def test_benchmark_is_served_and_listed_under_its_name() -> None:
    closes = closes_frame()
    index_level = pd.Series(4000.0 + np.arange(6), index=closes.index, name="SPX")

    provider = FramesData(closes, benchmark=index_level)
    served = provider.benchmark()

    assert provider.available_symbols() == ["AAA", "BBB", "SPX"]
    assert served.name == "SPX"
    np.testing.assert_array_equal(served.to_numpy(), index_level.to_numpy())
    assert (served.index == provider.closes.index).all()


def test_unnamed_benchmark_and_name_clash() -> None:
    closes = closes_frame()
    level = pd.Series(1.0 + np.arange(6), index=closes.index)

    assert FramesData(closes, benchmark=level).benchmark_symbol == "BENCHMARK"
    with pytest.raises(ValueError, match="also a column"):
        FramesData(closes, benchmark=level.rename("AAA"))


# --- data checks --------------------------------------------------------------------------------
def test_data_checks_run_on_every_window() -> None:
    closes = closes_frame()
    closes.iloc[3, 0] = 1000.0

    with pytest.raises(ImplausibleJumpError):
        FramesData(closes).bars(["AAA"])
    assert len(FramesData(closes, max_move=20.0).bars(["AAA"])["AAA"]) == 6


def test_stale_check_follows_its_threshold() -> None:
    closes = closes_frame(days=12)
    closes["AAA"] = 100.0

    with pytest.raises(StaleDataError):
        FramesData(closes).bars(["AAA"])
    assert len(FramesData(closes, stale_bars=None).bars(["AAA"])["AAA"]) == 12


def test_duplicate_dates_are_a_data_error() -> None:
    closes = closes_frame()
    closes.index = closes.index[[0, 1, 1, 3, 4, 5]]

    with pytest.raises(DuplicateTimestampError):
        FramesData(closes).bars(["AAA"])


def test_non_string_columns_become_symbols() -> None:
    closes = closes_frame()
    closes.columns = [1, 2]

    provider = FramesData(closes)

    assert provider.available_symbols() == ["1", "2"]
    assert provider.bars(["2"])["2"]["close"].iloc[0] == 50.0


def test_a_symbol_named_twice_is_refused_when_built() -> None:
    days = pd.bdate_range("2024-01-02", periods=3)
    for names in (["AAA", "BBB", "AAA"], [1, "1"]):  # 1 and "1" are both served as "1"
        closes = pd.DataFrame(np.ones((3, len(names))), index=days, columns=names)
        with pytest.raises(ValueError, match=f"{str(names[-1])!r} as the name of several columns"):
            FramesData(closes)
