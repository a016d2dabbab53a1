"""Write each cycle the engine ran into the store, from the engine's own recorder.

After ``engine.step(t)`` the recorder holds the new bar, the cycle's decisions and its events;
:meth:`StoreRecorder.record` writes them with the account snapshot in ONE transaction
(``Store.record_cycle``). A cycle that ran twice (interrupted after its row was written) is
recorded once. The store keeps one decision per cycle: when risk exits and a rebalance both
happen in one cycle, they are merged (reasons, orders and notes in order; targets and method of
the rebalance).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from tradewind.domain.orders import Fill
from tradewind.domain.plans import Policy, RegimeReading
from tradewind.domain.records import Decision, EngineEvent
from tradewind.engine.cycle import Engine
from tradewind.store import AccountSnapshot, DuplicateCycleError, OutboxMessage, Store
from tradewind.store.decisions import merge_decisions as merge_decisions  # moved there (issue 28)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedCycle:
    """What :meth:`StoreRecorder.record` wrote."""

    cycle_id: int | None
    events: tuple[EngineEvent, ...]
    duplicate: bool


def inputs_fingerprint(engine: Engine, t: pd.Timestamp) -> str:
    """SHA-256 of the cycle's time and the prices it saw."""
    h = hashlib.sha256(t.isoformat().encode())
    h.update(engine.feed.current("close").tobytes())
    h.update(engine.feed.last_close().tobytes())
    return h.hexdigest()


# --- issue 22 (notifications): what a cycle did, for the messages queued with its record ---
@dataclass(frozen=True)
class CycleFacts:
    """What one cycle did: its decisions (unmerged), fills, events, regime and policy."""

    ts: datetime
    decisions: tuple[Decision, ...]
    fills: tuple[Fill, ...]
    events: tuple[EngineEvent, ...]
    regime: RegimeReading | None
    policy: Policy | None
    equity: float


CycleNotify = Callable[[CycleFacts], Sequence[OutboxMessage]]
"""Builds the outbox messages of a cycle (queued in the cycle's transaction)."""


def _policy(engine: Engine) -> Policy | None:
    reading = engine.regime
    return engine.parts.policy(reading) if reading is not None else None


# --- end issue 22 ----------------------------------------------------------------------------


class StoreRecorder:
    """Copies the engine's new bars, decisions and events into the store, one cycle at a time."""

    def __init__(self, store: Store, run_id: int, engine: Engine) -> None:
        self.store = store
        self.run_id = run_id
        self.engine = engine
        rec = engine.recorder
        self._bars = len(rec.ts)
        self._decisions = len(rec.decisions)
        self._events = len(rec.events)
        self._fills = len(rec.fills)

    def record(
        self,
        t: pd.Timestamp,
        extra: Sequence[EngineEvent] = (),
        notify: CycleNotify | None = None,
    ) -> RecordedCycle | None:
        """Record the cycle at ``t`` (None if the engine had no bar to run on), with the
        messages ``notify`` builds from it in the same transaction."""
        rec = self.engine.recorder
        if len(rec.ts) == self._bars:
            return None
        decision = merge_decisions(rec.decisions[self._decisions :])
        events = tuple(rec.events[self._events :]) + tuple(extra)
        prices = self.engine.feed.last_close()
        account = AccountSnapshot.from_ledger(t.to_pydatetime(), self.engine.book, prices)
        reading = self.engine.regime
        messages: Sequence[OutboxMessage] = ()
        if notify is not None:  # issue 22
            facts = CycleFacts(
                t.to_pydatetime(),
                tuple(rec.decisions[self._decisions :]),
                tuple(rec.fills[self._fills :]),
                events,
                reading,
                _policy(self.engine),
                account.equity,
            )
            messages = notify(facts)
        duplicate = False
        cycle_id: int | None = None
        try:
            cycle_id = self.store.record_cycle(
                self.run_id,
                account,
                regime=reading.regime.value if reading is not None else "UNKNOWN",
                inputs_fingerprint=inputs_fingerprint(self.engine, t),
                confidence=reading.confidence if reading is not None else None,
                decision=decision,
                events=events,
                notify=messages,
            )
        except DuplicateCycleError:
            duplicate = True
            log.info("cycle %s was recorded before an interruption; kept as recorded", t)
        self._bars = len(rec.ts)
        self._decisions = len(rec.decisions)
        self._events = len(rec.events)
        self._fills = len(rec.fills)
        return RecordedCycle(cycle_id, events, duplicate)
