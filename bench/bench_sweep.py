"""Sweep benchmark: backtests per second on local processes and on Dask clusters of 1 and 2 workers.

Runs the same 200 walk-forward backtests of the bundled S&P 500 stocks (10 symbols, 2005-2022
by default, max Sharpe on a trailing window, a grid of drift threshold x lookback x position
cap) through:

* ``local``: the default executor, two worker processes;
* ``dask 1 worker`` and ``dask 2 workers``: a Dask ``LocalCluster`` on 127.0.0.1;

in four rounds of 50, each round on every executor in turn (so a change in the shared machine's
load falls on all three alike), two backtests a task, and prints for each the throughput
(backtests per second, timed from the first task submitted to the last result of each round,
after the workers have started and received the data), the one-off cost of starting the workers
and shipping the data, and the per-task overhead:

* *the engine's per-task overhead*: the worker time per task of no-op tasks on the same cluster
  (scheduling, sending the task, returning its result);
* *all time outside backtests*: ``(workers x wall - sum of the trials' own seconds) / tasks``:
  that overhead plus moving parameters and results and the idle at the end of each round.

Then the issue's targets as PASS/MISS lines: 2 workers >= 1.7x the throughput of 1, the
engine's per-task overhead < 5% of a backtest. The machine's load average is printed at the
start and the end (:mod:`machine`): on a shared machine the scaling figure moves with the other
processes, and a yellow warning says when other work kept more than half the CPUs busy.

Last, a regime-aware trial (``hmm`` detector) is timed on a fresh worker and again once the
worker holds the detector's fits, and compared with a fresh run.

Each run stores its period's figures (and the regime-aware trial's) in ``docs/bench_sweep.json``
and rewrites the README's ``bench:sweep`` block from that file (``--no-write``: print only).

Usage: ``make bench`` or ``.venv/bin/python bench/bench_sweep.py [--trials N] [--start --end]``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: single-threaded BLAS

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import pandas as pd  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tradewind.backtest.executors import Executor, batches_of  # noqa: E402
from tradewind.backtest.executors.dask_cluster import DaskExecutor  # noqa: E402
from tradewind.backtest.executors.local import LocalExecutor  # noqa: E402
from tradewind.backtest.space import SearchSpace, planned_trials, trial_id  # noqa: E402
from tradewind.backtest.sweep import sweep_data  # noqa: E402
from tradewind.backtest.trial import TrialSpec, run_trials  # noqa: E402
from tradewind.config import TradewindConfig, validate_config  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))  # bench/ modules, run as a script
import machine  # noqa: E402
from sweep_block import store  # noqa: E402

SYMBOLS = ["AAPL", "MSFT", "JPM", "JNJ", "PG", "XOM", "WMT", "KO", "UNH", "HD"]
START = pd.Timestamp("2005-01-03", tz="America/New_York")
END = pd.Timestamp("2022-12-28", tz="America/New_York")
"""The demo's period (``--start``/``--end`` for another: a 4-year backtest is short enough
that the scheduler's fixed cost a task shows, see the README)."""
SPACE = {
    "portfolio_optimization.rebalancing.drift_threshold": [
        0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20,
    ],
    "portfolio_optimization.lookback_days": [63, 126, 189, 252, 378],
    "risk_management.max_position_size": [0.15, 0.20, 0.25, 0.30],
}  # fmt: skip
SCALING_TARGET = 1.7
OVERHEAD_TARGET = 0.05
NOOP_TASKS = 200
ROUNDS = 4
"""The backtests are run in this many rounds, each round on every executor in turn."""
WORKERS = 2
"""Worker processes of the local executor and of the larger Dask cluster: the CPUs the sweep
keeps busy (its share of the load average at the end)."""
BATCH = 2
"""Backtests per task (a round of 50 on 2 workers: 25 tasks, so little idle at its end)."""

console = Console(width=max(Console().width, 120))


def noop(data: object) -> int:
    """A task that does nothing with the shipped data (measures the scheduler's round trip)."""
    return 0 if data is None else 1


@dataclass(frozen=True)
class Measured:
    """One executor's run of the sweep."""

    name: str
    workers: int
    tasks: int
    startup: float
    wall: float
    trial_seconds: float
    trials: int
    noop_ms: float | None

    @property
    def per_second(self) -> float:
        """Backtests per second."""
        return self.trials / self.wall

    @property
    def mean_backtest(self) -> float:
        """Mean seconds of one backtest, measured inside the worker."""
        return self.trial_seconds / self.trials

    @property
    def overhead_ms(self) -> float:
        """Worker time not spent in backtests, per task (ms)."""
        return (self.workers * self.wall - self.trial_seconds) / self.tasks * 1000.0


def config() -> TradewindConfig:
    """The swept strategy: the runbook's optimizer and rebalancing, no regime policy."""
    return validate_config(
        {
            "trading": {"symbols": SYMBOLS},
            "data": {"source": "bundled"},
            "portfolio_optimization": {"method": "max_sharpe", "regime_aware": False},
            "notifications": {"discord": {"enabled": False}},
        },
        source="bench_sweep",
    )


@dataclass
class Timing:
    """What one executor has measured so far."""

    name: str
    executor: Executor
    startup: float = 0.0
    wall: float = 0.0
    trial_seconds: float = 0.0
    trials: int = 0
    tasks: int = 0

    def result(self, noop_ms: float | None) -> Measured:
        """The executor's figures over every round."""
        return Measured(
            self.name, self.executor.workers, self.tasks, self.startup, self.wall,
            self.trial_seconds, self.trials, noop_ms,
        )  # fmt: skip


def start(name: str, executor: Executor, space: SearchSpace) -> Timing:
    """Start ``executor`` and ship it the data (timed apart from the runs)."""
    began = time.perf_counter()
    executor.start(sweep_data(config(), space, START, END))
    return Timing(name, executor, startup=time.perf_counter() - began)


def run_round(timing: Timing, specs: Sequence[TrialSpec]) -> None:
    """Run ``specs`` on the timing's executor: wall time from first submit to last result."""
    batches = batches_of(specs, BATCH)
    began = time.perf_counter()
    for results in timing.executor.run(batches):
        bad = [r for r in results if r.status != "ok"]
        if bad:
            raise SystemExit(f"{timing.name}: a backtest failed ({bad[0].error}); void benchmark")
        timing.trials += len(results)
        timing.trial_seconds += sum(r.seconds for r in results)
    timing.wall += time.perf_counter() - began
    timing.tasks += len(batches)


def _noop_ms(executor: DaskExecutor) -> float:
    client = executor.client
    data = executor._data  # the scattered data future: no-op tasks depend on it like trials do
    client.gather([client.submit(noop, data, pure=False) for _ in range(10)])  # warm-up
    began = time.perf_counter()
    client.gather([client.submit(noop, data, pure=False) for _ in range(NOOP_TASKS)])
    return (time.perf_counter() - began) / NOOP_TASKS * 1000.0 * executor.workers


def regime_fit_sharing() -> dict[str, Any]:
    """Time a regime-aware (hmm) trial alone, then another on the same worker (shared fits)."""
    cfg = validate_config(
        {**config().model_dump(mode="json"),
         "portfolio_optimization": {"method": "max_sharpe", "regime_aware": True},
         "regime": {"detector": "hmm"}},
        source="bench_sweep",
    )  # fmt: skip
    space = SearchSpace({"portfolio_optimization.lookback_days": [126, 252]})
    data = sweep_data(cfg, space, START, END)
    first = TrialSpec("cold", {"portfolio_optimization.lookback_days": 252})
    second = TrialSpec("warm", {"portfolio_optimization.lookback_days": 126})
    cold, warm = run_trials(data, [first, second])
    alone = run_trials(sweep_data(cfg, space, START, END), [second])[0]
    same = alone.metrics == warm.metrics and bool((alone.returns == warm.returns).all())
    console.print(
        f"regime-aware trial (hmm detector): {cold.seconds:.2f} s on a fresh worker, "
        f"{warm.seconds:.2f} s once the worker has the fits ({cold.seconds / warm.seconds:.1f}x; "
        f"identical to a fresh run: {'yes' if same else 'NO'})"
    )
    return {
        "period": _label(),
        "measured": dt.datetime.now(dt.UTC).date().isoformat(),
        "cold": cold.seconds,
        "warm": warm.seconds,
        "same": same,
    }


def _label() -> str:
    """The period's name in the README: its first and last years."""
    return f"{START.year}-{END.year}"


def _figures(
    runs: Sequence[Measured], load: machine.MachineLoad, scaling: float, engine: float
) -> dict[str, Any]:
    """What the README block shows of one period's run (:mod:`sweep_block`)."""
    executors = [
        {
            "name": m.name,
            "per_second": m.per_second,
            "mean": m.mean_backtest,
            "noop_ms": m.noop_ms,
            "overhead_ms": m.overhead_ms,
            "overhead_share": m.overhead_ms / 1000.0 * m.tasks / m.trials / m.mean_backtest,
        }
        for m in runs
    ]
    return {
        "measured": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": load.payload(),
        "trials": runs[0].trials,
        "batch": BATCH,
        "executors": executors,
        "scaling": scaling,
        "scaling_target": SCALING_TARGET,
        "scaling_ok": scaling >= SCALING_TARGET,
        "engine_overhead": engine,
        "overhead_target": OVERHEAD_TARGET,
        "overhead_ok": engine < OVERHEAD_TARGET,
        "mean_two": runs[2].mean_backtest,
    }


def _period(first: str, last: str, batch: int) -> None:
    """Use another period or batch size than the defaults (longer backtests weigh the
    scheduler's fixed cost a task less)."""
    global START, END, BATCH
    START = pd.Timestamp(first, tz="America/New_York")
    END = pd.Timestamp(last, tz="America/New_York")
    BATCH = batch


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="backtests per executor")
    parser.add_argument("--start", default=f"{START.date()}", help="first day of each backtest")
    parser.add_argument("--end", default=f"{END.date()}", help="last day of each backtest")
    parser.add_argument("--batch", type=int, default=BATCH, help="backtests per task")
    parser.add_argument(
        "--no-write",
        dest="write",
        action="store_false",
        help="print only (by default the period's figures go to docs/bench_sweep.json and the "
        "README's bench:sweep block)",
    )
    args = parser.parse_args(argv)
    _period(args.start, args.end, args.batch)
    logging.getLogger("distributed").setLevel(logging.ERROR)  # the clusters' start/stop chatter
    space = SearchSpace(SPACE, method="random", trials=args.trials, seed=26)
    specs = [TrialSpec(trial_id(p), p) for p in planned_trials(space)]
    began = machine.start(say=console.print)
    console.print(
        f"[bold]sweep benchmark[/]: {len(specs)} walk-forward backtests, {len(SYMBOLS)} bundled "
        f"stocks, {START.date()}..{END.date()}; {machine.console_start(began)}"
    )
    timings = [
        start(f"local ({WORKERS} processes)", LocalExecutor(WORKERS), space),
        start("dask, 1 worker", DaskExecutor(None, 1), space),
        start(f"dask, {WORKERS} workers", DaskExecutor(None, WORKERS), space),
    ]
    try:
        # rounds alternate between the executors, so a change in the machine's load (other
        # processes) falls on all of them alike rather than on whichever ran last
        size = -(-len(specs) // ROUNDS)
        for k in range(ROUNDS):
            chunk = specs[k * size : (k + 1) * size]
            for timing in timings:
                run_round(timing, chunk)
                print(
                    f"  round {k + 1}/{ROUNDS}: {timing.name}, {timing.trials}/{len(specs)} "
                    f"backtests, {timing.wall:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
        runs = [
            t.result(_noop_ms(t.executor) if isinstance(t.executor, DaskExecutor) else None)
            for t in timings
        ]
    finally:
        for name in (
            "distributed",
            "distributed.scheduler",
            "distributed.nanny",
            "distributed.core",
        ):
            logging.getLogger(name).setLevel(logging.ERROR)  # the clusters' shutdown chatter
        for timing in timings:
            timing.executor.close()
    load = machine.finish(began, cpus_used=WORKERS)
    table = Table(title="Backtests per second (wall time from first task to last result)")
    for col in ("executor", "workers", "tasks", "start + ship data s", "wall s", "backtests/s",
                "mean backtest s", "overhead ms/task", "overhead % of a backtest",
                "no-op round trip ms/task"):  # fmt: skip
        table.add_column(col, justify="right")
    for m in runs:
        per_trial = m.overhead_ms / 1000.0 * m.tasks / m.trials
        table.add_row(
            m.name, str(m.workers), str(m.tasks), f"{m.startup:.2f}", f"{m.wall:.1f}",
            f"{m.per_second:.2f}", f"{m.mean_backtest:.3f}", f"{m.overhead_ms:.1f}",
            f"{per_trial / m.mean_backtest:.1%}",
            "" if m.noop_ms is None else f"{m.noop_ms:.1f}",
        )  # fmt: skip
    console.print(table)
    one, two = runs[1], runs[2]
    scaling = two.per_second / one.per_second
    overhead = two.overhead_ms / 1000.0 * two.tasks / two.trials / two.mean_backtest
    console.print(
        f"dask 2 workers vs 1: {scaling:.2f}x the throughput; local (2 processes) vs dask 2 "
        f"workers: {runs[0].per_second / two.per_second:.2f}x"
    )
    verdict = "PASS" if scaling >= SCALING_TARGET else "MISS"
    console.print(f"{verdict}: 2 workers >= {SCALING_TARGET}x 1 worker ({scaling:.2f}x)")
    engine = (two.noop_ms or 0.0) / 1000.0 / two.mean_backtest
    verdict = "PASS" if engine < OVERHEAD_TARGET else "MISS"
    console.print(
        f"{verdict}: Dask's per-task overhead < {OVERHEAD_TARGET:.0%} of a backtest "
        f"(2 workers: {two.noop_ms:.1f} ms a task, the no-op round trip, = {engine:.1%} of a "
        f"{two.mean_backtest:.3f} s backtest)"
    )
    console.print(
        f"all worker time outside backtests (scheduling, transfers, idle at each round's end), "
        f"2 workers: {two.overhead_ms:.1f} ms a task of {BATCH} backtests = {overhead:.1%} of a "
        "backtest"
    )

    console.print(machine.console_end(load))

    regime = regime_fit_sharing()
    if args.write:
        store(_label(), _figures(runs, load, scaling, engine), regime)
        console.print("wrote docs/bench_sweep.json and the README's bench:sweep block")


if __name__ == "__main__":
    main()
