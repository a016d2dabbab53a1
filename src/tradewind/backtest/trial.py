"""One sweep trial on a worker: a walk-forward backtest of the base config with its parameters set.

Everything here runs on the workers of every executor (local processes, a Dask cluster), so it
is the one place that turns parameters into results. A trial that raises is a *result* (status
``failed``, with its error), never a lost trial: the sweep accounts for every trial it planned.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from threadpoolctl import threadpool_limits

from tradewind.backtest.runner import run_backtest
from tradewind.config import TradewindConfig, validate_config
from tradewind.domain.errors import ConfigError
from tradewind.domain.market import MarketData
from tradewind.regime.fitcache import FitCache
from tradewind.reports.metrics import value_path_returns

TrialStatus = Literal["ok", "failed"]
METRICS: tuple[str, ...] = (
    "sharpe",
    "cagr",
    "total_return",
    "volatility",
    "sortino",
    "max_drawdown",
    "calmar",
    "turnover",
    "costs_pct_per_year",
    "rebalances",
    "win_rate",
    "final_equity",
)
"""Headline metrics kept for every trial (:class:`~tradewind.reports.metrics.Performance`)."""


@dataclass(frozen=True)
class TrialSpec:
    """A trial to run: its id (:func:`~tradewind.backtest.space.trial_id`) and parameters."""

    trial_id: str
    params: dict[str, Any]


@dataclass(frozen=True)
class TrialResult:
    """What one trial produced: metrics and daily returns, or the error that stopped it.

    ``returns`` are the simple returns of the value path ``[initial capital, E_0, ...]``
    (one per session from ``first`` to ``last``), the input of the overfitting statistics.
    """

    trial_id: str
    params: dict[str, Any]
    status: TrialStatus
    metrics: dict[str, float] = field(default_factory=dict)
    returns: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    first: str = ""
    last: str = ""
    error: str = ""
    seconds: float = 0.0
    worker: str = ""

    @classmethod
    def failed(
        cls, spec: TrialSpec, error: str, *, seconds: float = 0.0, worker: str = ""
    ) -> TrialResult:
        """A trial that did not produce results, with the reason."""
        return cls(
            spec.trial_id, spec.params, "failed", error=error, seconds=seconds, worker=worker
        )


@dataclass(frozen=True)
class SweepData:
    """What every worker needs for every trial, shipped to each worker once.

    Attributes
    ----------
    config
        The base configuration every trial's parameters are applied to.
    provider
        The market data (a :mod:`~tradewind.backtest.snapshot` of the configured source).
    start, end
        The backtest period (None: all the data).
    fit_cache
        Regime-detector fits shared by the trials a worker runs (empty when shipped): trials
        that differ in anything but the detector's settings reuse its fits instead of refitting
        them (the same results; a regime-aware trial on the bundled data drops from seconds to
        a fraction of one once its worker has fitted the first).
    """

    config: TradewindConfig
    provider: MarketData
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    fit_cache: FitCache = field(default_factory=FitCache, compare=False, repr=False)


def apply_settings(cfg: TradewindConfig, settings: Mapping[str, Any]) -> TradewindConfig:
    """``cfg`` with dotted-path ``settings`` applied and validated (errors name the path)."""
    data = cfg.model_dump(mode="json")
    for path, value in settings.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ConfigError(f"--set {path}: {part!r} is not a config section")
            node = node[part]
        if parts[-1] not in node:
            raise ConfigError(f"--set {path}: unknown key {parts[-1]!r}")
        node[parts[-1]] = value
    return validate_config(data, source="--set")


def run_trial(data: SweepData, spec: TrialSpec) -> TrialResult:
    """Backtest one trial; any exception becomes a ``failed`` result naming the error."""
    began = time.perf_counter()
    try:
        cfg = apply_settings(data.config, spec.params)
        run = run_backtest(
            cfg,
            data.provider,
            data.start,
            data.end,
            name=f"trial-{spec.trial_id}",
            fit_cache=data.fit_cache,
        )
    except Exception as exc:  # a trial's failure is recorded as its result, never raised
        return TrialResult.failed(
            spec,
            f"{type(exc).__name__}: {exc}",
            seconds=time.perf_counter() - began,
            worker=worker_name(),
        )
    perf = run.summary.performance.as_dict()
    equity = run.summary.recorder.equity_curve()
    return TrialResult(
        spec.trial_id,
        spec.params,
        "ok",
        metrics={name: float(perf[name]) for name in METRICS},
        returns=value_path_returns(equity, run.summary.performance.initial_capital),
        first=run.start.isoformat(),
        last=run.end.isoformat(),
        seconds=time.perf_counter() - began,
        worker=worker_name(),
    )


def run_trials(data: SweepData, specs: Sequence[TrialSpec]) -> list[TrialResult]:
    """Run a batch of trials one after another on one core (BLAS kept single-threaded).

    One thread per worker: the executors give each core its own worker, and a BLAS that
    spawned threads of its own would oversubscribe them (and could round differently).
    """
    with threadpool_limits(limits=1):
        return [run_trial(data, spec) for spec in specs]


def worker_name() -> str:
    """``host:pid`` of the process running a trial."""
    return f"{socket.gethostname()}:{os.getpid()}"
