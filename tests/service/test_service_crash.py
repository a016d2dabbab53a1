"""Crash recovery: a simulated session killed with SIGKILL at many moments (between persisting and
submitting an order, between a broker's fill and its recording, between a cycle's row and its
checkpoint, at random times) and restarted each time ends exactly like an uninterrupted run:
same orders, fills, equity curve, positions and cash, and no client order id ever sent twice.

``make soak`` runs hundreds of kills (``bench/soak_crash.py``); these are the quick ones.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from servicekit import compare, crash_until_finished, run_session, snapshot, write_config

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

SIM = {"partial_fill_prob": 0.3, "seed": 5}

FAULT_PLANS = [
    {"fault": "after_persist:3"},  # order committed, broker never saw it
    {"fault": "after_mark:2"},  # hand-over recorded, broker never saw it
    {"fault": "sim_before_commit:4"},  # broker changed its mind in memory only
    {"fault": "after_submit:5"},  # broker accepted, nothing recorded
    {"fault": "after_fill:6"},  # broker filled, fill not recorded
    {"fault": "after_record:9"},  # recorded, engine never booked it
    {"fault": "before_cycle_record:15"},  # cycle ran, its row not written
    {"fault": "after_cycle_record:20"},  # row written, checkpoint not
    {"fault": "after_checkpoint:25"},
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("reference")
    run = run_session(write_config(folder), sim=SIM)
    assert run.finished, run.stderr[-3000:]
    return snapshot(folder)


def test_reference_run_exercises_the_hard_paths(reference: dict[str, Any]) -> None:
    statuses = {o[4] for o in reference["orders"]}
    reasons = {o[7] for o in reference["orders"]}
    assert len(reference["orders"]) > 100
    assert "filled" in statuses
    assert any(r.startswith("stop:") for r in reasons)  # risk exits go through the manager too
    partial = [o for o in reference["orders"] if 0 < o[5] < o[3]]
    fills_per_order: dict[str, int] = {}
    for f in reference["fills"]:
        fills_per_order[f[0]] = fills_per_order.get(f[0], 0) + 1
    assert max(fills_per_order.values()) >= 2 or partial  # partial fills happened
    assert reference["duplicates_sent"] == [] and reference["repeated_submits"] == []


def test_sigkill_at_each_protocol_step_then_restart_ends_like_an_uninterrupted_run(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    runs = crash_until_finished(write_config(tmp_path), FAULT_PLANS, sim=SIM)
    kills = sum(r.killed for r in runs)
    assert kills == len(FAULT_PLANS), [(r.returncode, r.stdout[-200:]) for r in runs]
    crashed = snapshot(tmp_path)
    assert compare(reference, crashed) == []
    assert crashed["runs"] == [(1, "finished")]  # one run, resumed each time


def test_restart_keeps_the_order_stops_fire_in(tmp_path: Path, reference: dict[str, Any]) -> None:
    # resumes after 2020-01-07: on 01-08 two trailing stops fire (EEE opened before AAA), and
    # the exits' sequence numbers (and the partial fills drawn for them) follow that order
    runs = crash_until_finished(write_config(tmp_path), [{"fault": "after_checkpoint:88"}], sim=SIM)
    assert [r.killed for r in runs] == [True, False]
    assert compare(reference, snapshot(tmp_path)) == []


def test_sigkill_at_random_moments_then_restart_ends_like_an_uninterrupted_run(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    rng = random.Random(20240102)  # noqa: S311
    plans = [{"kill_after": rng.uniform(0.05, 1.2)} for _ in range(3)]
    plans.insert(1, {"fault": f"any:{rng.randint(50, 400)}"})
    runs = crash_until_finished(write_config(tmp_path), plans, sim=SIM)
    assert any(r.killed for r in runs)
    assert compare(reference, snapshot(tmp_path)) == []


def test_a_second_service_on_the_same_database_is_refused(tmp_path: Path) -> None:
    from tradewind.service.heartbeat import AlreadyRunning, InstanceLock

    first = InstanceLock(tmp_path / "tw.db.lock")
    first.acquire({"mode": "simulated"})
    try:
        with pytest.raises(AlreadyRunning, match="another tradewind service"):
            InstanceLock(tmp_path / "tw.db.lock").acquire({"mode": "simulated"})
    finally:
        first.release()
    shutil.rmtree(tmp_path, ignore_errors=True)
