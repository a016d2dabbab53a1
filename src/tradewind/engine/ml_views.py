"""The ML ensemble's views in the cycle: built from the market data, blended into the optimizer.

:func:`ensemble_views` assembles what :mod:`tradewind.signals` needs from a data provider (the
traded symbols' bars, the benchmark, the VIX and the regime detector's causal decisions, all
history up to the feed's last bar, as the regime hook does), and picks the schedule:

* ``walk_forward=True`` (backtests): ensembles retrained every ``ml.retrain_every_days``
  sessions on the data known then;
* otherwise (the trading service): the registry's deployed models, loaded once. A restart
  loads them again; nothing is trained.

:class:`EnsembleViews` is the hook :class:`~tradewind.engine.targets.OptimizerTargets` calls
with its expected returns: healthy views are blended in (Black-Litterman,
:mod:`tradewind.portfolio.views`) and reported as an ``ml_views`` event; a stale, degraded or
unavailable ensemble leaves the expected returns untouched (the non-ML strategy) and raises an
``ml_fallback`` warning, at every rebalance until it is healthy again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.errors import DataError
from tradewind.domain.market import MarketData
from tradewind.domain.records import EngineEvent
from tradewind.engine.feed import MarketFeed
from tradewind.portfolio.registry import PERIODS_PER_YEAR
from tradewind.portfolio.views import black_litterman, view_returns
from tradewind.regime import make_detector

if TYPE_CHECKING:  # the ML stack (scipy.stats: ~40 MiB) is imported only when the ensemble runs
    from tradewind.signals.dataset import Dataset
    from tradewind.signals.features import FeaturePanel, MarketInputs
    from tradewind.signals.labels import Labels
    from tradewind.signals.views import (
        Schedule,
        SignalViews,
        ViewsReading,
        WalkForwardSchedule,
    )

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
MEAN_BLIND = frozenset({"min_variance", "risk_parity", "hrp", "equal_weight"})
"""Optimizers that ignore expected returns: views reach them but change nothing."""


class ViewsHook(Protocol):
    """Adjusts the optimizer's annualized expected returns at ``t`` (``keep``: the symbols the
    optimizer sees) and says what it did as events."""

    def adjust(
        self, t: pd.Timestamp, keep: BoolArray, mu: FloatArray, cov: FloatArray, method: str
    ) -> tuple[FloatArray, tuple[EngineEvent, ...]]:
        """The expected returns to optimize with, and the events to record."""
        ...


@dataclass(frozen=True)
class MLData:
    """Everything the ensemble is trained and read on, for one symbol list and data range."""

    panel: FeaturePanel
    labels: Labels
    dataset: Dataset


def market_inputs(
    cfg: TradewindConfig, provider: MarketData, end: pd.Timestamp | None
) -> MarketInputs:
    """The traded symbols' bars, benchmark, VIX and regime decisions up to ``end`` (all history).

    Raises
    ------
    DataError
        The provider cannot serve the traded symbols.
    """
    from tradewind.signals.features import MarketInputs

    symbols = list(cfg.trading.symbols)
    bars = provider.bars(symbols, None, end)
    bench_close: pd.Series | None = None
    regime: pd.Series | None = None
    vix_values: pd.Series | None = None
    vix_flags: pd.Series | None = None
    try:
        vix = provider.vix(None, end)
        vix_values, vix_flags = vix.values, vix.row_flags()
    except DataError:
        vix = None
    try:
        name = cfg.data.benchmark
        bench = provider.bars([name], None, end)
        bench_close = bench[name]["close"]
        detector = make_detector(cfg.regime)
        decisions = detector.detect_series(bench[name], vix, close_only=name in bench.derived_ohlc)
        regime = decisions["regime"]
    except DataError as exc:
        log.warning("ml: no benchmark or regime features (%s)", exc)
    return MarketInputs(
        close=bars.field("close"),
        high=bars.field("high"),
        low=bars.field("low"),
        close_only=frozenset(bars.derived_ohlc),
        benchmark=bench_close,
        vix=vix_values,
        vix_is_proxy=vix_flags,
        regime=regime,
    )


_CACHE: dict[tuple[int, str, str], tuple[MarketData, MLData]] = {}


def ml_data(cfg: TradewindConfig, provider: MarketData, end: pd.Timestamp | None) -> MLData:
    """Features, labels and training samples up to ``end`` (cached per provider and settings:
    the regime detector and features are computed once per process)."""
    from tradewind.signals.dataset import make_dataset
    from tradewind.signals.features import build_features
    from tradewind.signals.labels import forward_returns

    ml = cfg.ml
    key = (
        id(provider),
        str(end),
        f"{provider.name}|{cfg.data.model_dump_json()}|{cfg.trading.symbols}|{cfg.regime}|"
        f"{ml.horizon_days}|{ml.sample_every}",
    )
    cached = _CACHE.get(key)
    got = cached[1] if cached is not None and cached[0] is provider else None
    if got is None:
        inputs = market_inputs(cfg, provider, end)
        panel = build_features(inputs)
        labels = forward_returns(panel.close, ml.horizon_days)
        got = MLData(panel, labels, make_dataset(panel, labels, ml.sample_every))
        _CACHE.clear()  # one data set at a time: a long-running process must not grow
        _CACHE[key] = (provider, got)  # the provider kept alive: its id cannot be reused
    return got


_SCHEDULES: dict[tuple[int, str], WalkForwardSchedule] = {}


def walk_forward_schedule(
    cfg: TradewindConfig, data: MLData, progress: Callable[[str], None] | None = None
) -> WalkForwardSchedule:
    """The walk-forward schedule over ``data`` for ``cfg.ml`` (shared by the backtests of one
    process on the same data and settings: their ensembles are trained once)."""
    from tradewind.signals.views import (
        WalkForwardSchedule,
    )

    key = (id(data.dataset), cfg.ml.model_dump_json(exclude={"enabled", "registry_path"}))
    got = _SCHEDULES.get(key)
    if got is None or got.data is not data.dataset:
        got = WalkForwardSchedule(
            data.dataset, data.panel.symbols, data.panel.names, cfg.ml, progress
        )
        _SCHEDULES.clear()
        _SCHEDULES[key] = got
    return got


class EnsembleViews:
    """The :class:`ViewsHook` of the ensemble (see the module notes)."""

    def __init__(self, views: SignalViews, cfg: TradewindConfig) -> None:
        self.views = views
        self.ml = cfg.ml
        self.symbols = tuple(cfg.trading.symbols)

    def reading(self, t: pd.Timestamp) -> ViewsReading:
        """The ensemble's reading at ``t``."""
        return self.views.at(t)

    def adjust(
        self, t: pd.Timestamp, keep: BoolArray, mu: FloatArray, cov: FloatArray, method: str
    ) -> tuple[FloatArray, tuple[EngineEvent, ...]]:
        """Blend healthy views into ``mu``; otherwise ``mu`` unchanged and an alert."""
        ts = t.to_pydatetime()
        reading = self.views.at(t)
        if reading.views is None:
            text = (
                f"ML ensemble {reading.status}: {reading.message}; trading with the optimizer "
                "alone (the non-ML strategy) until it is healthy: tradewind retrain --models "
                "all --deploy, tradewind retrain --monitoring-status"
            )
            return mu, (EngineEvent(ts, "ml_fallback", text, "warning"),)
        v = reading.views
        q = view_returns(mu, v.excess[keep], v.horizon, PERIODS_PER_YEAR)
        blend = black_litterman(
            mu,
            cov,
            q,
            v.confidence[keep],
            tau=self.ml.tau,
            threshold=self.ml.confidence_threshold,
        )
        names = [s for s, k in zip(self.symbols, keep, strict=True) if k]
        used = [
            f"{names[i]} {q[i] - float(np.mean(mu)):+.1%}/yr ({v.confidence[keep][i]:.2f})"
            for i in np.flatnonzero(blend.used)
        ]
        if not used:
            best = float(np.max(v.confidence[keep], initial=0.0))
            text = (
                f"no view reached ml.confidence_threshold {self.ml.confidence_threshold:.2f} "
                f"(highest {best:.2f}): the optimizer's own expected returns"
            )
        else:
            text = (
                f"ensemble views used for {len(used)} of {len(names)} symbols (relative to "
                f"the average, confidence): {', '.join(used)}"
            )
            if method in MEAN_BLIND:
                text += f"; {method} ignores expected returns, so they change nothing"
        return blend.mu, (EngineEvent(ts, "ml_views", text, "info"),)


def views_for(
    cfg: TradewindConfig, feed: MarketFeed, provider: MarketData, *, walk_forward: bool
) -> ViewsHook | None:
    """The ensemble's views when ``ml.enabled`` (see :func:`ensemble_views`), else None.

    ``walk_forward``: train on the run's own history as it goes (a backtest); otherwise load
    the deployed models (a trading run, which never trains).
    """
    return (
        ensemble_views(cfg, feed, provider, walk_forward=walk_forward) if cfg.ml.enabled else None
    )


def ensemble_views(
    cfg: TradewindConfig,
    feed: MarketFeed,
    provider: MarketData,
    *,
    walk_forward: bool,
    progress: Callable[[str], None] | None = None,
) -> EnsembleViews:
    """The ensemble hook for a run on ``feed`` (see the module notes for the two schedules).

    Raises
    ------
    ConfigError
        Not walk-forward and no model is deployed in ``ml.registry_path``.
    """
    from tradewind.signals.registry import Registry
    from tradewind.signals.views import (
        DeployedSchedule,
        SignalViews,
    )

    data = ml_data(cfg, provider, feed.index[-1])
    if data.panel.symbols != feed.symbols:
        raise DataError(
            f"ml: features are for {data.panel.symbols}, the feed trades {feed.symbols}"
        )
    schedule: Schedule
    if walk_forward:
        schedule = walk_forward_schedule(cfg, data, progress or log.info)
    else:
        registry = Registry(cfg.ml.registry_path)
        ensemble = registry.deployed(cfg.ml.models, cfg.ml.full_confidence_ic)
        log.info(
            "ml: loaded deployed models %s from %s",
            ", ".join(f"{m.meta.name} {m.meta.version}" for m in ensemble.members),
            registry.root,
        )
        schedule = DeployedSchedule(ensemble)
    return EnsembleViews(SignalViews(data.panel, data.labels, schedule, cfg.ml), cfg)
