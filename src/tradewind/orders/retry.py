"""How often an order submission is retried after a transient broker error, and how long to wait."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often a submit is tried after transient errors, and the waits in between (s)."""

    attempts: int = 3
    backoff: tuple[float, ...] = (0.5, 2.0, 5.0)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        return self.backoff[min(attempt, len(self.backoff) - 1)] if self.backoff else 0.0
