"""Clocks: where a run's notion of "now" comes from, and when its cycles happen.

Every run is driven by a clock; nothing else in the engine reads time. Two kinds exist:

* :class:`ReplayClock` steps through given timestamps: a backtest (as fast as possible), or a
  replay of history through the trading service, optionally paced in real time.
* :class:`SessionClock` is the wall clock during NYSE sessions: a cycle at the session's open
  plus whole multiples of the interval (9:30, 10:30, ... for an hour), never at or after the
  close (13:00 on early-close days), one at start-up if the market is open, and a
  :attr:`Tick.close` tick at each session's close.

Both yield :class:`Tick` objects from :meth:`schedule`, waiting in between through a
:class:`Waiter` the caller passes (the trading service's waits write heartbeats and stop on
SIGTERM); the backtest loop uses :meth:`ReplayClock.ticks`, the bare timestamps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from tradewind.calendar import MarketCalendar, nyse
from tradewind.domain.types import EXCHANGE_TZ


class Clock(Protocol):
    """The engine's only source of time."""

    def now(self) -> pd.Timestamp:
        """The current instant (tz-aware UTC)."""
        ...


class Waiter(Protocol):
    """Waits on behalf of a clock; both methods return False when a stop was requested."""

    def until(self, target: pd.Timestamp) -> bool:
        """Wait until ``target`` on the wall clock."""
        ...

    def seconds(self, seconds: float) -> bool:
        """Wait ``seconds`` of real time."""
        ...


@dataclass(frozen=True)
class Tick:
    """A moment a run acts at.

    Attributes
    ----------
    t
        The cycle's time (tz-aware UTC).
    next
        The next cycle's time when the schedule knows it: a failing cycle may be retried until
        then, not past it. None for replays (a replayed cycle is retried in place).
    close
        True for a session's close (not a cycle): orders still open may be canceled, and the
        day is summed up.
    session_end
        True for the last cycle of its session when no close tick follows (a replay, whose
        cycles are the bars themselves): the day is summed up after it.
    """

    t: pd.Timestamp
    next: pd.Timestamp | None = None
    close: bool = False
    session_end: bool = False


class ReplayClock:
    """A clock that steps through given timestamps (a backtest or a replay).

    Parameters
    ----------
    times
        Increasing tz-aware timestamps, usually the bar stamps of the replayed sessions.
    pause
        Real seconds to wait between replayed cycles in :meth:`schedule` (0: as fast as
        possible; a paced replay waits ``interval / speed``).
    """

    def __init__(self, times: pd.DatetimeIndex, pause: float = 0.0) -> None:
        if times.tz is None:
            raise ValueError("ReplayClock needs tz-aware timestamps")
        if not times.is_monotonic_increasing:
            raise ValueError("ReplayClock timestamps must increase")
        if pause < 0:
            raise ValueError(f"pause must be >= 0, was {pause}")
        self._times = times.tz_convert("UTC")
        self.pause = pause
        self._i = -1
        self._now: pd.Timestamp | None = None
        self._box: list[pd.Timestamp] | None = None

    def now(self) -> pd.Timestamp:
        """The current replay instant; before the first tick, one nanosecond before the start."""
        if self._now is None:
            return self._times[0] - pd.Timedelta(1, "ns")
        return self._now

    @property
    def position(self) -> int:
        """Index of the current tick (-1 before the first)."""
        return self._i

    @property
    def first(self) -> pd.Timestamp:
        """The first replayed time."""
        return self._times[0]

    @property
    def last(self) -> pd.Timestamp:
        """The last replayed time."""
        return self._times[-1]

    def __len__(self) -> int:
        return len(self._times)

    @property
    def times(self) -> pd.DatetimeIndex:
        """Every replayed time (UTC), in order."""
        return self._times

    def ticks(self) -> Iterator[pd.Timestamp]:
        """Advance through every remaining timestamp, yielding each as it becomes "now"
        (:meth:`take` may pass several of them meanwhile; the next one yielded follows them)."""
        boxed = self._boxed()
        while self._i + 1 < len(boxed):
            self._i += 1
            self._now = t = boxed[self._i]
            yield t

    def take(self, n: int) -> list[pd.Timestamp]:
        """The next ``n`` timestamps at once (fewer at the end), the last one becoming "now"."""
        boxed = self._boxed()
        start = self._i + 1
        taken = boxed[start : start + max(n, 0)]
        if taken:
            self._i = start + len(taken) - 1
            self._now = taken[-1]
        return taken

    def _boxed(self) -> list[pd.Timestamp]:
        """Every timestamp as a Timestamp, boxed once (indexing them one at a time is slow)."""
        if self._box is None:
            self._box = list(self._times)
        return self._box

    def start_after(self, last: pd.Timestamp | None) -> pd.Timestamp | None:
        """Skip the ticks at or before ``last`` (already run); the next one becomes "now".

        Returns the first tick still to run, or None when every tick has run (then "now" is
        the last tick).
        """
        start = 0 if last is None else int(self._times.searchsorted(last, side="right"))
        self._i = start - 1
        if start >= len(self._times):
            self._now = self._times[-1]
            return None
        self._now = self._times[start]
        return self._now

    def schedule(self, waiter: Waiter) -> Iterator[Tick]:
        """The remaining ticks, ``pause`` real seconds apart (stops when ``waiter`` does); the
        last tick of each New York session is marked ``session_end``."""
        days = self._times.tz_convert(EXCHANGE_TZ).normalize()
        last_of_day = np.append(days[1:] != days[:-1], True)
        first = True
        for t in self.ticks():
            if not first and self.pause and not waiter.seconds(self.pause):
                return
            first = False
            yield Tick(t, session_end=bool(last_of_day[self._i]))

    def sleep(self, seconds: float) -> None:
        """Replayed time does not pass while waiting: returns at once."""


class SessionClock:
    """The wall clock during NYSE sessions (see the module docstring).

    Parameters
    ----------
    interval
        Seconds between cycles within a session.
    calendar
        The exchange calendar (the shared NYSE calendar by default).
    now
        The wall clock (tests inject a fake one that moves when the service waits).
    sleep
        Real waits of :meth:`sleep` (order retries; tests inject a no-op).
    """

    def __init__(
        self,
        interval: int,
        calendar: MarketCalendar | None = None,
        *,
        now: Callable[[], pd.Timestamp] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, was {interval}")
        self.interval = timedelta(seconds=interval)
        self.calendar = calendar or nyse()
        self._now = now or (lambda: pd.Timestamp.now(tz="UTC"))
        self._sleep = sleep
        self._first: pd.Timestamp | None = None
        self._last: pd.Timestamp | None = None

    def now(self) -> pd.Timestamp:
        """Current UTC time."""
        return _utc(self._now())

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of real time."""
        self._sleep(seconds)

    # --- the schedule ------------------------------------------------------------------
    def is_open(self, t: pd.Timestamp) -> bool:
        """True while the NYSE is in its regular session at ``t``."""
        return self.calendar.is_open(t)

    def startup_tick(self, now: pd.Timestamp) -> pd.Timestamp | None:
        """The start-up cycle's time (``now`` to the minute) if the market is open, else None."""
        return _utc(now).floor("min") if self.is_open(now) else None

    def session_slots(self, day: pd.Timestamp) -> list[pd.Timestamp]:
        """Cycle times (UTC) of session ``day``: the open plus whole intervals before the close."""
        opened = self.calendar.session_open(day).tz_convert("UTC")
        close = self.calendar.session_close(day).tz_convert("UTC")
        slots = []
        t = opened
        while t < close:
            slots.append(t)
            t = t + self.interval
        return slots

    def next_slot(self, after: pd.Timestamp) -> pd.Timestamp:
        """The first cycle time strictly after ``after`` (this session or a later one)."""
        after = _utc(after)
        day = after.tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
        if self.calendar.is_session(day):
            for slot in self.session_slots(day):
                if slot > after:
                    return slot
        nxt = self.calendar.next_open(after)
        return self.session_slots(nxt.tz_localize(None).normalize())[0]

    def session_close_after(self, t: pd.Timestamp) -> pd.Timestamp | None:
        """The close (UTC) of the session ``t`` falls in, or None outside sessions."""
        day = _utc(t).tz_convert(EXCHANGE_TZ).normalize().tz_localize(None)
        if not self.calendar.is_session(day):
            return None
        close = self.calendar.session_close(day).tz_convert("UTC")
        return close if close > _utc(t) else None

    def start_after(self, last: pd.Timestamp | None) -> pd.Timestamp | None:
        """The start-up cycle (now, to the minute, if the market is open and no cycle ran at
        or after it yet), or None: the schedule then begins at the next slot."""
        first = self.startup_tick(self.now())
        if first is not None and last is not None and first <= last:
            first = None
        self._first, self._last = first, last
        return first

    def schedule(self, waiter: Waiter) -> Iterator[Tick]:
        """Cycles while the market is open, each session's close in between, forever (until
        ``waiter`` reports a stop). Call :meth:`start_after` first."""
        t, last = self._first, self._last
        close: pd.Timestamp | None = None
        while True:
            if t is None:
                after = max(self.now(), last) if last is not None else self.now()
                t = self.next_slot(after)
                if close is not None and close < t:
                    if not waiter.until(close):
                        return
                    yield Tick(close, close=True)
                    close = None
                if not waiter.until(t):
                    return
            yield Tick(t, next=self.next_slot(t))
            last = t
            close = self.session_close_after(t) or close
            t = None


def _utc(t: pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
