"""Views as of a date: the ensemble in force then, checked for health, applied to that date.

Which ensemble is in force comes from a schedule:

* :class:`DeployedSchedule`: the registry's deployed models (paper, live, the service). They
  may only be used after the date their training data ends: earlier (a replay of history
  they were trained on) would be look-ahead, and the views are refused.
* :class:`WalkForwardSchedule`: backtests. Every ``ml.retrain_every_days`` sessions a new
  ensemble is trained on the data known then (:mod:`tradewind.signals.training`) and used
  until the next one: what the ensemble would have done, never trained on its own future.

:meth:`SignalViews.at` returns a :class:`ViewsReading`: views when the ensemble is healthy,
otherwise none and the reason (stale, degraded, unavailable), which the caller turns into a
fallback to the optimizer alone and an alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.config.ml import MLSection
from tradewind.domain.errors import DataError
from tradewind.signals.dataset import Dataset
from tradewind.signals.ensemble import Ensemble, Member, Views
from tradewind.signals.features import FeaturePanel
from tradewind.signals.health import HealthInputs, ModelHealth, assess, worst
from tradewind.signals.labels import Labels
from tradewind.signals.training import train

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str], None]
PREDICTION_BLOCK = 128
"""Rows predicted ahead in one call (they are read from the panel, not from the future's
prices: a row's features use only data stamped at or before it)."""


@dataclass(frozen=True)
class ViewsReading:
    """The ensemble's answer at one date: views, or why there are none."""

    views: Views | None
    status: str
    """``healthy``, ``degraded``, ``stale`` or ``unavailable``."""
    message: str
    health: tuple[ModelHealth, ...] = ()


class Schedule(Protocol):
    """Which ensemble is in force at a row of the feature panel."""

    def ensemble_at(self, row: int) -> Ensemble | None:
        """The ensemble in force at ``row`` (None: no model yet)."""
        ...


class DeployedSchedule:
    """Always the registry's deployed ensemble (loaded once, never retrained here)."""

    def __init__(self, ensemble: Ensemble) -> None:
        self.ensemble = ensemble

    def ensemble_at(self, row: int) -> Ensemble | None:
        """The deployed ensemble."""
        return self.ensemble


class WalkForwardSchedule:
    """An ensemble trained every ``ml.retrain_every_days`` rows on the data known then."""

    def __init__(
        self,
        data: Dataset,
        symbols: tuple[str, ...],
        names: tuple[str, ...],
        ml: MLSection,
        progress: Progress | None = None,
    ) -> None:
        self.data = data
        self.symbols = symbols
        self.names = names
        self.ml = ml
        self.progress = progress
        self._cache: dict[int, Ensemble | None] = {}

    def grid_row(self, row: int) -> int:
        """The retrain row in force at ``row``."""
        every = self.ml.retrain_every_days
        return (row // every) * every

    def ensemble_at(self, row: int) -> Ensemble | None:
        """The ensemble trained at the last retrain row at or before ``row``."""
        g = self.grid_row(row)
        if g not in self._cache:
            self._cache[g] = self._train(g)
        return self._cache[g]

    def _train(self, g: int) -> Ensemble | None:
        members = []
        for name in self.ml.models:
            try:
                trained = train(name, self.ml, self.data, g, self.symbols, self.names)
            except DataError:
                return None
            members.append(Member(trained.model, trained.meta))
        if self.progress is not None:
            self.progress(f"ml: walk-forward ensemble trained as of {members[0].meta.data_end}")
        return Ensemble(members, self.ml.full_confidence_ic)


class SignalViews:
    """Views and health at any date of ``panel`` from the ensemble ``schedule`` puts in force."""

    def __init__(
        self, panel: FeaturePanel, labels: Labels, schedule: Schedule, ml: MLSection
    ) -> None:
        self.panel = panel
        self.labels = labels
        self.schedule = schedule
        self.ml = ml
        local = panel.index.tz_convert("America/New_York").normalize().tz_localize(None)
        self._days = pd.DatetimeIndex(local)
        self._predictions: dict[tuple[int, int], FloatArray] = {}

    def end_row(self, member: Member) -> int:
        """The panel row of the member's last training date (past the end if beyond it)."""
        return int(self._days.searchsorted(pd.Timestamp(member.meta.data_end), side="left"))

    def predictions(self, ensemble: Ensemble, row: int) -> FloatArray:
        """(members x symbols) raw predictions at ``row``.

        Computed a block of rows at a time (the health window before ``row`` and the sessions
        after it) in one call per member, and memoized: a model predicts each row once.
        """
        key = (id(ensemble), row)
        got = self._predictions.get(key)
        if got is None:
            first = max(row - self.ml.health.window_days, 0)
            last = min(row + PREDICTION_BLOCK, len(self.panel.index) - 1)
            rows = [r for r in range(first, last + 1) if (id(ensemble), r) not in self._predictions]
            n = len(self.panel.symbols)
            X = self.panel.values[rows].reshape(len(rows) * n, -1)
            block = ensemble.member_predictions(X)
            for i, r in enumerate(rows):
                self._predictions[(id(ensemble), r)] = block[:, i * n : (i + 1) * n]
            got = self._predictions[key]
        return got

    def at(self, t: pd.Timestamp) -> ViewsReading:
        """The reading at the last panel row stamped at or before ``t``."""
        row = self.panel.row_of(t)
        day = t.tz_convert("America/New_York").date().isoformat()
        if row < 0:
            return ViewsReading(None, "unavailable", f"no feature data at {day}")
        ensemble = self.schedule.ensemble_at(row)
        if ensemble is None:
            return ViewsReading(
                None,
                "unavailable",
                f"no ensemble trained yet at {day} (ml.min_train_years of labelled history "
                "are needed)",
            )
        problem = self._mismatch(ensemble, row, day)
        if problem:
            return ViewsReading(None, "unavailable", problem)
        health = self.health(ensemble, row)
        status = worst([h.status for h in health])
        if status != "healthy":
            reasons = "; ".join(f"{h.name}: {r}" for h in health for r in h.reasons)
            return ViewsReading(None, status, reasons, health)
        views = ensemble.combine(self.predictions(ensemble, row))
        return ViewsReading(views, "healthy", "", health)

    def _mismatch(self, ensemble: Ensemble, row: int, day: str) -> str:
        for member in ensemble.members:
            meta = member.meta
            if tuple(meta.symbols) != self.panel.symbols:
                return (
                    f"model {meta.name} {meta.version} was trained on {', '.join(meta.symbols)}, "
                    f"not on the traded {', '.join(self.panel.symbols)}: retrain it "
                    "(tradewind retrain --models all --deploy)"
                )
            if tuple(meta.features) != self.panel.names:
                return f"model {meta.name} {meta.version} uses other features: retrain it"
            if self.end_row(member) > row:
                return (
                    f"model {meta.name} {meta.version} was trained on data to {meta.data_end}; "
                    f"using it at {day} would be look-ahead (backtests of the past train "
                    "walk-forward: tradewind backtest --ensemble; a replay of the past needs "
                    f"models trained on data before {day}: tradewind retrain --models all "
                    f"--deploy --asof DATE, DATE before {day}, with --force while a newer "
                    "model is deployed)"
                )
        return ""

    def health(self, ensemble: Ensemble, row: int) -> tuple[ModelHealth, ...]:
        """Each member's health at ``row`` (:mod:`tradewind.signals.health`)."""
        return tuple(self._health(ensemble, k, row) for k in range(len(ensemble.members)))

    def mismatch(self, ensemble: Ensemble, row: int) -> str:
        """Why ``ensemble`` cannot be used at ``row`` (other symbols or features, look-ahead),
        or ""."""
        day = self.panel.index[row].tz_convert("America/New_York").date().isoformat()
        return self._mismatch(ensemble, row, day)

    def _health(self, ensemble: Ensemble, k: int, row: int) -> ModelHealth:
        member = ensemble.members[k]
        h, ml = self.ml.health, self.ml
        first = max(row - h.window_days + 1, 0)
        rows = range(first, row + 1)
        window_pred = np.stack([self.predictions(ensemble, r)[k] for r in rows])
        end = self.end_row(member)
        grid = np.arange(0, row + 1, ml.sample_every, dtype=np.int64)
        live_rows = grid[(grid > end) & (grid + ml.horizon_days <= row)]
        preds = [self.predictions(ensemble, int(r))[k] for r in live_rows]
        n_sym = len(self.panel.symbols)
        inputs = HealthInputs(
            asof=self.panel.index[row],
            window_features=self.panel.values[first : row + 1],
            window_predictions=window_pred,
            live_predictions=np.concatenate(preds) if preds else np.empty(0),
            live_labels=self.labels.values[live_rows].ravel(),
            live_rows=np.repeat(live_rows, n_sym),
        )
        return assess(asdict(member.meta), inputs, ml)

    def ensemble_excess(self, row: int) -> FloatArray | None:
        """The views' expected excess returns at ``row`` regardless of health (reports)."""
        ensemble = self.schedule.ensemble_at(row)
        if ensemble is None:
            return None
        return ensemble.combine(self.predictions(ensemble, row)).excess
