"""Sweeps on a real Dask cluster (two worker processes on 127.0.0.1): the same results as local
processes, trial by trial, and every trial accounted for when a worker is killed mid-sweep."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import distributed
import numpy as np
import pandas as pd
import pytest

from tradewind.backtest.executors import get_executor
from tradewind.backtest.executors.dask_cluster import DaskExecutor
from tradewind.backtest.results import SweepFolder
from tradewind.backtest.space import SearchSpace
from tradewind.backtest.sweep import run_sweep
from tradewind.backtest.trial import SweepData, TrialResult
from tradewind.config import TradewindConfig, validate_config
from tradewind.data.frames import FramesData
from tradewind.domain.errors import ConfigError

START = pd.Timestamp("2019-01-02", tz="America/New_York")
END = pd.Timestamp("2019-12-31", tz="America/New_York")
SPACE = SearchSpace(
    {
        "portfolio_optimization.rebalancing.drift_threshold": [0.02, 0.1, 0.2],
        "portfolio_optimization.lookback_days": [63, 126],
    }
)
METRIC_COLUMNS = ["status", "sharpe", "cagr", "max_drawdown", "turnover", "final_equity", "first"]


def _cfg() -> TradewindConfig:
    return validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "JPM", "JNJ", "XOM"]},
            "data": {"source": "bundled"},
            "portfolio_optimization": {"regime_aware": False},
            "notifications": {"discord": {"enabled": False}},
        }
    )


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> SweepFolder:
    """The sweep on two local processes: the reference."""
    folder = tmp_path_factory.mktemp("local") / "sweep"
    run_sweep(_cfg(), SPACE, start=START, end=END, folder=folder,
              executor=get_executor("local", None, 2))  # fmt: skip
    return SweepFolder(folder)


def _assert_same_trials(got: SweepFolder, want: SweepFolder) -> int:
    a = got.table().set_index("trial_id").sort_index()
    b = want.table().set_index("trial_id").sort_index()
    assert list(a.index) == list(b.index)
    pd.testing.assert_frame_equal(a[METRIC_COLUMNS], b[METRIC_COLUMNS])
    returns_a, returns_b = got.returns(), want.returns()
    compared = 0
    for tid, series in returns_b.items():
        assert np.array_equal(returns_a[tid], series)  # bit for bit
        compared += 1
    return compared


def test_a_local_dask_cluster_gives_the_local_results_trial_by_trial(
    local: SweepFolder, tmp_path: Path
) -> None:
    executor = get_executor("dask", None, 2)
    run = run_sweep(_cfg(), SPACE, start=START, end=END, folder=tmp_path / "s",
                    executor=executor, batch_size=2)  # fmt: skip
    assert (run.planned, run.ran, run.failed) == (6, 6, 0)
    assert run.executor == "dask local cluster on 127.0.0.1, 2 workers"
    assert _assert_same_trials(SweepFolder(tmp_path / "s"), local) == 6


def test_a_worker_killed_mid_sweep_has_its_trials_run_elsewhere(
    local: SweepFolder, tmp_path: Path
) -> None:
    executor = DaskExecutor(None, 2)
    killed: dict[str, int] = {}
    before_kill: set[str] = set()

    def kill_a_busy_worker(results: list[TrialResult]) -> None:
        if killed:
            return
        before_kill.update(r.trial_id for r in results)
        client = executor.client
        busy = [addr for addr, keys in client.processing().items() if keys]
        assert busy, "no worker was running a trial when the first one finished"
        pids = client.run(os.getpid)
        os.kill(pids[busy[0]], signal.SIGKILL)
        killed.update(pid=pids[busy[0]], tasks=len(client.processing()[busy[0]]))

    run = run_sweep(_cfg(), SPACE, start=START, end=END, folder=tmp_path / "s",
                    executor=executor, batch_size=1, progress=kill_a_busy_worker)  # fmt: skip
    assert killed["tasks"] >= 1 and len(before_kill) == 1
    assert (run.ran, run.failed) == (6, 0)  # the killed worker's trial ran on another one
    done = SweepFolder(tmp_path / "s")
    assert _assert_same_trials(done, local) == 6
    table = done.table()
    by_dead = set(table.loc[table["worker"].str.endswith(f":{killed['pid']}"), "trial_id"])
    assert by_dead <= before_kill  # nothing came back from the dead process after the kill


def test_joining_needs_a_scheduler_and_sizes_belong_to_the_local_cluster() -> None:
    with pytest.raises(ConfigError, match="drop --workers"):
        get_executor("dask", "tcp://127.0.0.1:1", 2)
    with pytest.raises(ConfigError, match="--address is for --executor dask"):
        get_executor("local", "tcp://127.0.0.1:8786", None)
    with pytest.raises(ConfigError, match="--executor ray is not available yet"):
        get_executor("ray")


def test_a_missing_extra_names_its_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ConfigError, match=r'pip install "tradewind\[cluster\]"'):
        get_executor("dask")


def test_joining_a_cluster_whose_workers_run_another_tradewind_is_refused(tmp_path: Path) -> None:
    # a worker whose installed tradewind says 9.9.9 (its metadata first on PYTHONPATH)
    fake = tmp_path / "site" / "tradewind-9.9.9.dist-info"
    fake.mkdir(parents=True)
    (fake / "METADATA").write_text("Metadata-Version: 2.1\nName: tradewind\nVersion: 9.9.9\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    procs = [
        subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--no-dashboard"], stderr=subprocess.DEVNULL, start_new_session=True),
        subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                          "--no-dashboard"], env=env, stderr=subprocess.DEVNULL,
                         start_new_session=True),
    ]  # fmt: skip
    executor = get_executor("dask", address)
    try:
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        with pytest.raises(
            ConfigError, match=r"1 of 1 workers cannot run trials .*tradewind 9\.9\.9"
        ):
            executor.start(
                SweepData(
                    _cfg(),
                    FramesData(
                        pd.DataFrame(
                            {"A": [1.0, 2.0]}, index=pd.to_datetime(["2020-01-02", "2020-01-03"])
                        )
                    ),
                )
            )
    finally:
        executor.close()
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
