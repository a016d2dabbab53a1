"""When the service runs a cycle, and how it waits: NYSE sessions, signals, interruptible sleep.

Cycles run while the NYSE is open: once at start-up if it is open, then at the session's open
plus whole multiples of the interval (9:30, 10:30, ... for an hour), never at or after the close
(13:00 on early-close days). Between the last cycle of a session and the first of the next the
service sleeps across the night, weekends and holidays, waking up only to write heartbeats.

SIGINT and SIGTERM set a :class:`StopFlag`: the cycle in progress finishes, the sleep ends at
once, and the service stops cleanly. A second signal abandons the cycle in progress
(``KeyboardInterrupt``); what is on disk is then exactly what a crash would leave, and the next
start recovers it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

import pandas as pd

from tradewind.calendar import MarketCalendar, nyse
from tradewind.domain.types import EXCHANGE_TZ

log = logging.getLogger(__name__)


class StopFlag:
    """Set by SIGINT/SIGTERM (or by code); waits end as soon as it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""
        self.signals = 0

    @property
    def is_set(self) -> bool:
        """True once a stop was requested."""
        return self._event.is_set()

    def set(self, reason: str = "stop requested") -> None:
        """Request a stop."""
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the flag was set meanwhile."""
        return self._event.wait(max(seconds, 0.0))

    def install(self) -> Callable[[], None]:
        """Handle SIGINT and SIGTERM (main thread only); return a function that restores them."""
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def handler(signum: int, _frame: FrameType | None) -> None:
            self.signals += 1
            name = signal.Signals(signum).name
            if self.signals > 1:
                log.warning("%s again: abandoning the current cycle now", name)
                raise KeyboardInterrupt(name)
            log.warning(
                "%s: stopping after the current cycle (send it again to abandon the cycle)", name
            )
            self.set(f"{name} received")

        for s in previous:
            signal.signal(s, handler)

        def restore() -> None:
            for s, h in previous.items():
                signal.signal(s, h)

        return restore


class SessionScheduler:
    """Cycle times during NYSE sessions.

    Parameters
    ----------
    interval
        Seconds between cycles within a session.
    calendar
        The exchange calendar (the shared NYSE calendar by default).
    """

    def __init__(self, interval: int, calendar: MarketCalendar | None = None) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, was {interval}")
        self.interval = timedelta(seconds=interval)
        self.calendar = calendar or nyse()

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


class Sleeper:
    """Sleeps until a time on a clock, waking for heartbeats and stopping on the flag.

    Parameters
    ----------
    now
        The clock the target time is on.
    stop
        Ends the sleep at once when set.
    wait
        Waits ``seconds`` of real time, returning True when interrupted (tests inject a fake
        that advances a fake clock instead).
    """

    def __init__(
        self,
        now: Callable[[], pd.Timestamp],
        stop: StopFlag,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self._now = now
        self.stop = stop
        self._wait = wait or stop.wait

    def until(self, target: pd.Timestamp, *, beat: Callable[[], object], beat_every: float) -> bool:
        """Sleep until ``target``, calling ``beat`` at least every ``beat_every`` seconds.

        Returns True if the target was reached, False if stopped first.
        """
        while not self.stop.is_set:
            left = (target - self._now()).total_seconds()
            if left <= 0:
                return True
            beat()
            if self._wait(min(left, beat_every)):
                break
        return False

    def seconds(self, seconds: float) -> bool:
        """Sleep ``seconds``; False if stopped first."""
        return not self._wait(seconds)


def _utc(t: pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
