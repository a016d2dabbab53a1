"""Every provider call goes through one guard: a rate limit, retries with backoff, and errors
that say which provider failed and why.

Retries use ``tenacity`` (exponential backoff: ``backoff_seconds``, then twice that, ...) and
happen only after :class:`~tradewind.data.providers.base.ProviderUnavailable` (timeouts, 429,
5xx): a refused or malformed reply is not retried. The rate limit is a minimum spacing between
two calls of the same provider (``min_interval_seconds``); it is written here because the need
is one timestamp per provider, where rate-limiting libraries bring buckets and backends.
Timeouts are the SDKs' own (each adapter passes ``timeout_seconds`` to its client).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from tradewind.config.feeds import ProviderSection
from tradewind.data.providers.base import ProviderUnavailable

T = TypeVar("T")
log = logging.getLogger("tradewind.data.providers")


class CallGuard:
    """Rate limit and retries for one provider.

    Parameters
    ----------
    provider
        The provider's name (in messages).
    settings
        ``retries``, ``backoff_seconds`` and ``min_interval_seconds``.
    sleep, clock
        Injected in tests (no real waiting).
    """

    def __init__(
        self,
        provider: str,
        settings: ProviderSection,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()
        self.calls = 0
        """Attempts made so far (retries included)."""

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """``fn()`` after the rate limit, retried on ``ProviderUnavailable``.

        Raises
        ------
        ProviderError
            The last attempt's error (``ProviderUnavailable`` names the attempts made).
        """
        s = self.settings
        retrying = Retrying(
            stop=stop_after_attempt(s.retries + 1),
            wait=wait_exponential(multiplier=s.backoff_seconds, min=s.backoff_seconds),
            retry=retry_if_exception_type(ProviderUnavailable),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda state: log.info(
                "%s: %s failed (%s); retry %d of %d",
                self.provider,
                what,
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
                s.retries,
            ),
        )
        try:
            result: T = retrying(self._once, fn)
            return result
        except ProviderUnavailable as exc:
            if s.retries:
                raise ProviderUnavailable(
                    self.provider,
                    f"{exc.detail} (after {s.retries + 1} attempts)",
                    symbol=exc.symbol,
                ) from exc
            raise

    def _once(self, fn: Callable[[], T]) -> T:
        with self._lock:
            gap = self.settings.min_interval_seconds
            if self._last is not None and gap > 0:
                wait = self._last + gap - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last = self._clock()
            self.calls += 1
        return fn()
