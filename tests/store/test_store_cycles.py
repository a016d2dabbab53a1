"""Cycles: one transaction each, the decision log read back, and the status queries."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import event, func, select
from storekit import T0, at

from tradewind.domain import ClientOrderId, Fill, Side, Symbol
from tradewind.domain.ledger import Ledger
from tradewind.domain.records import Decision, EngineEvent, OrderRecord
from tradewind.store import (
    AccountSnapshot,
    CostSnapshot,
    DuplicateCycleError,
    PositionSnapshot,
    Store,
    StoreError,
)
from tradewind.store.schema import (
    CostTotalsRow,
    CycleRow,
    EquitySnapshotRow,
    EventRow,
    PositionSnapshotRow,
)


def _account(minutes: float, equity: float = 1e4, *positions: PositionSnapshot) -> AccountSnapshot:
    return AccountSnapshot(
        at(minutes),
        equity,
        equity - 500.0,
        0.05,
        positions,
        costs=CostSnapshot(1.0, 2.0, 0.5, 500.0),
    )


def _decision(minutes: float, targets: tuple[float, ...] = (0.6, 0.4)) -> Decision:
    return Decision(
        ts=at(minutes),
        regime="BULL",
        confidence=0.8,
        method="max_sharpe",
        reasons=("initial",),
        targets=targets,
        orders=(OrderRecord("c1", "AAA", "buy", 5.0, "rebalance"),),
        equity=1e4,
        equity_before=1e4,
        notes=("n",),
    )


def _counts(store: Store) -> dict[str, int]:
    with store._read() as s:  # noqa: SLF001 - a test looks at raw rows
        return {
            t.__tablename__: s.scalar(select(func.count()).select_from(t)) or 0
            for t in (CycleRow, EquitySnapshotRow, PositionSnapshotRow, CostTotalsRow, EventRow)
        }


def test_a_cycle_writes_its_row_snapshot_positions_costs_and_events(
    store: Store, run_id: int
) -> None:
    pos = (PositionSnapshot("AAA", 5.0, 100.0, 101.0), PositionSnapshot("BBB", 0.0, 0.0, 50.0))
    events = [EngineEvent(at(0), "regime_change", "BEAR -> BULL")]
    cycle_id = store.record_cycle(
        run_id, _account(0, 1e4, *pos), regime="BULL", inputs_fingerprint="f0",
        decision=_decision(0), events=events,
    )  # fmt: skip
    assert _counts(store) == {
        "cycles": 1, "equity_snapshots": 1, "positions": 1, "costs": 1, "events": 1,
    }  # fmt: skip
    view = store.last_cycle(run_id)
    assert view is not None and view.id == cycle_id
    assert view.targets == {"AAA": 0.6, "BBB": 0.4}
    assert view.orders == (OrderRecord("c1", "AAA", "buy", 5.0, "rebalance"),)
    assert (view.method, view.confidence, view.reasons, view.notes) == (
        "max_sharpe", 0.8, ("initial",), ("n",),
    )  # fmt: skip
    assert (view.equity, view.cash, view.is_decision) == (1e4, 9500.0, True)
    [p] = store.latest_positions(run_id)
    assert (p.symbol, p.quantity, p.market_value) == ("AAA", 5.0, 505.0)
    costs = store.latest_costs(run_id)
    assert costs is not None and costs.costs.total == 3.5
    assert store.events(run_id)[0].kind == "regime_change"


def test_a_failing_cycle_leaves_nothing_behind(store: Store, run_id: int) -> None:
    def fail_on_costs(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("INSERT INTO costs"):
            raise RuntimeError("disk on fire")

    pos = (PositionSnapshot("AAA", 1.0, 1.0), PositionSnapshot("BBB", 2.0, 1.0))
    event.listen(store.engine, "before_cursor_execute", fail_on_costs)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.record_cycle(
            run_id, _account(0, 1e4, *pos), regime="BULL", inputs_fingerprint="f",
            decision=_decision(0), events=[EngineEvent(at(0), "k", "m")],
        )  # fmt: skip
    event.remove(store.engine, "before_cursor_execute", fail_on_costs)
    bad = _decision(0, (1.0,))
    with pytest.raises(ValueError, match="1 target weights, run 1 has 2 symbols"):
        store.record_cycle(run_id, _account(0), regime="B", inputs_fingerprint="f", decision=bad)
    assert set(_counts(store).values()) == {0}
    store.record_cycle(run_id, _account(0, 1e4, *pos), regime="BULL", inputs_fingerprint="f")
    assert _counts(store)["positions"] == 2


def test_snapshots_refuse_what_the_database_could_not_keep() -> None:
    with pytest.raises(ValueError, match="equity must be a finite number"):
        AccountSnapshot(T0, float("nan"), 1.0, 0.0)
    with pytest.raises(ValueError, match="AAA quantity must be a finite number"):
        PositionSnapshot("AAA", float("inf"), 1.0)
    with pytest.raises(ValueError, match="appears twice"):
        pos = PositionSnapshot("AAA", 1.0, 1.0)
        AccountSnapshot(T0, 1.0, 1.0, 0.0, (pos, pos))


def test_a_cycle_is_recorded_once_per_time(store: Store, run_id: int) -> None:
    store.record_cycle(run_id, _account(0), regime="BULL", inputs_fingerprint="f")
    with pytest.raises(DuplicateCycleError):
        store.record_cycle(run_id, _account(0), regime="BULL", inputs_fingerprint="f")
    with pytest.raises(StoreError, match="no run with id 42"):
        store.record_cycle(42, _account(1), regime="BULL", inputs_fingerprint="f")
    with pytest.raises(ValueError, match="decision at"):
        store.record_cycle(
            run_id, _account(2), regime="BULL", inputs_fingerprint="f", decision=_decision(3)
        )


def test_status_queries_follow_the_latest_cycle_across_runs(store: Store, run_id: int) -> None:
    regimes = ["BULL", "BEAR", "BEAR", "CHOPPY", "CHOPPY", "CHOPPY"]
    for i, regime in enumerate(regimes[:4]):
        store.record_cycle(run_id, _account(i, 1e4 + i), regime=regime, inputs_fingerprint=str(i))
    second = store.start_run(name="restart", started_at=at(10), symbols=["AAA"], initial_cash=1.0)
    for i, regime in enumerate(regimes[4:], start=10):
        store.record_cycle(second, _account(i, 2e4), regime=regime, inputs_fingerprint=str(i))
    now = store.current_regime()
    assert now is not None and (now.regime, now.since, now.as_of) == ("CHOPPY", at(3), at(11))
    first_run = store.current_regime(run_id)
    assert first_run is not None and first_run.since == at(3) and first_run.as_of == at(3)
    last = store.last_cycle()
    assert last is not None and last.run_id == second
    assert [p.equity for p in store.equity_curve(run_id)] == [1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3]
    assert [c.inputs_fingerprint for c in store.cycles(run_id, since=at(2))] == ["2", "3"]
    assert store.cycles(run_id, decisions_only=True) == []
    latest = store.latest_run()
    assert latest is not None and latest.id == second
    store.end_run(run_id, ended_at=at(9), status="stopped")
    assert [(r.id, r.status) for r in store.runs()] == [(run_id, "stopped"), (second, "running")]


def test_snapshot_from_ledger_matches_the_book() -> None:
    book = Ledger(("AAA", "BBB"), 1_000.0)
    book.apply(Fill(ClientOrderId("x"), Symbol("AAA"), Side.BUY, 4.0, 100.0, T0, commission=1.0))
    prices = np.array([110.0, np.nan])
    snap = AccountSnapshot.from_ledger(T0, book, prices)
    assert snap.positions == (PositionSnapshot("AAA", 4.0, 100.25, 110.0),)
    assert (snap.cash, snap.equity) == (599.0, 599.0 + 440.0)
    assert snap.costs == CostSnapshot(1.0, 0.0, 0.0, 400.0)
    assert snap.exposure == pytest.approx(440.0 / 1039.0)
