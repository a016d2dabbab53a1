"""The benchmark cases of ``shared/BENCH_TASKS.md``: T1 and T2 on the real data, T3 at N=100, 500.

The task definitions live in :mod:`tradewind.backtest.bench_tasks` (the tests use them too);
this module only assembles them into cases: prices, target weights by row (computed once, with
tradewind's optimizer for T2, timed), the price matrix's SHA-256 and the tradewind config.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.backtest.bench_tasks import (
    T3_SIZES,
    TaskName,
    load_sp500_closes,
    prices_sha256,
    t1_weights,
    t2_weights,
    t3_prices,
    task_config,
)
from tradewind.config import TradewindConfig

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Case:
    """One (data, task) pair, ready for every engine."""

    data: str
    task: TaskName
    prices: pd.DataFrame
    weights: dict[int, FloatArray]
    optimizer_seconds: float
    """Best time of computing every T2 target with tradewind's optimizer (0 for T1)."""
    sha256: str

    @property
    def n_assets(self) -> int:
        """Number of assets."""
        return int(self.prices.shape[1])

    @property
    def label(self) -> str:
        """Short name, e.g. ``T2 sp500 N=20``."""
        return f"{self.task} {self.data} N={self.n_assets}"

    @property
    def engine_only(self) -> bool:
        """True where the task times engines on precomputed weights (T3)."""
        return self.data != "sp500"

    def config(self) -> TradewindConfig:
        """tradewind's configuration for this case."""
        return task_config(self.task, list(self.prices.columns))


def timed_weights(prices: pd.DataFrame, repeats: int = 3) -> tuple[dict[int, FloatArray], float]:
    """T2 targets and the best time of computing them (after a warm-up)."""
    weights = t2_weights(prices)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        t2_weights(prices)
        best = min(best, time.perf_counter() - start)
    return weights, best


def cases() -> Iterator[Case]:
    """T1 and T2 on the 20 real stocks (all rows from 1990), then T3 at each size."""
    datasets: list[tuple[str, pd.DataFrame]] = [("sp500", load_sp500_closes())]
    datasets += [("T3", t3_prices(n)) for n in T3_SIZES]
    for name, prices in datasets:
        digest = prices_sha256(prices)
        equal = t1_weights(pd.DatetimeIndex(prices.index), prices.shape[1])
        yield Case(name, "T1", prices, equal, 0.0, digest)
        weights, seconds = timed_weights(prices)
        yield Case(name, "T2", prices, weights, seconds, digest)
