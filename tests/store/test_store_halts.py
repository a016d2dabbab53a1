"""The risk manager's halt store in the database (``service.halts.RunHalts``) behaves like the
in-memory one, and persists."""

from __future__ import annotations

import pytest
from storekit import T0, at

from tradewind.risk.halt import HaltState, MemoryHaltStore, RiskStateError
from tradewind.risk.manager import RiskManager
from tradewind.service.halts import HaltScope, ReplayHaltScope, RunHalts, resume
from tradewind.store import Store

HALT = HaltState("drawdown", "drawdown 21% >= 20%", T0, "", {"drawdown": 0.21})
OTHER = HaltState("daily_loss", "lost 4%", at(5), "", {"loss": 0.04})


def _exercise(halts: MemoryHaltStore | RunHalts) -> list[object]:
    seen: list[object] = [halts.load()]
    halts.latch(HALT)
    halts.latch(OTHER)  # the first cause stays
    seen.append(halts.load())
    with pytest.raises(RiskStateError, match="reason"):
        halts.clear("alice", " ")
    seen.append(halts.clear("alice", "reviewed", at(60)))
    seen.append(halts.load())
    with pytest.raises(RiskStateError, match="nothing to resume"):
        halts.clear("alice", "again", at(61))
    halts.latch(OTHER)
    seen.append(halts.clear("bob", "ok", at(90)))
    seen.append(halts.history())
    halts.save_tracker({"peak": 1.5e5, "losses": [1, 2]})
    halts.save_tracker({"peak": 1.6e5, "losses": [1, 2, 3]})
    seen.append(halts.load_tracker())
    return seen


def _run(store: Store) -> int:
    return store.start_run(name="r", started_at=T0, symbols=["AAA"], initial_cash=1.0)


def test_database_halt_store_matches_the_memory_store(store: Store) -> None:
    # a replay's store: its simulated resume is the one clear a run may make itself
    halts = RunHalts(ReplayHaltScope(store, _run(store)), None)
    assert _exercise(halts) == _exercise(MemoryHaltStore())


def test_a_latched_halt_blocks_a_restarted_risk_manager(db_url: str) -> None:
    with Store(db_url, mode="paper") as store:
        RunHalts(HaltScope(store, _run(store)), None).latch(HALT)
    with Store(db_url, mode="paper") as store:  # the service restarts: a new wall-clock run
        halts = RunHalts(HaltScope(store, _run(store)), None)
        manager = RiskManager(["AAA"], store=halts)
        assert manager.halted and manager.halt == HALT
        assert [e.kind for e in store.events()] == ["halt_latched"]
        (record,) = resume(store, "alice", "drawdown reviewed")
        assert (record.halt, record.resumed_by) == (HALT, "alice")
        assert not RiskManager(["AAA"], store=halts).halted
