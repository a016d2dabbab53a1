"""Latched halts as the risk manager sees them: the state, the store protocol, the memory store.

A halt, once latched, stays until a human clears it (``tradewind resume --confirm --reason``).
Nothing clears it by itself: no timer, no new session, no restart. Clearing records who resumed,
when and why, next to the halt it cleared. Backtests keep halts in memory
(:class:`MemoryHaltStore`); the trading service keeps them in its database
(:mod:`tradewind.service.halts`, which implements :class:`HaltStore` there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from tradewind.domain.errors import TradewindError

STATE_VERSION = 1
LOCK_TIMEOUT_S = 10.0


class RiskStateError(TradewindError):
    """The risk state cannot be read or changed (unreadable file, nothing to resume, ...)."""


@dataclass(frozen=True, slots=True)
class HaltState:
    """A latched halt: which breaker, why, when (bar time) and the numbers that tripped it."""

    breaker: str
    message: str
    latched_at: datetime
    mode: str = ""
    details: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "breaker": self.breaker,
            "message": self.message,
            "latched_at": self.latched_at.isoformat(),
            "mode": self.mode,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HaltState:
        """Inverse of :meth:`to_dict`."""
        return cls(
            str(data["breaker"]),
            str(data["message"]),
            datetime.fromisoformat(str(data["latched_at"])),
            str(data.get("mode", "")),
            {str(k): float(v) for k, v in dict(data.get("details", {})).items()},
        )


@dataclass(frozen=True, slots=True)
class ResumeRecord:
    """A human's decision to resume after a halt."""

    halt: HaltState
    resumed_at: datetime
    resumed_by: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "halt": self.halt.to_dict(),
            "resumed_at": self.resumed_at.isoformat(),
            "resumed_by": self.resumed_by,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResumeRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(
            HaltState.from_dict(data["halt"]),
            datetime.fromisoformat(str(data["resumed_at"])),
            str(data["resumed_by"]),
            str(data["reason"]),
        )


class HaltStore(Protocol):
    """Where the latched halt lives (a JSON file here; a database table later)."""

    def load(self) -> HaltState | None:
        """The latched halt, or None when trading is allowed."""
        ...

    def latch(self, state: HaltState) -> None:
        """Latch ``state``; an already latched halt is kept (the first cause stays on record)."""
        ...

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt on a human's decision; raise :class:`RiskStateError` if none."""
        ...

    def history(self) -> list[ResumeRecord]:
        """Every resume so far, oldest first."""
        ...


class TrackerStore(Protocol):
    """Optional: where breaker and stop state is kept between runs of the service."""

    def load_tracker(self) -> dict[str, Any] | None:
        """The last saved tracker snapshot, or None."""
        ...

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the saved tracker snapshot."""
        ...


def check_resume(who: str, reason: str) -> None:
    """Refuse a resume without a person and a reason."""
    if not who.strip():
        raise RiskStateError("a resume must name who decided it")
    if not reason.strip():
        raise RiskStateError('a resume needs a reason: --reason "what was reviewed and why"')


class MemoryHaltStore:
    """A halt store that lives as long as the process (backtests and tests)."""

    def __init__(self) -> None:
        self._halt: HaltState | None = None
        self._history: list[ResumeRecord] = []
        self._tracker: dict[str, Any] | None = None

    def load(self) -> HaltState | None:
        """The latched halt, or None."""
        return self._halt

    def latch(self, state: HaltState) -> None:
        """Latch ``state`` unless a halt is already latched."""
        if self._halt is None:
            self._halt = state

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt, recording who, when and why."""
        check_resume(who, reason)
        if self._halt is None:
            raise RiskStateError("trading is not halted; nothing to resume")
        record = ResumeRecord(self._halt, at or datetime.now(UTC), who.strip(), reason.strip())
        self._history.append(record)
        self._halt = None
        return record

    def history(self) -> list[ResumeRecord]:
        """Every resume so far."""
        return list(self._history)

    def load_tracker(self) -> dict[str, Any] | None:
        """The last tracker snapshot."""
        return self._tracker

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Keep ``snapshot``."""
        self._tracker = dict(snapshot)
