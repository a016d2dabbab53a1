"""How the service waits and stops: interruptible sleep, and the flag SIGINT/SIGTERM set.

When cycles run is the run's clock's business (:mod:`tradewind.engine.clock`); between them the
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
from types import FrameType

import pandas as pd

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

    def now(self) -> pd.Timestamp:
        """The current time on the clock the sleeper waits on."""
        return self._now()
