"""Which latched halts bind which service run, and the risk manager's halt store in the service.

Every halt row names the run that latched it and that run's clock (``data.clock``: ``replay``
or ``wall``; for rows written before the clock was recorded, the clock the run recorded at
start-up, else ``wall``). The rules:

* A **wall-clock** run (simulated on the wall clock, paper, live) is bound by every active halt
  of the mode's database that no replay latched: the halts of earlier wall-clock runs (a new
  run after a configuration change included), reconciliation halts, halts with no run. They
  block every wall-clock start until a person runs ``tradewind resume``. A wall-clock run never
  simulates a resume (``circuit_breaker.backtest_resume_sessions`` does not apply).
* A **replay** (``--replay``, ``tradewind demo``) is a run of its own with its own simulated
  account: it is bound only by the halts it latched itself. A restart of the same run keeps
  them; a new replay run starts clean; they never block a wall-clock run.
* A replay's simulated resume clears only a breaker halt (daily loss, drawdown, consecutive
  losses) that its own run latched: never a reconciliation halt, never another run's halt.
* ``tradewind resume`` (a person) clears every active halt of the mode's database
  (:func:`tradewind.service.resume.clear_halts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tradewind.risk.breakers import BREAKER_KINDS
from tradewind.risk.halt import HaltState, ResumeRecord, RiskStateError, check_resume
from tradewind.service.runs import META_KEY
from tradewind.store import HaltView, OutboxMessage, Store
from tradewind.store.risk_state import DatabaseHaltStore, halt_state, resume_record

REPLAY = "replay"
WALL = "wall"


def halt_clock(store: Store, halt: HaltView, cache: dict[int, str] | None = None) -> str:
    """``replay`` or ``wall``: the clock of the run that latched ``halt``."""
    clock = (halt.data or {}).get("clock")
    if clock in (REPLAY, WALL):
        return str(clock)
    if halt.run_id is None:
        return WALL
    if cache is not None and halt.run_id in cache:
        return cache[halt.run_id]
    meta = store.load_state(META_KEY.format(run_id=halt.run_id)) or {}
    found = REPLAY if meta.get("clock") == REPLAY else WALL
    if cache is not None:
        cache[halt.run_id] = found
    return found


def binds_wall_clock(store: Store, halt: HaltView, cache: dict[int, str] | None = None) -> bool:
    """Whether ``halt`` blocks wall-clock runs (every halt no replay latched)."""
    return halt_clock(store, halt, cache) == WALL


class HaltScope:
    """The halts that bind one run (see the module docstring).

    Parameters
    ----------
    store
        The mode's database.
    run_id
        The run.
    replay
        Whether the run is a replay (bound by its own halts only).
    """

    def __init__(self, store: Store, run_id: int, *, replay: bool) -> None:
        self.store = store
        self.run_id = run_id
        self.replay = replay

    @property
    def clock(self) -> str:
        """The run's clock, recorded with every halt it latches."""
        return REPLAY if self.replay else WALL

    def applies(self, halt: HaltView, cache: dict[int, str] | None = None) -> bool:
        """Whether ``halt`` binds this run."""
        if self.replay:
            return halt.run_id == self.run_id
        return binds_wall_clock(self.store, halt, cache)

    def predicate(self) -> Callable[[HaltView], bool]:
        """:meth:`applies` without store reads (for a check inside a write transaction)."""
        cache: dict[int, str] = {}
        for h in self.store.halts():
            halt_clock(self.store, h, cache)
        if self.replay:
            return lambda h: h.run_id == self.run_id
        return lambda h: ((h.data or {}).get("clock") or cache.get(h.run_id or -1, WALL)) == WALL

    def halts(self) -> list[HaltView]:
        """Every halt that binds (or bound) this run, active or cleared, oldest first."""
        cache: dict[int, str] = {}
        return [h for h in self.store.halts() if self.applies(h, cache)]

    def active(self) -> list[HaltView]:
        """The active halts that bind this run, oldest first."""
        cache: dict[int, str] = {}
        return [h for h in self.store.active_halts() if self.applies(h, cache)]

    def stamp(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` with the run's clock, for a halt this run latches."""
        return {**data, "clock": self.clock}


def describe_halt(halt: HaltView) -> str:
    """One line: kind, since when, why."""
    return f"{halt.kind} halt latched {halt.latched_at.isoformat()}: {halt.reason}"


def relevant_halts(store: Store, run_id: int | None) -> list[tuple[HaltView, str]]:
    """Active halts that matter now, each with what it binds: those that block every
    wall-clock start, and those of run ``run_id`` (a replay's own)."""
    cache: dict[int, str] = {}
    out: list[tuple[HaltView, str]] = []
    for h in store.active_halts():
        if binds_wall_clock(store, h, cache):
            out.append((h, "every wall-clock run of this mode"))
        elif h.run_id is not None and h.run_id == run_id:
            out.append((h, f"replay run {h.run_id} only"))
    return out


class ServiceHaltStore(DatabaseHaltStore):
    """The risk manager's halt store in the service: the run's scope, in the database at once;
    the tracker snapshot travels in the checkpoint.

    Latching is idempotent (a latched halt stays, the first cause on record); clearing is too:
    a cycle that runs again after an interruption repeats the simulated resume its first attempt
    already recorded, and gets that record back (when its first attempt also latched a new halt
    after the resume, that one is cleared and latched again, as the rerun's engine sees it).
    """

    def __init__(
        self,
        store: Store,
        scope: HaltScope,
        tracker: Mapping[str, Any] | None,
        fault: Callable[[str], None] | None = None,
        notify: Callable[[HaltState], Sequence[OutboxMessage]] | None = None,
    ) -> None:
        super().__init__(store, run_id=scope.run_id)
        self.scope = scope
        self._tracker = dict(tracker) if tracker else None
        self._fault = fault or (lambda _point: None)
        self._notify = notify  # issue 22: the halt's alert, queued with its latch

    def load(self) -> HaltState | None:
        """The oldest active halt that binds this run, or None."""
        active = self.scope.active()
        return halt_state(active[0]) if active else None

    def latch(self, state: HaltState) -> None:
        """Latch ``state`` unless a halt binding this run is active (committed on return)."""
        self.store.latch_halt(
            state.breaker,
            state.message,
            ts=state.latched_at,
            run_id=self.run_id,
            data=self.scope.stamp({"mode": state.mode, "details": dict(state.details)}),
            exclusive=True,
            among=self.scope.predicate(),
            notify=self._notify(state) if self._notify is not None else (),
        )
        self._fault("after_latch")

    def clear(self, who: str, reason: str, at: datetime | None = None) -> ResumeRecord:
        """A replay's simulated resume: clear the run's own breaker halt (module docstring).

        Raises
        ------
        RiskStateError
            On a wall-clock run, when the halt is not a breaker halt of this run, or when
            nothing is active (and this is not a repeat of the last clear).
        """
        check_resume(who, reason)
        if not self.scope.replay:
            raise RiskStateError(
                "a wall-clock run's halt clears only through a person: "
                'tradewind resume --confirm --reason "..."'
            )
        active = self.scope.active()
        if not active:
            repeat = self._repeat(who, at)
            if repeat is None:
                raise RiskStateError(f"run {self.run_id} is not halted; nothing to resume")
            return repeat
        target = active[0]
        if target.run_id != self.run_id or target.kind not in BREAKER_KINDS:
            raise RiskStateError(
                f"halt {target.id} ({target.kind}) is not a breaker halt of run {self.run_id}; "
                'only a person clears it: tradewind resume --confirm --reason "..."'
            )
        cleared = self.store.clear_halt(who, reason, ts=at, halt_id=target.id, run_id=self.run_id)
        self._fault("after_clear")
        return resume_record(cleared[0])

    def _repeat(self, who: str, at: datetime | None) -> ResumeRecord | None:
        """The last clear of this run's halts when it was this one (same person, same time)."""
        if at is None:
            return None
        done = [h for h in self.scope.halts() if not h.active and h.cleared_at is not None]
        last = max(done, key=lambda h: (h.cleared_at, h.id), default=None)
        if last is None or last.cleared_by != who.strip() or last.cleared_at != at.astimezone(UTC):
            return None
        return resume_record(last)

    def history(self) -> list[ResumeRecord]:
        """Every resume of a halt that bound this run, oldest first."""
        return [resume_record(h) for h in self.scope.halts() if not h.active]

    def load_tracker(self) -> dict[str, Any] | None:
        """The snapshot the checkpoint restored (None on a fresh run)."""
        return self._tracker

    def save_tracker(self, snapshot: Mapping[str, Any]) -> None:
        """Keep the snapshot until the checkpoint is written."""
        self._tracker = dict(snapshot)
