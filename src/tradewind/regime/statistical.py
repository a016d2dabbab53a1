"""The base of unsupervised state-model detectors (``jump``): trailing-window refits, feature
standardization, and naming the fitted states as regimes by rank. (The ``hmm`` detector keeps
its own schedule: its states are anchored to VIX bands and need no naming,
:mod:`tradewind.regime.hmm`.)

Schedule (causal by construction): at a bar ``i`` where no model exists yet, or ``refit_days``
bars after the last fit, the model is fitted on the finite feature rows among the last
``train_days`` bars up to and including ``i``; its online filter is then run over that window,
so the filter state at ``i`` comes from data ``<= i``. Between refits the filter advances one
bar at a time. Decisions wait until ``min_train_days`` finite rows exist.

States become regimes by their statistics on the training window (:func:`name_states`): the
calmest state (lowest volatility of index returns) is BULL and the most volatile VOLATILE; of
the states in between, the lowest mean return is BEAR and the others CHOPPY (with three
states, the middle one is BEAR only if its mean return is negative). With two states: BULL
and BEAR.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tradewind.domain.types import Regime
from tradewind.regime.base import REGIMES, BaseDetector, RawDecision
from tradewind.regime.features import FeatureSpec
from tradewind.regime.fitcache import cached, fingerprint
from tradewind.regime.vix import VixInput

DERIVED: Mapping[str, tuple[str, str]] = {
    "log_vix": ("log", "vix"),
    "log_rv_20": ("log", "rv_20"),
    "log_rv_60": ("log", "rv_60"),
    "log_dd_5": ("log", "ewm_dd_5"),
    "log_dd_10": ("log", "ewm_dd_10"),
    "log_dd_21": ("log", "ewm_dd_21"),
}
"""Transformed features the statistical detectors may use: name -> (transform, source)."""


def name_states(states: np.ndarray, returns: np.ndarray, n_states: int) -> list[Regime]:
    """Regime of each state from the volatility and mean of ``returns`` in it (module notes)."""
    mean = np.zeros(n_states)
    vol = np.zeros(n_states)
    for k in range(n_states):
        r = returns[states == k]
        r = r[np.isfinite(r)]
        if len(r) >= 2:
            mean[k], vol[k] = r.mean(), r.std()
    by_vol = [int(k) for k in np.argsort(vol, kind="stable")]
    names: list[Regime] = [Regime.CHOPPY] * n_states
    names[by_vol[0]] = Regime.BULL
    if n_states == 2:
        names[by_vol[1]] = Regime.BEAR
        return names
    names[by_vol[-1]] = Regime.VOLATILE
    middle = sorted(by_vol[1:-1], key=lambda k: mean[k])
    if n_states == 3:
        names[middle[0]] = Regime.BEAR if mean[middle[0]] < 0 else Regime.CHOPPY
    elif middle:
        names[middle[0]] = Regime.BEAR
    return names


@dataclass(frozen=True, slots=True)
class _Fit:
    """A fitted model with its scaler, state names and the bar it was fitted at."""

    at: int
    center: np.ndarray
    scale: np.ndarray
    names: list[Regime]
    model: Any


class StatisticalDetector(BaseDetector):
    """Base of detectors that fit a state model on a trailing window and filter online.

    Parameters
    ----------
    n_states
        Number of hidden states.
    features
        Feature columns (from :func:`~tradewind.regime.features.compute_features` or
        :data:`DERIVED`) the model sees, standardized on each training window.
    train_days, min_train_days, refit_days
        Trailing training window, the least history to fit on, and bars between refits.
    min_stay_days, confirm_days
        Stabilizer settings.
    seed
        Seed of the fit's random initializations (results are deterministic given it).
    """

    used_features: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        n_states: int = 4,
        features: Sequence[str] = ("log_vix", "log_dd_10", "ewm_ret_21"),
        train_days: int = 2520,
        min_train_days: int = 504,
        refit_days: int = 21,
        min_stay_days: int = 5,
        confirm_days: int = 1,
        seed: int = 0,
        spec: FeatureSpec | None = None,
    ) -> None:
        self.n_states = n_states
        self.feature_names = tuple(features)
        self.train_days = train_days
        self.min_train_days = min_train_days
        self.refit_days = refit_days
        self.seed = seed
        super().__init__(min_stay_days=min_stay_days, confirm_days=confirm_days, spec=spec)
        self._fit: _Fit | None = None
        self._filter: Any = None

    @property
    def warmup(self) -> int:
        """Bars before the first decision: a fit needs ``min_train_days`` finite rows."""
        return self.min_train_days

    @property
    def recorded_features(self) -> tuple[str, ...]:
        """The model's features plus VIX and the 20-day volatility, for the record."""
        return tuple(dict.fromkeys((*self.feature_names, "vix", "rv_20", "trend")))

    @property
    def fitted(self) -> _Fit | None:
        """The current fit (None before the first)."""
        return self._fit

    # --- model hooks ------------------------------------------------------------------------
    @abstractmethod
    def _fit_model(self, Z: np.ndarray, warm: Any) -> tuple[Any, np.ndarray]:
        """Fit on standardized rows ``Z``; return the model and each row's state."""

    def _fit_params(self) -> tuple[object, ...] | None:
        """Every parameter :meth:`_fit_model` and :meth:`_filter_run` depend on besides their
        arguments (None: fits are never shared through :attr:`fit_cache`)."""
        return None

    @abstractmethod
    def _filter_run(self, model: Any, Z: np.ndarray) -> Any:
        """The online filter state after the rows ``Z`` (causal)."""

    @abstractmethod
    def _filter_step(self, model: Any, state: Any, z: np.ndarray) -> Any:
        """Advance the filter state by one row."""

    @abstractmethod
    def _state_probabilities(self, model: Any, state: Any) -> np.ndarray:
        """Support of each hidden state given the filter state (sums to 1)."""

    # --- BaseDetector -------------------------------------------------------------------------
    def _reset_model(self) -> None:
        self._fit = None
        self._filter = None

    def _prepare_batch(self, feats: pd.DataFrame) -> None:
        columns = {c: j for j, c in enumerate(feats.columns)}
        X = feats.to_numpy(dtype=float)
        cols = [columns[n] for n in self.feature_names]
        windows = [self._training_window(i, X, cols) for i in self._refit_bars(X, cols)]
        self._presolve([w[4] for w in windows if w is not None])

    def _refit_bars(self, X: np.ndarray, cols: list[int]) -> list[int]:
        """The bars :meth:`_decide` will refit at over ``X`` from a fresh state (the same
        schedule, from the finite rows alone: it does not depend on the fits)."""
        ok = np.isfinite(X[:, cols]).all(axis=1)
        count = np.concatenate([[0], np.cumsum(ok)])
        bars: list[int] = []
        for i in range(max(self.warmup - 1, 0), len(X)):
            if bars and i - bars[-1] < self.refit_days:
                continue
            if count[i + 1] - count[max(0, i - self.train_days + 1)] >= self.min_train_days:
                bars.append(i)
        return bars

    def _presolve(self, windows: Sequence[np.ndarray]) -> None:  # noqa: B027 - optional hook
        """Prepare, all at once, what the fits on these standardized windows will need (a batch
        run knows its windows in advance); a no-op unless a detector can batch its fits."""

    def features(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> pd.DataFrame:
        """Base features plus the :data:`DERIVED` columns this detector uses."""
        feats = super().features(bars, vix, close_only=close_only)
        for name in self.feature_names:
            if name in DERIVED:
                _, source = DERIVED[name]
                feats[name] = np.log(feats[source].where(feats[source] > 0))
        return feats

    def _decide(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> RawDecision | None:
        cols = [columns[n] for n in self.feature_names]
        fit = self._fit
        if fit is None or i - fit.at >= self.refit_days:
            refit = self._refit(i, X, cols, columns["ret_1d"])
            if refit is None:
                if fit is None:
                    return None
                fit = self._refit_skipped(i, fit, X, cols)
            else:
                fit = refit
        else:
            z = (X[i, cols] - fit.center) / fit.scale
            if np.isfinite(z).all():
                self._filter = self._filter_step(fit.model, self._filter, z)
        probs = self._state_probabilities(fit.model, self._filter)
        support = dict.fromkeys(REGIMES, 0.0)
        for k, name in enumerate(fit.names):
            support[name] += float(probs[k])
        best = max(REGIMES, key=lambda r: support[r])
        return RawDecision(best, support[best], support)

    def _refit_skipped(self, i: int, fit: _Fit, X: np.ndarray, cols: list[int]) -> _Fit:
        z = (X[i, cols] - fit.center) / fit.scale
        if np.isfinite(z).all():
            self._filter = self._filter_step(fit.model, self._filter, z)
        return fit

    def _training_window(
        self, i: int, X: np.ndarray, cols: list[int]
    ) -> tuple[slice, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The window of a fit at ``i``: its rows, finite mask, center, scale and standardized
        rows; None with fewer than ``min_train_days`` finite rows."""
        rows = slice(max(0, i - self.train_days + 1), i + 1)
        raw = X[rows, cols]
        ok = np.isfinite(raw).all(axis=1)
        if ok.sum() < self.min_train_days:
            return None
        raw = raw[ok]
        center = raw.mean(axis=0)
        scale = raw.std(axis=0)
        scale = np.where(scale > 1e-12, scale, 1.0)
        return rows, ok, center, scale, (raw - center) / scale

    def _refit(self, i: int, X: np.ndarray, cols: list[int], ret_col: int) -> _Fit | None:
        found = self._training_window(i, X, cols)
        if found is None:
            return None
        rows, ok, center, scale, Z = found
        warm = self._fit.model if self._fit is not None else None
        model, states, state = self._fit_window(Z, warm)
        names = name_states(states, X[rows][ok, ret_col], self.n_states)
        self._filter = state
        self._fit = _Fit(at=i, center=center, scale=scale, names=names, model=model)
        return self._fit

    def _fit_window(self, Z: np.ndarray, warm: Any) -> tuple[Any, np.ndarray, Any]:
        """Model, fitted states and filter state at the last row, for the rows ``Z``."""

        def compute() -> tuple[Any, np.ndarray, Any]:
            model, states = self._fit_model(Z, warm)
            return model, states, self._filter_run(model, Z)

        params = self._fit_params()
        cache = self.fit_cache if params is not None else None
        return cached(cache, lambda: fingerprint(type(self).__qualname__, params, Z, warm), compute)
