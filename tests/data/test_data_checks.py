"""Data checks: each defect raises its own typed error naming the symbol and the timestamp."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import nyse
from tradewind.data import BundledData, check_frame, check_fresh
from tradewind.domain.errors import (
    BadPriceError,
    DataError,
    DuplicateTimestampError,
    ImplausibleJumpError,
    NaNPriceError,
    StaleDataError,
    UnsortedTimestampError,
)

SYMBOL = "TEST"


def clean_frame(n: int = 6) -> pd.DataFrame:
    """``n`` consistent daily bars at real session closes, close rising 1 a day from 100."""
    index = nyse().session_closes(nyse().sessions("2021-03-01", "2021-04-30")[:n])
    close = 100.0 + np.arange(n)
    frame = pd.DataFrame(
        {
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
            "volume": np.full(n, 1e6),
        },
        index=pd.DatetimeIndex(index, name="timestamp"),
    )
    return frame


def with_value(column: str, row: int, value: float) -> pd.DataFrame:
    frame = clean_frame()
    frame.iloc[row, frame.columns.get_loc(column)] = value
    return frame


def assert_names(exc: DataError, frame: pd.DataFrame, row: int) -> None:
    when = frame.index[row]
    assert exc.symbol == SYMBOL
    assert exc.when == when
    assert SYMBOL in str(exc)
    assert when.isoformat() in str(exc)


def test_clean_frame_passes() -> None:
    check_frame(SYMBOL, clean_frame())


def test_nan_volume_is_allowed_as_unknown() -> None:
    check_frame(SYMBOL, with_value("volume", 3, np.nan))


@pytest.mark.parametrize("column", ["open", "high", "low", "close"])
def test_nan_price_raises_nan_price_error(column: str) -> None:
    frame = with_value(column, 2, np.nan)
    with pytest.raises(NaNPriceError) as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 2)


@pytest.mark.parametrize("value", [0.0, -5.0])
def test_non_positive_price_raises_bad_price_error(value: float) -> None:
    frame = clean_frame()
    frame.iloc[4, :4] = value
    with pytest.raises(BadPriceError, match="price <= 0") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 4)


def test_high_below_low_raises_bad_price_error() -> None:
    frame = with_value("high", 3, 90.0)  # low is 102
    with pytest.raises(BadPriceError, match="high below low") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 3)


def test_close_above_high_raises_bad_price_error() -> None:
    frame = with_value("close", 1, 150.0)
    with pytest.raises(BadPriceError, match=r"close outside \[low, high\]") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 1)


def test_close_below_low_raises_bad_price_error() -> None:
    frame = with_value("close", 5, 50.0)
    with pytest.raises(BadPriceError, match=r"close outside") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 5)


def test_open_outside_range_raises_bad_price_error() -> None:
    frame = with_value("open", 2, 99.0)  # low is 101
    with pytest.raises(BadPriceError, match=r"open outside") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 2)


def test_negative_volume_raises_bad_price_error() -> None:
    frame = with_value("volume", 4, -1.0)
    with pytest.raises(BadPriceError, match="negative volume") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 4)


def test_duplicate_timestamp_raises() -> None:
    frame = clean_frame()
    index = frame.index.tolist()
    index[3] = index[2]
    frame.index = pd.DatetimeIndex(index, name="timestamp")
    with pytest.raises(DuplicateTimestampError) as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 3)


def test_unsorted_timestamps_raise() -> None:
    frame = clean_frame()
    order = [0, 1, 3, 2, 4, 5]
    frame = frame.iloc[order]
    with pytest.raises(UnsortedTimestampError) as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 3)


def test_stale_run_raises_at_the_limit_and_not_below() -> None:
    frame = clean_frame(12)
    frame.iloc[2:6, :4] = 102.0  # four identical bars: rows 2..5
    check_frame(SYMBOL, frame, stale_bars=5)
    with pytest.raises(StaleDataError, match="unchanged at 102 for 4 bars") as info:
        check_frame(SYMBOL, frame, stale_bars=4)
    assert_names(info.value, frame, 5)
    assert frame.index[2].isoformat() in str(info.value)  # the run's start is named too


def test_stale_check_can_be_turned_off() -> None:
    frame = clean_frame(12)
    frame.iloc[:, :4] = 100.0
    check_frame(SYMBOL, frame, stale_bars=None)


def test_jump_beyond_limit_raises_and_the_limit_itself_passes() -> None:
    up = clean_frame()
    up.iloc[3, :4] = up["close"].iloc[2] * 1.76
    with pytest.raises(ImplausibleJumpError, match=r"\+76\.0%") as info:
        check_frame(SYMBOL, up)
    assert_names(info.value, up, 3)
    at_limit = clean_frame()
    at_limit.iloc[3:, :4] = at_limit["close"].iloc[2] * 0.5
    check_frame(SYMBOL, at_limit, max_move=0.5)


def test_crash_beyond_limit_raises() -> None:
    frame = clean_frame()
    frame.iloc[4:, :4] = frame["close"].iloc[3] * 0.2
    with pytest.raises(ImplausibleJumpError, match=r"-80\.0%") as info:
        check_frame(SYMBOL, frame)
    assert_names(info.value, frame, 4)


def test_naive_index_is_rejected() -> None:
    frame = clean_frame()
    frame.index = frame.index.tz_localize(None)
    with pytest.raises(DataError, match="tz-aware"):
        check_frame(SYMBOL, frame)


def test_missing_column_is_rejected() -> None:
    with pytest.raises(DataError, match="volume"):
        check_frame(SYMBOL, clean_frame().drop(columns="volume"))


def test_check_fresh_accepts_up_to_max_age_and_rejects_older() -> None:
    last = pd.Timestamp("2021-03-05 21:00", tz="UTC")
    check_fresh(SYMBOL, last, last + timedelta(days=5), timedelta(days=5))
    with pytest.raises(StaleDataError, match="5.0 days old") as info:
        check_fresh(SYMBOL, last, last + timedelta(days=5, seconds=1), timedelta(days=5))
    assert info.value.symbol == SYMBOL
    assert info.value.when == last
    assert last.isoformat() in str(info.value)


def test_check_fresh_rejects_a_bar_from_the_future() -> None:
    last = pd.Timestamp("2021-03-05 21:00", tz="UTC")
    with pytest.raises(DataError, match="after the as-of time"):
        check_fresh(SYMBOL, last, last - timedelta(minutes=1))


def test_checks_pass_clean_frames_of_8000_bars_by_20_symbols() -> None:
    # their speed is measured by bench/bench_data.py (make bench), not here
    rng = np.random.default_rng(0)
    index = pd.DatetimeIndex(
        pd.date_range("1990-01-01", periods=8000, freq="D", tz="UTC"), name="timestamp"
    )
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 8000)))
    frame = pd.DataFrame(
        {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": 1e6},
        index=index,
    )
    for i in range(20):
        check_frame(f"S{i}", frame)  # raises on any failed check
    frame.iloc[4000, 3] = -1.0
    with pytest.raises(DataError, match="S0"):
        check_frame("S0", frame)


@pytest.fixture(scope="module")
def bundled() -> BundledData:
    return BundledData()


def test_real_bundled_data_passes_every_check_from_1995(bundled: BundledData) -> None:
    for symbol in bundled.available_symbols():
        check_frame(symbol, bundled.history(symbol).loc["1995":])


def test_real_bundled_data_passes_over_its_whole_span_without_the_stale_run_check(
    bundled: BundledData,
) -> None:
    for symbol in bundled.available_symbols():
        check_frame(symbol, bundled.history(symbol), stale_bars=None)


def test_rounded_early_rrc_prices_are_what_the_stale_run_check_catches(
    bundled: BundledData,
) -> None:
    with pytest.raises(StaleDataError, match="RRC"):
        check_frame("RRC", bundled.history("RRC").loc[:"1994"])
