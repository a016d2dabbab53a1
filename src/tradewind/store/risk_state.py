"""The risk manager's halt and tracker stores, kept in the database.

:class:`DatabaseHaltStore` implements :class:`tradewind.risk.halt.HaltStore` and
:class:`~tradewind.risk.halt.TrackerStore` over the store's ``halts`` and ``state`` tables, so a
latched halt lives in the same database (and mode) as the orders it stopped, survives restarts,
and is cleared only by :meth:`DatabaseHaltStore.clear` with who, when and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tradewind.risk.halt import HaltState, ResumeRecord, RiskStateError, check_resume
from tradewind.store.records import HaltView
from tradewind.store.store import Store

TRACKER_KEY = "risk.tracker"


class DatabaseHaltStore:
    """Halt, resume history and tracker snapshot of the risk manager, in a :class:`Store`."""

    def __init__(self, store: Store, *, run_id: int | None = None) -> None:
        self.store = store
        self.run_id = run_id

    def load(self) -> HaltState | None:
        """The latched halt, or None when trading is allowed."""
        halt = self.store.active_halt()
        return halt_state(halt) if halt is not None else None

    def latch(self, state: HaltState) -> None:
        """Latch ``state`` unless a halt is latched already (the first cause stays)."""
        self.store.latch_halt(
            state.breaker,
            state.message,
            ts=state.latched_at,
            run_id=self.run_id,
            data={"mode": state.mode, "details": dict(state.details)},
            exclusive=True,
        )

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """Clear the halt on a person's decision; :class:`RiskStateError` if there is none."""
        check_resume(who, reason)
        cleared = self.store.clear_halt(who, reason, ts=at, run_id=self.run_id)
        if not cleared:
            raise RiskStateError(
                f"trading is not halted ({self.store.database}); nothing to resume"
            )
        return resume_record(cleared[0])

    def history(self) -> list[ResumeRecord]:
        """Every resume so far, oldest first."""
        return [resume_record(h) for h in self.store.halts() if not h.active]

    def load_tracker(self) -> dict[str, Any] | None:
        """The last saved tracker snapshot, or None."""
        return self.store.load_state(TRACKER_KEY)

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the saved tracker snapshot."""
        self.store.save_state(TRACKER_KEY, dict(snapshot))


def halt_state(h: HaltView) -> HaltState:
    """The risk manager's view of a stored halt."""
    data = h.data or {}
    details = data.get("details") or {}
    return HaltState(
        h.kind,
        h.reason,
        h.latched_at,
        str(data.get("mode", "")),
        {str(k): float(v) for k, v in dict(details).items()},
    )


def resume_record(h: HaltView) -> ResumeRecord:
    """A cleared stored halt as a resume record."""
    if h.cleared_at is None or h.cleared_by is None:  # pragma: no cover - callers pass cleared
        raise RiskStateError(f"halt {h.id} has not been cleared")
    return ResumeRecord(halt_state(h), h.cleared_at, h.cleared_by, h.clear_reason or "")
