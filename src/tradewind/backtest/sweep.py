"""Parameter sweeps: every combination of a grid of config values, backtested in parallel.

Every combination is reported, not only the best, with the deflated Sharpe ratio of the best
(see :mod:`tradewind.reports.overfitting`) as a warning about selection bias.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import yaml

from tradewind.backtest.runner import run_backtest
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import get_market_data
from tradewind.domain.errors import UsageError
from tradewind.reports.metrics import value_path_returns
from tradewind.reports.overfitting import DeflatedSharpe, deflated_sharpe


@dataclass(frozen=True)
class SweepResult:
    """One combination's settings and headline metrics."""

    settings: dict[str, Any]
    metrics: dict[str, float]
    returns: np.ndarray


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2", "c=x"]`` -> ``{"a.b": [1, 2], "c": ["x"]}`` (values parsed as YAML)."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise UsageError(
                f"--set {spec!r}: expected KEY=V1,V2,... e.g. "
                "portfolio_optimization.rebalancing.drift_threshold=0.05,0.1"
            )
        grid[key.strip()] = [yaml.safe_load(v) for v in values.split(",")]
    return grid


def combinations(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a stable order."""
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def apply_settings(cfg: TradewindConfig, settings: Mapping[str, Any]) -> TradewindConfig:
    """``cfg`` with dotted-path ``settings`` applied and validated (errors name the path)."""
    data = cfg.model_dump(mode="json")
    for path, value in settings.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise UsageError(f"--set {path}: {part!r} is not a config section")
            node = node[part]
        if parts[-1] not in node:
            raise UsageError(f"--set {path}: unknown key {parts[-1]!r}")
        node[parts[-1]] = value
    return validate_config(data, source="--set")


def _run_one(args: tuple[dict[str, Any], dict[str, Any], str | None, str | None]) -> SweepResult:
    cfg_data, settings, start, end = args
    cfg = apply_settings(validate_config(cfg_data), settings)
    provider = get_market_data(cfg)
    run = run_backtest(
        cfg,
        provider,
        pd.Timestamp(start) if start else None,
        pd.Timestamp(end) if end else None,
    )
    perf = run.summary.performance
    equity = run.summary.recorder.equity_curve()
    metrics = {
        "cagr": perf.cagr,
        "sharpe": perf.sharpe,
        "max_drawdown": perf.max_drawdown,
        "turnover": perf.turnover,
        "costs_pct_per_year": perf.costs_pct_per_year,
        "rebalances": float(perf.rebalances),
        "final_equity": perf.final_equity,
    }
    return SweepResult(settings, metrics, value_path_returns(equity, perf.initial_capital))


def run_sweep(
    cfg: TradewindConfig,
    grid: Mapping[str, list[Any]],
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    processes: int = 2,
    progress: Callable[[SweepResult], None] | None = None,
) -> tuple[list[SweepResult], DeflatedSharpe]:
    """Backtest every combination (in ``processes`` worker processes); deflate the best."""
    combos = combinations(grid)
    for combo in combos:  # validate everything before spending CPU
        apply_settings(cfg, combo)
    base = cfg.model_dump(mode="json")
    jobs = [
        (base, combo, start.isoformat() if start else None, end.isoformat() if end else None)
        for combo in combos
    ]
    results: list[SweepResult] = []
    if processes <= 1 or len(jobs) == 1:
        for job in jobs:
            results.append(_run_one(job))
            if progress:
                progress(results[-1])
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for result in pool.map(_run_one, jobs):
                results.append(result)
                if progress:
                    progress(result)
    per_period = [
        float(np.mean(r.returns) / np.std(r.returns, ddof=1)) if np.std(r.returns) > 0 else 0.0
        for r in results
    ]
    best = int(np.argmax(per_period))
    return results, deflated_sharpe(per_period, results[best].returns)
