"""tradewind's engine as a benchmark contestant: ``run_backtest`` on a :class:`FramesData` provider.

The data provider is built inside every timed run, as a user's run builds it. Two variants of
the engine's target model, both swapped in around the real
:func:`~tradewind.engine.strategy.build_parts` so that everything else (feed, broker, trigger,
planner, risk hook, recorder, summary) is what ``run_backtest`` builds:

* :class:`TimedTargets` wraps the configured target model (the optimizer) and adds up the time
  spent in it, so the engine's own time is the run's time minus that;
* :class:`TargetsByTime` serves precomputed targets by the feed's current timestamp (T2: every
  engine looks the same targets up by date, like for like). Rows without targets stay in cash:
  before the first T2 rebalance that is the task's rule, and the calendar trigger never fires
  on another row without targets.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from peers import EngineResult, PeerRun
from tasks import Case

import tradewind.backtest.runner as runner
from tradewind.backtest import BacktestRun, run_backtest
from tradewind.data.frames import FramesData
from tradewind.domain.plans import Policy, TargetDecision
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import TargetModel

FloatArray = npt.NDArray[np.float64]


class TimedTargets:
    """A target model that times the one it wraps."""

    def __init__(self, inner: TargetModel) -> None:
        self.inner = inner
        self.history_rows = inner.history_rows
        self.seconds = 0.0

    def targets(
        self,
        feed: MarketFeed,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        """The wrapped model's decision; its time is added to ``seconds``."""
        start = time.perf_counter()
        decision = self.inner.targets(feed, policy, current, exclude)
        self.seconds += time.perf_counter() - start
        return decision


class TargetsByTime:
    """Precomputed targets looked up by the feed's current bar stamp."""

    history_rows = 1

    def __init__(self, stamps: pd.DatetimeIndex, weights: dict[int, FloatArray]) -> None:
        self._by_stamp = {int(stamps[k].value): w for k, w in weights.items()}

    def targets(
        self,
        feed: MarketFeed,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        """This bar's targets (``exclude`` set to 0), or all cash when it has none."""
        w = self._by_stamp.get(int(feed.now.value))
        if w is None:
            return TargetDecision(np.zeros_like(current), "cash")
        if exclude:
            w = np.where([s in exclude for s in feed.symbols], 0.0, w)
        return TargetDecision(w, "lookup")


@contextmanager
def swapped_targets(make: Callable[[TargetModel], Any]) -> Iterator[None]:
    """Within the block, ``run_backtest`` builds its parts with ``make(target_model)``."""
    original = runner.build_parts  # type: ignore[attr-defined]

    def build(*args: Any, **kwargs: Any) -> Any:
        parts = original(*args, **kwargs)
        return dataclasses.replace(parts, target_model=make(parts.target_model))

    runner.build_parts = build  # type: ignore[attr-defined]
    try:
        yield
    finally:
        runner.build_parts = original  # type: ignore[attr-defined]


@dataclass
class TradewindRun:
    """The prepared tradewind runs of one case.

    ``optimizer_seconds`` (None when the targets are looked up) gives the time the target model
    spent in the optimizer during each call of ``peer.run``, in call order.
    """

    peer: PeerRun
    optimizer_seconds: list[float] | None


def _collect(out: BacktestRun) -> EngineResult:
    summary = out.summary
    return EngineResult(
        np.asarray(summary.recorder.equity, dtype=np.float64),
        float(summary.performance.costs_usd),
        float(summary.performance.turnover),
    )


def _provider(case: Case) -> FramesData:
    """The data provider a user's run builds from the case's prices (inside every timed run)."""
    return FramesData(case.prices, stale_bars=None, name=f"bench-{case.data}")


def tradewind_run(case: Case, live: bool = False) -> TradewindRun:
    """``run_backtest`` with the case's config, the data provider built inside the timed run.

    T1: the equal-weight target model. T2: the precomputed targets every peer gets, looked up
    by date (like for like), or with ``live`` the configured optimizer inside the engine (its
    time inside the run is reported in ``optimizer_seconds``).
    """
    cfg = case.config()
    if case.task == "T2" and not live:
        stamps = pd.DatetimeIndex(_provider(case).closes.index)

        def lookup() -> BacktestRun:
            with swapped_targets(lambda _inner: TargetsByTime(stamps, case.weights)):
                return run_backtest(cfg, _provider(case))

        return TradewindRun(PeerRun(lookup, _collect), None)
    if case.task == "T1":
        return TradewindRun(PeerRun(lambda: run_backtest(cfg, _provider(case)), _collect), None)
    spent: list[float] = []

    def timed() -> BacktestRun:
        holder: list[TimedTargets] = []

        def wrap(inner: TargetModel) -> TimedTargets:
            holder.append(TimedTargets(inner))
            return holder[-1]

        with swapped_targets(wrap):
            out = run_backtest(cfg, _provider(case))
        spent.append(holder[-1].seconds)
        return out

    return TradewindRun(PeerRun(timed, _collect), spent)


@dataclass(frozen=True)
class Phases:
    """Where one run of ``run_backtest`` spent its time (seconds).

    ``loop`` is the engine's run over the clock (every cycle and every quiet stretch),
    ``summary`` the run's metrics and records (:func:`~tradewind.reports.run.summarize`);
    the rest (``setup``) builds the data provider, the bars, the feed and the run's parts.
    """

    total: float
    loop: float
    summary: float
    rebalances: int

    @property
    def setup(self) -> float:
        """Everything before the engine's first cycle and after its last but the summary."""
        return self.total - self.loop - self.summary


@contextmanager
def _timed(owner: Any, name: str, into: dict[str, float]) -> Iterator[None]:
    """Within the block, ``owner.name`` adds its wall time to ``into[name]``."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - start

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def phases(case: Case, repeats: int = 5) -> Phases:
    """The phases of tradewind's timed run of ``case`` (the run of the best of ``repeats``,
    after a warm-up), timed by wrapping the engine's loop and the summary."""
    peer = tradewind_run(case).peer
    best: Phases | None = None
    spent: dict[str, float] = {}
    with _timed(runner.Engine, "run", spent), _timed(runner, "summarize", spent):  # type: ignore[attr-defined]
        peer.run()
        for _ in range(repeats):
            spent.clear()
            start = time.perf_counter()
            out = peer.run()
            total = time.perf_counter() - start
            if best is None or total < best.total:
                rebalances = sum(1 for d in out.summary.recorder.decisions if d.targets)
                best = Phases(total, spent["run"], spent["summarize"], rebalances)
    assert best is not None
    return best
