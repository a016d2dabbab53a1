"""The risk manager's halt store in the database behaves like the in-memory one, and persists."""

from __future__ import annotations

import pytest
from storekit import T0, at

from tradewind.risk.halt import HaltState, MemoryHaltStore, RiskStateError
from tradewind.risk.manager import RiskManager
from tradewind.store import Store
from tradewind.store.risk_state import DatabaseHaltStore

HALT = HaltState("max_drawdown", "drawdown 21% >= 20%", T0, "paper", {"drawdown": 0.21})
OTHER = HaltState("daily_loss", "lost 4%", at(5), "paper", {"loss": 0.04})


def _exercise(halts: MemoryHaltStore | DatabaseHaltStore) -> list[object]:
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


def test_database_halt_store_matches_the_memory_store(store: Store) -> None:
    assert _exercise(DatabaseHaltStore(store)) == _exercise(MemoryHaltStore())


def test_a_latched_halt_blocks_a_restarted_risk_manager(db_url: str) -> None:
    with Store(db_url, mode="paper") as store:
        DatabaseHaltStore(store).latch(HALT)
        DatabaseHaltStore(store).save_tracker({"peak": 1.0})
    with Store(db_url, mode="paper") as store:  # the service restarts
        halts = DatabaseHaltStore(store)
        manager = RiskManager(["AAA"], store=halts, mode="paper")
        assert manager.halted and manager.halt == HALT
        assert [e.kind for e in store.events()] == ["halt_latched"]
        record = halts.clear("alice", "drawdown reviewed", at(30))
        assert (record.halt, record.resumed_by, record.resumed_at) == (HALT, "alice", at(30))
        assert not RiskManager(["AAA"], store=halts, mode="paper").halted
