"""Latched halts, in one place: where they are kept, which bind a run, status and resume.

A halt latches when a breaker trips (daily loss, drawdown, consecutive losses), when the broker
and the store disagree (reconciliation), or on an emergency stop. It blocks every order that
adds risk until a person clears it with ``tradewind resume --confirm --reason "..."``; nothing
clears it by itself. The risk manager works with the pure halt types of
:mod:`tradewind.risk.halt` (``HaltState``, the ``HaltStore`` protocol, the in-memory store of
backtests); everything that touches the mode's database is here:

* **Where**: every halt is a row of the mode's database, naming the run that latched it and
  that run's clock (``data.clock``: ``replay`` or ``wall``; for older rows, the clock the run
  recorded at start-up, else ``wall``). :class:`RunHalts` is the risk manager's halt store in the
  trading service; it keeps the tracker snapshot until the checkpoint takes it.
* **Which bind a run** (:class:`HaltScope`):

  - a **wall-clock** run (simulated on the wall clock, paper, live) is bound by every active
    halt of the database that no replay latched: earlier wall-clock runs' halts (a new run after
    a configuration change included), reconciliation halts, halts with no run. They block every
    wall-clock start until a person resumes. A wall-clock run never simulates a resume.
  - a **replay** (``--replay``, ``tradewind demo``) has its own simulated account: it is bound
    only by the halts it latched itself, and its simulated resume
    (``circuit_breaker.backtest_resume_sessions``) clears only its own breaker halts.
* **Status** (:func:`relevant_halts`, :func:`risk_status`): the halts that bind wall-clock runs
  and the latest run's own, with the latest run's breaker and stop state.
* **Emergency stop** (:func:`emergency_halt`, Telegram's ``/halt``): latches like a breaker.
* **Resume** (:func:`resume`): a person clears exactly the halts the status shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tradewind.config import TradewindConfig
from tradewind.risk.halt import HaltState, ResumeRecord, RiskStateError, check_resume
from tradewind.service.checkpoint import load_checkpoint
from tradewind.service.paths import database_file
from tradewind.service.runs import META_KEY
from tradewind.store import HaltView, OutboxMessage

if TYPE_CHECKING:  # the store's reads suffice for status: no SQLAlchemy, no numpy there
    from tradewind.risk.breaker_params import BreakerParams
    from tradewind.store import Store
    from tradewind.store.reader import StoreReads

EMERGENCY_KIND = "emergency"
"""The kind of a halt latched by a person's emergency stop (Telegram's ``/halt``)."""
REPLAY = "replay"
WALL = "wall"


# --- which halts bind which run -------------------------------------------------------------
def halt_clock(store: StoreReads, halt: HaltView, cache: dict[int, str] | None = None) -> str:
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


def binds_wall_clock(
    store: StoreReads, halt: HaltView, cache: dict[int, str] | None = None
) -> bool:
    """Whether ``halt`` blocks wall-clock runs (every halt no replay latched)."""
    return halt_clock(store, halt, cache) == WALL


class HaltScope:
    """The halts that bind one run (see the module docstring): a wall-clock run's.

    Parameters
    ----------
    store
        The mode's database.
    run_id
        The run.
    """

    clock = WALL
    """The clock recorded with every halt this run latches."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id

    def applies(self, halt: HaltView, cache: dict[int, str] | None = None) -> bool:
        """Whether ``halt`` binds this run."""
        return binds_wall_clock(self.store, halt, cache)

    def predicate(self) -> Callable[[HaltView], bool]:
        """:meth:`applies` without store reads (for a check inside a write transaction)."""
        cache: dict[int, str] = {}
        for h in self.store.halts():
            halt_clock(self.store, h, cache)
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

    def may_clear_itself(self, halt: HaltView) -> bool:
        """Whether the run's simulated resume may clear ``halt``: never on the wall clock."""
        return False


class ReplayHaltScope(HaltScope):
    """A replay's halts: only those it latched itself bind it (see the module docstring)."""

    clock = REPLAY

    def applies(self, halt: HaltView, cache: dict[int, str] | None = None) -> bool:
        """Whether ``halt`` is this replay's own."""
        return halt.run_id == self.run_id

    def predicate(self) -> Callable[[HaltView], bool]:
        """:meth:`applies`, for a check inside a write transaction."""
        return lambda h: h.run_id == self.run_id

    def may_clear_itself(self, halt: HaltView) -> bool:
        """A replay's simulated resume clears its own breaker halts only."""
        from tradewind.risk.breakers import BREAKER_KINDS

        return halt.run_id == self.run_id and halt.kind in BREAKER_KINDS


# --- the risk manager's halt store in the service --------------------------------------------
class RunHalts:
    """The risk manager's halt store for one service run: the run's scope, in the database at
    once; the tracker snapshot travels in the checkpoint.

    Latching is idempotent (a latched halt stays, the first cause on record); clearing is too:
    a cycle that runs again after an interruption repeats the simulated resume its first attempt
    already recorded, and gets that record back (when its first attempt also latched a new halt
    after the resume, that one is cleared and latched again, as the rerun's engine sees it).
    """

    def __init__(
        self,
        scope: HaltScope,
        tracker: Mapping[str, Any] | None,
        fault: Callable[[str], None] | None = None,
        notify: Callable[[HaltState], Sequence[OutboxMessage]] | None = None,
    ) -> None:
        self.scope = scope
        self.store = scope.store
        self.run_id = scope.run_id
        self._tracker = dict(tracker) if tracker else None
        self._fault = fault or (lambda _point: None)
        self._notify = notify  # the halt's alert, queued in the latch's transaction

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
        active = self.scope.active()
        if not active:
            repeat = self._repeat(who, at)
            if repeat is None:
                raise RiskStateError(f"run {self.run_id} is not halted; nothing to resume")
            return repeat
        target = active[0]
        if not self.scope.may_clear_itself(target):
            raise RiskStateError(
                f"halt {target.id} ({target.kind}) clears only through a person: "
                'tradewind resume --confirm --reason "..."'
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


# --- views ------------------------------------------------------------------------------------
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


def describe_halt(halt: HaltView) -> str:
    """One line: kind, since when, why."""
    return f"{halt.kind} halt latched {halt.latched_at.isoformat()}: {halt.reason}"


def relevant_halts(store: StoreReads, run_id: int | None) -> list[tuple[HaltView, str]]:
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


def risk_status(store: StoreReads, params: BreakerParams) -> dict[str, Any]:
    """Halts, resumes, drawdown, daily P&L, breaker distances and stops, from ``store``: the
    halts that matter now (:func:`relevant_halts`) and the latest run's last checkpoint."""
    from tradewind.risk.status_view import status as build_status

    run = store.latest_run()
    run_id = run.id if run is not None else None
    halts = relevant_halts(store, run_id)
    cache: dict[int, str] = {}
    cleared = [
        h
        for h in store.halts()
        if not h.active and (h.run_id == run_id or binds_wall_clock(store, h, cache))
    ]
    ckpt = load_checkpoint(store, run_id) if run_id is not None else None
    tracker = ckpt.risk.get("tracker") if ckpt is not None else None
    out = build_status(
        halt_state(halts[0][0]) if halts else None,
        [resume_record(h) for h in cleared],
        tracker,
        params,
    )
    out["source"] = "database"
    out["database"] = store.database
    out["halts"] = [
        {
            "id": h.id,
            "kind": h.kind,
            "reason": h.reason,
            "latched_at": h.latched_at,
            "run_id": h.run_id,
            "binds": binds,
        }
        for h, binds in halts
    ]
    out["latest_run"] = (
        {"id": run.id, "name": run.name, "status": run.status} if run is not None else None
    )
    if not tracker:
        out["note"] = (
            "no cycle recorded yet" if run is None else f"run {run.id} has no cycle recorded yet"
        )
    return out


# --- an emergency stop ---------------------------------------------------------------------
def emergency_halt(
    store: Store,
    scope: HaltScope,
    *,
    who: str,
    reason: str,
    mode: str,
    run_id: int | None,
    notify: Callable[[str], Sequence[OutboxMessage]],
) -> tuple[HaltView, bool]:
    """Latch an emergency halt for the runs ``scope`` binds, like a breaker latches one.

    The halt, its ``halt_latched`` event and the alert ``notify`` builds (from the halt's
    message) are written in one transaction. If a halt binding these runs is already active it
    is returned unchanged. Returns ``(halt, newly_latched)``.
    """
    active = scope.active()
    if active:
        return active[0], False
    message = f"emergency stop by {who}: {reason}"
    halt = store.latch_halt(
        EMERGENCY_KIND,
        message,
        run_id=run_id,
        data=scope.stamp({"mode": mode, "details": {}, "by": who}),
        exclusive=True,
        among=scope.predicate(),
        notify=notify(message),
    )
    return halt, True


# --- a person's resume --------------------------------------------------------------------------
def resume(store: Store, who: str, reason: str) -> list[ResumeRecord]:
    """Clear the halts that matter now (those :func:`relevant_halts` lists, which status shows),
    recording who, when and why; :class:`RiskStateError` when none is active."""
    check_resume(who, reason)
    run = store.latest_run()
    records: list[ResumeRecord] = []
    for halt, _binds in relevant_halts(store, run.id if run is not None else None):
        for cleared in store.clear_halt(who.strip(), reason.strip(), halt_id=halt.id):
            records.append(resume_record(cleared))
    if not records:
        raise RiskStateError(f"trading is not halted ({store.database}); nothing to resume")
    return records


def resume_mode(cfg: TradewindConfig, who: str, reason: str) -> list[ResumeRecord]:
    """``tradewind resume``: :func:`resume` on the database of ``cfg``'s mode."""
    path = database_file(cfg)
    if path is not None and not path.exists():
        raise RiskStateError(
            f"trading is not halted in mode {cfg.trading.mode.value}: it has no database yet "
            f"({cfg.database_url}); nothing to resume"
        )
    from tradewind.store import Store

    with Store(cfg.database_url, mode=None, migrate=False) as store:
        return resume(store, who, reason)
