"""Parameter sweeps: many walk-forward backtests of one config, on any executor, resumable.

``run_sweep`` plans the trials of a :class:`~tradewind.backtest.space.SearchSpace`, skips the
ones its folder already holds, ships the market data to the executor's workers once, runs the
rest in batches and appends each finished batch to the folder as it arrives
(:mod:`tradewind.backtest.results`). Every trial is kept, not only the best; the honest reading
of the results (deflated Sharpe over the effectively different trials, PBO) is
:mod:`tradewind.backtest.sweep_report`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tradewind.backtest.executors import Executor, auto_batch_size, batches_of, get_executor
from tradewind.backtest.results import SweepFolder
from tradewind.backtest.snapshot import snapshot
from tradewind.backtest.space import (
    SearchSpace,
    combinations,
    parse_grid,
    planned_trials,
    trial_id,
)
from tradewind.backtest.tpe import TpeSearch
from tradewind.backtest.trial import SweepData, TrialResult, TrialSpec, apply_settings
from tradewind.config import TradewindConfig
from tradewind.data import get_market_data
from tradewind.domain.errors import ConfigError

__all__ = [
    "SweepRun",
    "apply_settings",
    "combinations",
    "default_folder",
    "parse_grid",
    "run_sweep",
    "sweep_data",
    "sweep_spec",
]

SWEEPS_DIR = Path("runs") / "sweeps"
FULL_CHECK_LIMIT = 20_000
"""Grids up to this size have every combination validated before any CPU is spent."""
TPE_ROUND_TASKS = 2
"""Tasks per worker in each round of a TPE search."""

ProgressFn = Callable[[list[TrialResult]], None]


@dataclass(frozen=True)
class SweepRun:
    """What one call of :func:`run_sweep` did.

    Attributes
    ----------
    folder
        The sweep's folder (``runs/sweeps/<name>``).
    planned
        Trials in the sweep (the grid, or the search's budget).
    skipped
        Trials already recorded by an earlier run of the same sweep, not run again.
    ran, failed
        Trials run now, and how many of them failed.
    executor
        Where they ran.
    """

    folder: Path
    planned: int
    skipped: int
    ran: int
    failed: int
    executor: str


def sweep_spec(
    cfg: TradewindConfig,
    space: SearchSpace,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> dict[str, Any]:
    """What identifies a sweep: its space, base config and period (``sweep.json``)."""
    spec = {
        "space": space.as_dict(),
        "config": cfg.model_dump(mode="json"),
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
    }
    normalised: dict[str, Any] = json.loads(json.dumps(spec, default=str))
    return normalised


def default_folder(spec: Mapping[str, Any], root: Path = SWEEPS_DIR) -> Path:
    """``runs/sweeps/sweep-<hash>``: the same sweep always gets the same folder (and resumes)."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:10]
    return root / f"sweep-{digest}"


def check_space(cfg: TradewindConfig, space: SearchSpace) -> None:
    """Refuse a space with a value the config rejects, before any backtest runs.

    Every value is applied alone; a grid (or random search) of up to
    :data:`FULL_CHECK_LIMIT` combinations also has each combination validated.

    Raises
    ------
    ConfigError
        Naming the parameter, the value and the config's reason.
    """
    for key, values in space.params.items():
        for value in values:
            try:
                apply_settings(cfg, {key: value})
            except ConfigError as exc:
                raise ConfigError(f"params.{key} = {value!r}: {exc}") from None
    if space.method != "tpe" and space.size <= FULL_CHECK_LIMIT:
        for combo in combinations(space.params):
            apply_settings(cfg, combo)


def run_sweep(
    cfg: TradewindConfig,
    space: SearchSpace,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    folder: Path | None = None,
    executor: Executor | None = None,
    batch_size: int | None = None,
    retry_failed: bool = False,
    on_plan: Callable[[int, int], None] | None = None,
    progress: ProgressFn | None = None,
) -> SweepRun:
    """Run (or resume) the sweep of ``space`` over ``cfg``; results go to ``folder``.

    Parameters
    ----------
    folder
        Where results are kept (default :func:`default_folder`). A folder holding the same
        sweep resumes it: its recorded trials are skipped.
    executor
        Where trials run (default: local processes, one per core).
    batch_size
        Trials per task (default :func:`~tradewind.backtest.executors.auto_batch_size`).
    retry_failed
        Run recorded ``failed`` trials again instead of skipping them.
    on_plan
        Called once with (trials in the sweep, trials already recorded).
    progress
        Called with each finished batch's results, as it is recorded.
    """
    check_space(cfg, space)
    spec = sweep_spec(cfg, space, start, end)
    store = SweepFolder(folder or default_folder(spec))
    store.start(spec)
    runner = executor or get_executor("local")
    recorded = store.finished(include_failed=not retry_failed)
    planned = space.budget
    todo: list[TrialSpec] = []
    if space.method == "tpe":
        skipped = min(len(recorded), planned)
    else:
        plan = [TrialSpec(trial_id(p), p) for p in planned_trials(space)]
        todo = [s for s in plan if s.trial_id not in recorded]
        skipped = len(plan) - len(todo)
    if on_plan:
        on_plan(planned, skipped)
    ran = failed = 0
    if todo or (space.method == "tpe" and skipped < planned):
        runner.start(sweep_data(cfg, space, start, end))
        try:
            stream = (
                _tpe_rounds(runner, space, store, batch_size)
                if space.method == "tpe"
                else runner.run(batches_of(todo, batch_size or _auto(len(todo), runner)))
            )
            for results in stream:
                store.append(results)
                ran += len(results)
                failed += sum(r.status == "failed" for r in results)
                if progress:
                    progress(results)
        finally:
            runner.close()
    return SweepRun(store.path, planned, skipped, ran, failed, runner.describe())


def _auto(trials: int, runner: Executor) -> int:
    return auto_batch_size(trials, runner.workers)


def sweep_data(
    cfg: TradewindConfig,
    space: SearchSpace,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> SweepData:
    """What every worker needs: the base config, the period, and a snapshot of the data of
    every symbol any trial trades (plus the benchmarks and VIX)."""
    symbols: list[str] = list(cfg.trading.symbols)
    for value in space.params.get("trading.symbols", []):
        symbols += [str(s) for s in value] if isinstance(value, list) else []
    benchmarks = [cfg.data.benchmark, *map(str, space.params.get("data.benchmark", []))]
    provider = snapshot(get_market_data(cfg), [*symbols, *benchmarks])
    return SweepData(cfg, provider, start, end)


def _tpe_rounds(
    runner: Executor, space: SearchSpace, store: SweepFolder, batch_size: int | None
) -> Iterator[list[TrialResult]]:
    """Ask, run and tell rounds of a TPE search until its budget of distinct trials is spent."""
    search = TpeSearch(space)
    search.record({r.trial_id: r for r in _recorded_results(store)})
    while search.remaining:
        round_size = runner.workers * TPE_ROUND_TASKS * (batch_size or 1)
        specs = search.ask(round_size)
        finished: dict[str, TrialResult] = {}
        size = batch_size or auto_batch_size(len(specs), runner.workers, per_worker=TPE_ROUND_TASKS)
        for results in runner.run(batches_of(specs, size)):
            finished.update((r.trial_id, r) for r in results)
            yield results
        search.tell([finished[s.trial_id] for s in specs])


def _recorded_results(store: SweepFolder) -> Iterable[TrialResult]:
    records = store.records()
    for tid, params, status, sharpe in zip(
        records["trial_id"], records["params"], records["status"], records["sharpe"], strict=True
    ):
        if status == "ok":
            yield TrialResult(str(tid), json.loads(params), "ok", {"sharpe": float(sharpe)})
        else:
            yield TrialResult(str(tid), json.loads(params), "failed")
