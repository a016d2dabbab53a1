"""Which halts bind which run (``tradewind.service.halts``).

A wall-clock halt blocks every wall-clock start of the mode until a person resumes it, and no
replay's simulated resume ever clears it; a wall-clock run never resumes by itself; a replay's
halts belong to that replay (a restart keeps them, a new replay starts clean); a simulated
resume never clears a reconciliation halt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servicekit import (
    FakeClock,
    copy_databases,
    load,
    run_inprocess,
    run_wall,
    write_config,
)

from tradewind.domain import Side
from tradewind.service import TradeOptions
from tradewind.service.halts import resume_mode
from tradewind.store import Store

HALTING: dict[str, Any] = {
    "daily_loss_limit": 0.012,
    "daily_loss_warning": 0.006,
    "stop_loss": {"enabled": False},
    "circuit_breaker": {
        "enabled": True,
        "consecutive_losses": 4,
        "max_drawdown": 0.15,
        "backtest_resume_sessions": 3,
    },
}
"""A tight daily loss limit: the synthetic market latches it within two weeks."""

WALL_START = "2020-02-03 09:31"
WALL_CYCLES = 16  # the halt latches on the 10th session, then 6 more sessions


def _config(folder: Path, **risk: Any) -> Path:
    return write_config(
        folder,
        execution={"fill_price": "close"},
        risk_management={**HALTING, **risk},
    )


@pytest.fixture(scope="module")
def wall_halted(fast_tmp_module: Path) -> tuple[Path, str]:
    """A wall-clock run that latched a daily-loss halt, and when its clock stopped."""
    folder = fast_tmp_module
    clock = FakeClock(WALL_START)
    result = run_wall(_config(folder), clock, WALL_CYCLES)
    assert result.cycles == WALL_CYCLES
    return folder, clock.t.tz_convert("America/New_York").strftime("%Y-%m-%d %H:%M")


def _continue(folder: Path, source: Path, **risk: Any) -> Path:
    config = _config(folder, **risk)
    copy_databases(source, folder)
    return config


def _buys(store: Store, run_id: int) -> list[Any]:
    return [o for o in store.orders(run_id) if o.request.side is Side.BUY]


def test_wall_clock_never_auto_resumes(wall_halted: tuple[Path, str]) -> None:
    folder, _ = wall_halted
    with Store(load(folder / "config.yaml").database_url, mode=None) as store:
        [halt] = store.halts()
        assert halt.kind == "daily_loss" and halt.active and halt.run_id == 1
        later = [c for c in store.cycles(1) if c.ts > halt.latched_at]
        assert len(later) > 3  # more sessions than backtest_resume_sessions
        assert not [o for o in _buys(store, 1) if o.request.created_at > halt.latched_at]
        assert not [e for e in store.events(1) if e.kind in ("resume", "halt_cleared")]


def test_a_replay_leaves_a_wall_clock_halt_active(
    fast_tmp: Path, wall_halted: tuple[Path, str]
) -> None:
    source, stopped_at = wall_halted
    config = _continue(fast_tmp, source)
    cfg = load(config)
    # the same user replays history on the same database: its own halts latch and clear
    _, replay = run_inprocess(config, replay=("2019-09-02", "2019-10-31"))
    assert replay.status == "finished" and replay.run_id == 2
    with Store(cfg.database_url, mode=None) as store:
        wall = store.halts()[0]
        assert wall.run_id == 1 and wall.active and wall.cleared_by is None
        _assert_simulated_resumes(store, 2)
    # the wall-clock run carries on: still halted, nothing bought
    again = run_wall(config, FakeClock(stopped_at), 3)
    assert again.run_id == 1 and again.halted
    with Store(cfg.database_url, mode=None) as store:
        assert store.halts()[0].active
        latched = store.halts()[0].latched_at
        assert not [o for o in _buys(store, 1) if o.request.created_at > latched]


def test_a_wall_clock_halt_blocks_every_wall_clock_start_until_resumed(
    fast_tmp: Path, wall_halted: tuple[Path, str]
) -> None:
    source, stopped_at = wall_halted
    # a changed setting starts a new run: it inherits the halt
    config = _continue(fast_tmp, source, daily_loss_limit=0.02)
    cfg = load(config)
    clock = FakeClock(stopped_at)
    second = run_wall(config, clock, 3)
    assert second.run_id == 2 and second.halted and second.cycles == 3
    with Store(cfg.database_url, mode=None) as store:
        assert _buys(store, 2) == []
    resume_mode(cfg, "tester", "reviewed the positions; limits raised")
    third = run_wall(config, clock, 3)
    assert third.run_id == 2 and not third.halted
    with Store(cfg.database_url, mode=None) as store:
        assert store.active_halts() == []
        assert _buys(store, 2)  # trading again after the person's resume


def test_a_replays_halt_binds_that_replay_only(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        circuit_breaker={**HALTING["circuit_breaker"]} | {"backtest_resume_sessions": None},
    )
    cfg = load(config)
    period = ("2019-09-02", "2019-10-31")
    start, end = _bounds(period)
    # run 1 halts, then stops before the end of its replay
    _, first = run_inprocess(
        config, options=TradeOptions(replay=(start, end), max_cycles=12, error_backoff=(0.0,))
    )
    with Store(cfg.database_url, mode=None) as store:
        [halt] = store.active_halts()
        assert halt.run_id == first.run_id == 1
    assert first.halted
    # a restart of the same replay run keeps its halt
    _, resumed = run_inprocess(config, replay=period)
    assert resumed.run_id == 1 and resumed.status == "finished" and resumed.halted
    with Store(cfg.database_url, mode=None) as store:
        assert store.halts()[0].active
        assert not [o for o in _buys(store, 1) if o.request.created_at > halt.latched_at]
    # a new replay is a run of its own: it starts clean and trades
    _, fresh = run_inprocess(config, replay=period)
    assert fresh.run_id == 2
    with Store(cfg.database_url, mode=None) as store:
        assert _buys(store, 2)
        assert {h.run_id for h in store.active_halts()} == {1, 2}  # each its own halt
        assert store.halts()[0].active  # run 1's halt untouched


def test_a_replays_simulated_resume_never_clears_a_reconciliation_halt(tmp_path: Path) -> None:
    config = _config(tmp_path)
    cfg = load(config)
    with Store(cfg.database_url, mode="simulated") as store:  # latched by a wall-clock run
        store.latch_halt("reconciliation", "the broker holds 10 AAA nobody ordered")
    _, replay = run_inprocess(config, replay=("2019-09-02", "2019-10-31"))
    assert replay.status == "finished"
    with Store(cfg.database_url, mode=None) as store:
        recon = store.halts()[0]
        assert recon.kind == "reconciliation" and recon.active and recon.cleared_by is None
        own = [h for h in store.halts() if h.run_id == replay.run_id]
        assert all(h.kind == "daily_loss" for h in own)
        _assert_simulated_resumes(store, replay.run_id)
        assert _buys(store, replay.run_id)
    # a reconciliation halt of the replay run itself blocks it outright (not even exits),
    # whether or not the difference is still there; no simulated resume ever clears it
    (tmp_path / "own").mkdir()
    config2 = _config(tmp_path / "own")
    cfg2 = load(config2)
    start, end = _bounds(("2019-09-02", "2019-10-31"))
    opts = TradeOptions(replay=(start, end), max_cycles=5, error_backoff=(0.0,))
    _, first = run_inprocess(config2, options=opts)
    with Store(cfg2.database_url, mode=None) as store:
        store.latch_halt(
            "reconciliation", "a difference", run_id=first.run_id, data={"clock": "replay"}
        )
    _, blocked = run_inprocess(config2, replay=("2019-09-02", "2019-10-31"))
    assert blocked.run_id == first.run_id and blocked.halted and blocked.cycles == 0
    with Store(cfg2.database_url, mode=None) as store:
        assert store.halts()[0].active


def _assert_simulated_resumes(store: Store, run_id: int) -> None:
    """The replay's own halts latched and were cleared by its simulated resume, except one
    latched too close to the replay's end for the resume to come."""
    own = [h for h in store.halts() if h.run_id == run_id]
    assert any(h.cleared_by == "backtest" for h in own)
    sessions = HALTING["circuit_breaker"]["backtest_resume_sessions"]
    cycles = [c.ts for c in store.cycles(run_id)]
    for halt in own:
        if halt.cleared_by != "backtest":
            assert halt.active and len([t for t in cycles if t > halt.latched_at]) <= sessions


def _bounds(period: tuple[str, str]) -> tuple[Any, Any]:
    import pandas as pd

    start = pd.Timestamp(period[0], tz="America/New_York")
    return start, pd.Timestamp(period[1], tz="America/New_York") + pd.Timedelta(hours=23)
