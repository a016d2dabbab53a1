"""NYSE calendar facts: holidays, early closes, DST and hours, all tz-aware."""

from __future__ import annotations

import pandas as pd
import pytest

from tradewind.calendar import nyse


def test_independence_day_is_closed() -> None:
    cal = nyse()
    assert not cal.is_session("2024-07-04")
    assert "2024-07-04" in cal.holidays("2024-07-01", "2024-07-31").strftime("%Y-%m-%d")
    assert not cal.is_open("2024-07-04 15:00:00+00:00")


def test_day_after_thanksgiving_closes_at_1pm_eastern() -> None:
    cal = nyse()
    close = cal.session_close("2024-11-29")
    assert close == pd.Timestamp("2024-11-29 13:00", tz="America/New_York")
    assert cal.is_early_close("2024-11-29")
    assert not cal.is_early_close("2024-11-27")
    assert cal.is_open(pd.Timestamp("2024-11-29 12:59", tz="America/New_York"))
    assert not cal.is_open(pd.Timestamp("2024-11-29 13:30", tz="America/New_York"))


def test_regular_hours_are_930_to_1600_eastern() -> None:
    cal = nyse()
    assert cal.session_open("2024-06-03") == pd.Timestamp("2024-06-03 09:30", tz="America/New_York")
    assert cal.session_close("2024-06-03") == pd.Timestamp(
        "2024-06-03 16:00", tz="America/New_York"
    )
    assert not cal.is_open(pd.Timestamp("2024-06-03 09:29", tz="America/New_York"))
    assert cal.is_open(pd.Timestamp("2024-06-03 09:30", tz="America/New_York"))


def test_dst_change_moves_the_close_in_utc_not_in_eastern() -> None:
    cal = nyse()
    before = cal.session_close("2024-03-08")  # EST, UTC-5
    after = cal.session_close("2024-03-11")  # EDT, UTC-4 (DST began 2024-03-10)
    assert before.hour == after.hour == 16
    assert before.tz_convert("UTC").hour == 21
    assert after.tz_convert("UTC").hour == 20


def test_next_open_skips_holiday_and_weekend() -> None:
    cal = nyse()
    # Wednesday 2024-07-03 after the (early) close -> Friday 2024-07-05 open
    assert cal.next_open("2024-07-03 20:00:00+00:00") == pd.Timestamp(
        "2024-07-05 09:30", tz="America/New_York"
    )
    # Friday evening -> Monday
    assert cal.next_open(pd.Timestamp("2024-06-07 17:00", tz="America/New_York")) == pd.Timestamp(
        "2024-06-10 09:30", tz="America/New_York"
    )
    assert cal.next_close(pd.Timestamp("2024-06-07 10:00", tz="America/New_York")) == pd.Timestamp(
        "2024-06-07 16:00", tz="America/New_York"
    )


def test_answers_are_tz_aware() -> None:
    cal = nyse()
    for ts in (
        cal.session_close("2024-01-02"),
        cal.session_open("2024-01-02"),
        cal.next_open("2024-01-02"),
    ):
        assert ts.tzinfo is not None


def test_2024_has_252_sessions_and_ten_holidays() -> None:
    cal = nyse()
    assert len(cal.sessions("2024-01-01", "2024-12-31")) == 252
    assert len(cal.holidays("2024-01-01", "2024-12-31")) == 10
    assert list(cal.early_closes("2024-01-01", "2024-12-31").strftime("%m-%d")) == [
        "07-03",
        "11-29",
        "12-24",
    ]


def test_hourly_bars_end_on_the_hour_half_and_at_the_close() -> None:
    cal = nyse()
    ends = cal.hourly_bar_ends("2024-06-03").tz_convert("America/New_York")
    assert list(ends.strftime("%H:%M")) == [
        "10:30",
        "11:30",
        "12:30",
        "13:30",
        "14:30",
        "15:30",
        "16:00",
    ]
    short = cal.hourly_bar_ends("2024-11-29").tz_convert("America/New_York")
    assert list(short.strftime("%H:%M")) == ["10:30", "11:30", "12:30", "13:00"]


def test_session_closes_vectorised_and_refuses_non_sessions() -> None:
    cal = nyse()
    closes = cal.session_closes(pd.DatetimeIndex(["2024-11-27", "2024-11-29"]))
    assert list(closes.strftime("%H:%M")) == ["21:00", "18:00"]
    with pytest.raises(KeyError, match="2024-11-28"):
        cal.session_closes(pd.DatetimeIndex(["2024-11-28"]))
