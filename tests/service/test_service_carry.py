"""A new wall-clock run (a strategy setting changed) carries on the risk state of the previous
run on the same account: peak equity, the session's opening equity, the losing streak, and the
stops of the positions still held. Replays never inherit anything."""

from __future__ import annotations

from pathlib import Path

import yaml
from servicekit import FakeClock, load, run_inprocess, run_wall, write_config

from tradewind.risk import BreakerParams
from tradewind.service.carry import load_seed
from tradewind.service.checkpoint import load_checkpoint
from tradewind.service.halts import risk_status
from tradewind.store import Store


def _tracker(store: Store, run_id: int) -> dict:  # type: ignore[type-arg]
    ckpt = load_checkpoint(store, run_id)
    assert ckpt is not None
    return dict(ckpt.risk["tracker"])


def test_a_changed_setting_keeps_breaker_distances_and_stop_levels(fast_tmp: Path) -> None:
    config = write_config(fast_tmp, execution={"fill_price": "close"})
    cfg = load(config)
    clock = FakeClock("2020-01-06 09:31")
    first = run_wall(config, clock, 25)
    with Store(cfg.database_url, mode=None) as store:
        before = _tracker(store, first.run_id)
        fills = store.positions_from_fills(first.run_id)
    still_held = {s for s, p in fills.items() if p.quantity > 0}  # the account after run 1
    held = {s: row for s, row in before["positions"].items() if "peak" in row}
    assert held and before["peak_equity"] > before["equity"]  # in a drawdown, with stops
    # the user fine-tunes rebalancing (runbook, days 6-7) and restarts: a new run
    data = yaml.safe_load(config.read_text("utf-8"))
    data["portfolio_optimization"]["rebalancing"]["drift_threshold"] = 0.06
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    second = run_wall(config, clock, 1)
    assert second.run_id == first.run_id + 1
    with Store(cfg.database_url, mode=None) as store:
        after = _tracker(store, second.run_id)
        [carried] = store.events(second.run_id, kinds=["risk_state_carried"])
        status = risk_status(store, BreakerParams.from_config(cfg.risk_management))
        seed = load_seed(store, second.run_id)
    assert seed is not None
    assert f"of run {first.run_id}" in carried.message
    assert after["peak_equity"] >= before["peak_equity"]  # not today's equity
    assert status["peak_equity"] >= before["peak_equity"]
    assert status["drawdown"] > 0 and status["breakers"]["drawdown"]["to_halt"] < 0.15
    for key in ("session", "open_equity", "peak_equity", "consecutive_losses", "daily_warned"):
        assert seed[key] == before[key], key  # the breakers start where run 1 stopped
    # stops carry over for what the account still holds (a sell in run 1's last cycle fills
    # after the tracker's last look, so the tracker may still know a symbol now sold)
    assert seed["positions"] and set(seed["positions"]) == set(held) & still_held
    for symbol, row in held.items():  # a trailing stop keeps its highest price since entry
        if symbol in after["positions"]:
            assert after["positions"][symbol]["peak"] >= row["peak"]
            assert after["positions"][symbol]["levels"]["trailing"] >= row["levels"]["trailing"]


def test_a_replay_never_inherits_a_wall_clock_runs_risk_state(fast_tmp: Path) -> None:
    config = write_config(fast_tmp, execution={"fill_price": "close"})
    cfg = load(config)
    run_wall(config, FakeClock("2020-01-06 09:31"), 5)
    _, replay = run_inprocess(config, replay=("2019-09-02", "2019-09-30"))
    with Store(cfg.database_url, mode=None) as store:
        assert store.events(replay.run_id, kinds=["risk_state_carried"]) == []
        assert load_seed(store, replay.run_id) is None
