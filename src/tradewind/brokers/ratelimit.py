"""Client-side rate limits and the answer to HTTP 429.

Neither SDK keeps to a broker's request budget by itself: Alpaca's retries a 429 after a fixed
3 s (POST included) and Webull's only with ``auto_retry``. Tradewind turns the SDKs' own retries
off and does both here, once for every adapter: a token bucket keeps calls under
``broker.requests_per_minute``, and a refused call (:class:`RateLimited`) waits the broker's
``Retry-After`` and is tried again, a bounded number of times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tradewind.brokers.errors import RateLimited

T = TypeVar("T")


class RateLimiter:
    """A token bucket: at most ``per_minute`` calls a minute, in bursts of up to ``burst``.

    Parameters
    ----------
    per_minute
        Sustained calls per minute.
    burst
        Calls allowed at once after a quiet spell (default: a tenth of a minute's budget, at
        least 1).
    clock, sleep
        Monotonic time and waiting (injected in tests).
    """

    def __init__(
        self,
        per_minute: int,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be >= 1, was {per_minute}")
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, per_minute // 10))
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds spent waiting so far (for tests and diagnostics)."""

    def acquire(self) -> None:
        """Take one call's token, waiting until one is available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            wait = (1.0 - self._tokens) / self.rate
            self._tokens = 0.0
            self._last = now + wait
        self.waited += wait
        self._sleep(wait)


def with_rate_limits(
    call: Callable[[], T],
    limiter: RateLimiter,
    *,
    attempts: int = 4,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call`` under ``limiter``; after a 429 wait ``Retry-After`` (capped at
    ``max_wait``) and try again, at most ``attempts`` times in all, then raise the 429.

    A 429 means the broker refused the request before acting on it, so trying an order again
    is safe (and its client order id would expose a duplicate anyway).
    """
    for attempt in range(max(attempts, 1)):
        limiter.acquire()
        try:
            return call()
        except RateLimited as exc:
            if attempt + 1 >= attempts:
                raise
            sleep(min(max(exc.retry_after, 0.0), max_wait))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
