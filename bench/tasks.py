"""The benchmark cases of ``shared/BENCH_TASKS.md``: T1 and T2 on the real data, T3 at N=100, 500.

The task definitions live in :mod:`tradewind.backtest.bench_tasks` (the tests use them too);
this module only assembles them into cases: prices, target weights by row (computed once, with
tradewind's optimizer for T2, timed), the price matrix's SHA-256 and the tradewind config; and
the 500-symbol, 18-year backtest of the demo strategy (:func:`large_run`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from tradewind.backtest import run_backtest
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
from tradewind.config import TradewindConfig, validate_config
from tradewind.data import get_market_data

ROOT = Path(__file__).resolve().parent.parent

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


LARGE_SYMBOLS = 500
LARGE_START, LARGE_END = "2005-01-03", "2022-12-30"


@dataclass(frozen=True)
class LargeRun:
    """The 500-symbol, 18-year backtest: its wall time and what it did."""

    seconds: float
    bars: int
    rebalances: int
    carried: int
    final_equity: float


def large_config(folder: Path) -> TradewindConfig:
    """The demo strategy on 500 synthetic symbols over 18 years (files in ``folder``)."""
    raw = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text(encoding="utf-8"))
    raw["trading"]["symbols"] = [f"S{i:03d}" for i in range(LARGE_SYMBOLS)]
    raw["data"] = {
        "source": "synthetic",
        "benchmark": "SP500",
        "synthetic": {"start": LARGE_START, "end": LARGE_END},
    }
    raw["database"]["url"] = f"sqlite:///{folder / 'bench.db'}"
    raw["logging"]["path"] = str(folder / "trading.log")
    return validate_config(raw)


def large_run() -> LargeRun:
    """One run of the large backtest, timed from the data provider's construction to the
    run's summary (what ``tradewind backtest`` computes before writing its reports)."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = large_config(Path(tmp))
        start = time.perf_counter()
        out = run_backtest(cfg, get_market_data(cfg))
        seconds = time.perf_counter() - start
    decisions = out.summary.recorder.decisions
    carried = sum(1 for d in decisions if d.reasons and d.reasons[0].startswith("carry:"))
    return LargeRun(
        seconds,
        len(out.summary.recorder.equity),
        int(out.summary.performance.rebalances),
        carried,
        float(out.summary.recorder.equity[-1]),
    )
