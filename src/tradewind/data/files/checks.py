"""Whole-history checks of a parsed price file: calendar coverage, age, length, jumps, flat runs.

==================  ========================================  =================================
check               warning                                   error
==================  ========================================  =================================
calendar gaps       sessions missing between first and last   a run longer than
                    date                                      ``max_gap_sessions``
non-sessions        dates the NYSE was closed (kept, stamped  never
                    16:00 New York)
last date           older than ``warn_age``                   older than ``max_last_age``
history length      never                                     fewer than ``min_bars`` sessions
jumps               never                                     a close-to-close move beyond
                                                              ``max_move`` (unadjusted split?)
likely splits       a close ratio near 1/2, 1/3, 2, 3 ... in  never
                    a calm series (:mod:`tradewind.data.
                    splits`), within ``max_move``
flat runs           every run of ``stale_bars`` equal closes  never (windows over them are
                    (windows over them are refused)           refused by the data checks)
==================  ========================================  =================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from tradewind.calendar import EASTERN, nyse
from tradewind.data.checks import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_MOVE,
    DEFAULT_STALE_BARS,
    STALE_FIX,
    describe_runs,
    stale_runs,
)
from tradewind.data.files.errors import Reporter, Severity
from tradewind.data.files.reader import Parsed
from tradewind.data.splits import FIX as SPLIT_FIX
from tradewind.data.splits import find_splits


@dataclass(frozen=True)
class Limits:
    """Thresholds of the whole-history checks (see the module docstring)."""

    max_move: float = DEFAULT_MAX_MOVE
    stale_bars: int | None = DEFAULT_STALE_BARS
    max_gap_sessions: int = 10
    warn_age: timedelta = DEFAULT_MAX_AGE
    max_last_age: timedelta | None = None
    lookback_days: int | None = None


@dataclass(frozen=True)
class Coverage:
    """How a series covers the NYSE sessions between its first and last date."""

    sessions: int
    missing: int
    longest_gap: int
    gap_start: pd.Timestamp | None = None
    gap_end: pd.Timestamp | None = None


def check_history(
    parsed: Parsed, limits: Limits, today: pd.Timestamp, *, prices: bool = True
) -> Coverage | None:
    """Add the whole-history problems of ``parsed`` to its list; its calendar coverage.

    ``prices=False`` (a VIX file) reports gaps as warnings only and skips the price checks.
    """
    frame = parsed.frame
    if frame is None or frame.empty:
        return None
    report = Reporter(parsed)
    stamps = pd.DatetimeIndex(frame.index)
    days = stamps.tz_convert(EASTERN).tz_localize(None).normalize()
    coverage = _coverage(days, parsed, limits, report, errors=prices)
    _check_age(frame.index[-1], limits, today, report)
    if not prices:
        return coverage
    _check_length(days, limits, report)
    _check_jumps(frame["close"].to_numpy(dtype=float), frame.index, parsed, limits, report)
    _check_splits(frame["close"].to_numpy(dtype=float), frame.index, parsed, limits, report)
    if limits.stale_bars is not None:
        closes = frame["close"].to_numpy(dtype=float)
        runs = stale_runs(closes, limits.stale_bars)
        if runs:
            report.add(
                "warning",
                "stale",
                f"{describe_runs(frame.index, closes, runs)}; the limit is {limits.stale_bars} "
                "bars (data.stale_bars), so windows over these bars are refused",
                f"check the source; {STALE_FIX}",
                [int(parsed.lines[first]) for first, _ in runs],
            )
    return coverage


def _coverage(
    days: pd.DatetimeIndex, parsed: Parsed, limits: Limits, report: Reporter, *, errors: bool
) -> Coverage:
    unique = days.unique()
    sessions = nyse().sessions(unique[0], unique[-1])
    off = ~days.isin(sessions)
    if off.any() and parsed.interval.value == "1d":
        first = ", ".join(d.date().isoformat() for d in days[off][:3])
        report.add(
            "warning",
            "off_session",
            f"dates that are not NYSE sessions (first {first}); kept, stamped 16:00 New York",
            "remove them if they are not real trading days",
            parsed.lines[off],
        )
    missing_mask = ~sessions.isin(unique)
    missing = int(missing_mask.sum())
    if not missing:
        return Coverage(len(sessions), 0, 0)
    runs = _runs(missing_mask)
    start, length = max(runs, key=lambda r: r[1])
    gap_start, gap_end = sessions[start], sessions[start + length - 1]
    span = f"{gap_start.date()}..{gap_end.date()}"
    too_long = length > limits.max_gap_sessions
    severity: Severity = "error" if errors and too_long else "warning"
    report.add(
        severity,
        "gap",
        f"{missing} NYSE session(s) missing between the first and last date; longest run "
        f"{length} session(s), {span} (limit {limits.max_gap_sessions})",
        "add the missing rows, start the file after the gap, or raise data.files.max_gap_sessions"
        if too_long
        else "",
        [],
    )
    return Coverage(len(sessions), missing, length, gap_start, gap_end)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _check_age(last: pd.Timestamp, limits: Limits, today: pd.Timestamp, report: Reporter) -> None:
    age = today - last
    if age <= limits.warn_age:
        return
    days = age.days
    if limits.max_last_age is not None and age > limits.max_last_age:
        report.add(
            "error",
            "stale",
            f"last bar {last.date()} is {days} days old "
            f"(limit data.files.max_last_age_days = {limits.max_last_age.days})",
            "update the file, or raise data.files.max_last_age_days",
            [],
        )
        return
    report.add(
        "warning",
        "stale",
        f"last bar {last.date()} is {days} days old: fine for backtests, not for trading",
        "",
        [],
    )


def _check_length(days: pd.DatetimeIndex, limits: Limits, report: Reporter) -> None:
    if limits.lookback_days is None:
        return
    have, need = len(days.unique()), limits.lookback_days + 1
    if have < need:
        report.add(
            "error",
            "short_history",
            f"{have} sessions ({days[0].date()}..{days[-1].date()}); "
            f"portfolio_optimization.lookback_days = {limits.lookback_days} needs at least {need}",
            "add older rows, or lower portfolio_optimization.lookback_days",
            [],
        )


def _check_jumps(
    closes: np.ndarray, index: pd.Index, parsed: Parsed, limits: Limits, report: Reporter
) -> None:
    if len(closes) < 2:
        return
    move = np.zeros(len(closes))
    move[1:] = closes[1:] / closes[:-1] - 1.0
    jumps = np.abs(move) > limits.max_move
    if not jumps.any():
        return
    i = int(np.argmax(jumps))
    report.add(
        "error",
        "jump",
        f"close moved {move[i]:+.1%} from {closes[i - 1]:g} to {closes[i]:g} on "
        f"{pd.Timestamp(index[i]).tz_convert(EASTERN).date()} (limit +/-{limits.max_move:.0%})",
        "if it is a split, add an Adj Close column and keep data.adjust: true; "
        "if the move is real, raise data.max_daily_move",
        parsed.lines[jumps],
    )


def _check_splits(
    closes: np.ndarray, index: pd.Index, parsed: Parsed, limits: Limits, report: Reporter
) -> None:
    """Warn on each likely unadjusted split the jump check let through (one warning each)."""
    for suspect in find_splits(closes, index):
        if abs(suspect.ratio - 1.0) > limits.max_move:
            continue  # already refused as a jump
        report.add(
            "warning",
            "split",
            suspect.describe(),
            SPLIT_FIX,
            [int(parsed.lines[suspect.position])],
        )
