"""Clocks: where the engine's notion of "now" comes from. Nothing else in the engine reads time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pandas as pd


class Clock(Protocol):
    """The engine's only source of time."""

    def now(self) -> pd.Timestamp:
        """The current instant (tz-aware UTC)."""
        ...


class ReplayClock:
    """A clock that steps through given timestamps (a backtest or an accelerated replay).

    Parameters
    ----------
    times
        Increasing tz-aware timestamps, usually the bar stamps of the replayed sessions.
    """

    def __init__(self, times: pd.DatetimeIndex) -> None:
        if times.tz is None:
            raise ValueError("ReplayClock needs tz-aware timestamps")
        if not times.is_monotonic_increasing:
            raise ValueError("ReplayClock timestamps must increase")
        self._times = times.tz_convert("UTC")
        self._i = -1
        self._now: pd.Timestamp | None = None

    def now(self) -> pd.Timestamp:
        """The current replay instant; before the first tick, one nanosecond before the start."""
        if self._now is None:
            return self._times[0] - pd.Timedelta(1, "ns")
        return self._now

    @property
    def position(self) -> int:
        """Index of the current tick (-1 before the first)."""
        return self._i

    def __len__(self) -> int:
        return len(self._times)

    def ticks(self) -> Iterator[pd.Timestamp]:
        """Advance through every remaining timestamp, yielding each as it becomes "now"."""
        start = self._i + 1
        # iterating boxes the stamps in chunks: far cheaper than indexing one at a time
        for i, t in enumerate(self._times[start:], start):
            self._i, self._now = i, t
            yield t


class WallClock:
    """The real time, for paper and live trading."""

    def now(self) -> pd.Timestamp:
        """Current UTC time."""
        return pd.Timestamp.now(tz="UTC")
