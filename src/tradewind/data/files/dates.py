"""Dates and times in price files, turned into bar-end timestamps (UTC).

* Dates only (or every row on a different date): daily bars, stamped at the NYSE session close of
  their date as written (13:00 New York on early closes, 16:00 New York on dates that are not
  sessions). A time or offset written next to a daily date does not move it to another date:
  ``2024-01-02T00:00:00Z`` and ``2024-01-02 00:00:00-05:00`` are both the 2024-01-02 bar.
* Several rows on one date, with times: intraday bars; the times are bar *ends*, in New York time
  unless they carry an offset (``Z``, ``UTC``, ``-05:00``). Only hourly bars are supported.
* ISO dates are read first; other layouts are read with one format inferred from the first such
  cell (``01/02/2024`` is January 2).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from tradewind.calendar import EASTERN, nyse
from tradewind.data.files.errors import Reporter
from tradewind.domain.arrays import IntArray
from tradewind.domain.types import Interval

_TZ = re.compile(r"^(?P<wall>.*\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})$")


def parse_stamps(
    cells: pd.Series, lines: IntArray, report: Reporter
) -> tuple[pd.DatetimeIndex, Interval] | None:
    """Bar-end timestamps (UTC) and the interval, or None after reporting the problem."""
    wall, offset = parse_wall(cells)
    bad = wall.isna().to_numpy()
    if bad.any():
        first = str(cells.iloc[int(np.argmax(bad))])
        report.add(
            "error",
            "bad_date",
            f"date {first!r} cannot be read",
            "write dates as YYYY-MM-DD (times as YYYY-MM-DD HH:MM, New York time)",
            lines[bad],
        )
        return None
    aware = offset.notna().to_numpy()
    if aware.any() and not aware.all():
        report.add(
            "error",
            "bad_date",
            "some times carry a UTC offset and some do not",
            "give every time an offset (e.g. -05:00), or none (New York time)",
            lines[~aware],
        )
        return None
    days = pd.DatetimeIndex(wall).normalize()
    timed = (pd.DatetimeIndex(wall) != days).any()
    if timed and pd.Index(days).duplicated().any():
        return _intraday(pd.DatetimeIndex(wall), offset, bool(aware.any()), lines, report)
    dup = pd.Index(days).duplicated(keep=False)
    if dup.any():
        report.add(
            "error",
            "duplicate_date",
            f"date {days[int(np.argmax(dup))].date()} appears more than once",
            "keep one row per date",
            lines[dup],
        )
        return None
    try:
        index = session_stamps(days)
    except ValueError as exc:
        report.add(
            "error",
            "bad_date",
            f"dates outside the NYSE calendar ({exc})",
            f"keep dates from {nyse().first_session.date()} to the present",
            [],
        )
        return None
    return index, Interval.DAILY


def session_stamps(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Daily bar-end stamps (UTC): each date's NYSE session close, 16:00 New York otherwise.

    The same rule as :func:`tradewind.data.bundled.stamp`, without its log line (files report
    dates that are not sessions as warnings with their line numbers instead).
    """
    days = pd.DatetimeIndex(days).normalize().as_unit("ns")
    sessions = nyse().sessions(days.min(), days.max())
    on = days.isin(sessions)
    stamps = pd.Series(pd.NaT, index=days, dtype="datetime64[ns, UTC]")
    stamps[on] = nyse().session_closes(days[on]).as_unit("ns")
    off = days[~on]
    stamps[~on] = (off + pd.Timedelta(hours=16)).tz_localize(EASTERN).tz_convert("UTC")
    return pd.DatetimeIndex(stamps, name="timestamp")


def parse_wall(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wall-clock times as written (naive) and their UTC offset in minutes (NaN if none)."""
    if isinstance(cells.dtype, pd.DatetimeTZDtype):
        wall = cells.dt.tz_localize(None)
        utc = cells.dt.tz_convert("UTC").dt.tz_localize(None)
        offset = (wall - utc).dt.total_seconds() / 60.0
        return wall.astype("datetime64[ns]"), offset
    nan = pd.Series(np.nan, index=cells.index)
    if pd.api.types.is_datetime64_dtype(cells.dtype):
        return cells.astype("datetime64[ns]"), nan
    text = cells.astype(object).where(cells.notna(), "").astype(str).str.strip()
    parts = text.str.extract(_TZ)
    wall_text = parts["wall"].fillna(text)
    wall = pd.to_datetime(wall_text, format="ISO8601", errors="coerce")
    retry = wall.isna() & wall_text.ne("")
    if retry.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            wall = wall.astype("datetime64[ns]")
            wall[retry] = pd.to_datetime(wall_text[retry], errors="coerce")
    offset = parts["tz"].map(_offset_minutes, na_action="ignore").astype(float)
    return wall.astype("datetime64[ns]"), offset


def _offset_minutes(tz: str) -> float:
    if tz in ("Z", "UTC"):
        return 0.0
    sign = -1.0 if tz[0] == "-" else 1.0
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:]))


def _intraday(
    wall: pd.DatetimeIndex,
    offset: pd.Series,
    aware: bool,
    lines: IntArray,
    report: Reporter,
) -> tuple[pd.DatetimeIndex, Interval] | None:
    if aware:
        shift = pd.to_timedelta(offset.to_numpy(), unit="min")
        index = (wall - shift).tz_localize("UTC")
    else:
        index = wall.tz_localize(EASTERN, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
        bad = index.isna()
        if bad.any():
            report.add(
                "error",
                "bad_date",
                "time does not exist or is ambiguous in New York (daylight-saving change)",
                "give times a UTC offset, e.g. 2024-03-10 10:30-04:00",
                lines[bad],
            )
            return None
    dup = index.duplicated(keep=False)
    if dup.any():
        report.add(
            "error",
            "duplicate_date",
            f"time {index[int(np.argmax(dup))].isoformat()} appears more than once",
            "keep one row per bar",
            lines[dup],
        )
        return None
    ordered = index.sort_values()
    same_day = ordered[1:].tz_convert(EASTERN).date == ordered[:-1].tz_convert(EASTERN).date
    steps = pd.Series((ordered[1:] - ordered[:-1])[same_day])
    usual = steps.mode()
    if len(usual) and usual.iloc[0] != pd.Timedelta(hours=1):
        report.add(
            "error",
            "layout",
            f"intraday bars are {usual.iloc[0]} apart; only daily and hourly bars are supported",
            "resample to hourly bars stamped at each hour's end (10:30 ... 16:00 New York)",
            [],
        )
        return None
    return pd.DatetimeIndex(index.as_unit("ns"), name="timestamp"), Interval.HOURLY
