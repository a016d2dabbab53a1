"""The ``jump`` detector: a statistical jump model (Nystrup, Lindstrom & Madsen, 2020).

The model (Nystrup et al., "Learning hidden Markov models with persistent states by penalizing
jumps", Expert Systems with Applications 150, 2020) chooses centroids ``theta_k`` and a state
sequence ``s`` minimizing

    sum_t 1/2 ||z_t - theta_{s_t}||^2  +  penalty * #{t : s_t != s_(t-1)}

by coordinate descent: given the centroids, the best sequence is found by dynamic programming;
given the sequence, each centroid is the mean of its rows. Several initializations (k-means++
seeding from a fixed seed, plus the previous fit's centroids when refitting) are run and the
lowest objective kept. ``z`` are the standardized features of the training window.

Online (causal) prediction keeps the DP's forward values
``V_t(k) = l_t(k) + min(V_(t-1)(k), min_j V_(t-1)(j) + penalty)`` and takes ``argmin_k V_t(k)``:
the best state at ``t`` of any path through data up to ``t``, never revised with later data.
Confidence (a heuristic, the model has no probabilities): ``p_k ~ exp(-4 (V_t(k) - min V_t) /
penalty)``, so a state one penalty worse than the best has about 2% of the support.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

import numpy as np

from tradewind.regime.features import FeatureSpec
from tradewind.regime.fitcache import fingerprint
from tradewind.regime.jump_batch import descend_many
from tradewind.regime.jump_model import (
    MAX_ITER,
    Descent,
    JumpModel,
    fit_jump_model,
    forward_values,
    kmeanspp_inits,
    losses,
)
from tradewind.regime.statistical import StatisticalDetector


class JumpDetector(StatisticalDetector):
    """Jump model on a trailing window, refitted on a schedule, predicting online.

    Parameters
    ----------
    penalty
        Jump penalty (in units of the standardized squared loss); larger means fewer switches.
    n_init
        Random initializations per fit (the previous centroids are always tried too).
    Other parameters
        See :class:`~tradewind.regime.statistical.StatisticalDetector`.
    """

    name: ClassVar[str] = "jump"

    def __init__(
        self,
        *,
        penalty: float = 20.0,
        n_states: int = 4,
        features: Sequence[str] = ("log_vix", "log_dd_10", "ewm_ret_21"),
        train_days: int = 2520,
        min_train_days: int = 504,
        refit_days: int = 21,
        n_init: int = 3,
        min_stay_days: int = 5,
        confirm_days: int = 1,
        seed: int = 0,
        spec: FeatureSpec | None = None,
    ) -> None:
        self.penalty = penalty
        self.n_init = n_init
        self._presolved: dict[str, list[Descent]] = {}
        super().__init__(
            n_states=n_states,
            features=features,
            train_days=train_days,
            min_train_days=min_train_days,
            refit_days=refit_days,
            min_stay_days=min_stay_days,
            confirm_days=confirm_days,
            seed=seed,
            spec=spec,
        )

    def _fit_model(self, Z: np.ndarray, warm: Any) -> tuple[Any, np.ndarray]:
        init = warm.centroids if isinstance(warm, JumpModel) else None
        key = self._inits_key(Z)
        presolved = self._presolved.get(key)
        if presolved is None and self.fit_cache is not None:
            presolved = cast("list[Descent] | None", self.fit_cache.get(key))
        return fit_jump_model(
            Z,
            self.n_states,
            self.penalty,
            n_init=self.n_init,
            seed=self.seed,
            init_centroids=init,
            presolved=presolved,
        )

    def _inits_key(self, Z: np.ndarray) -> str:
        return fingerprint(
            "jump.kmeanspp_descents", self.n_states, self.penalty, self.n_init, self.seed, Z
        )

    def _presolve(self, windows: Sequence[np.ndarray]) -> None:
        """Run the k-means++ descents of every window in one batch (the warm start cannot be:
        it is the previous fit)."""
        cache = self.fit_cache
        keys = [self._inits_key(Z) for Z in windows]
        todo = [
            (key, Z)
            for key, Z in dict(zip(keys, windows, strict=True)).items()
            if cache is None or key not in cache
        ]
        problems = [
            (Z, c)
            for _, Z in todo
            for c in kmeanspp_inits(Z, self.n_states, self.n_init, self.seed)
        ]
        done = descend_many(problems, self.penalty, MAX_ITER)
        for j, (key, _) in enumerate(todo):
            descents = done[j * self.n_init : (j + 1) * self.n_init]
            self._presolved[key] = descents
            if cache is not None:
                cache.put(key, descents)

    def _reset_model(self) -> None:
        super()._reset_model()
        self._presolved = {}

    def _fit_params(self) -> tuple[object, ...]:
        return (self.n_states, self.penalty, self.n_init, self.seed)

    def _filter_run(self, model: Any, Z: np.ndarray) -> Any:
        return forward_values(losses(Z, model.centroids), model.penalty)[-1].tolist()

    def _filter_step(self, model: Any, state: Any, z: np.ndarray) -> Any:
        return forward_values(losses(z[None, :], model.centroids), model.penalty, state)[0].tolist()

    def _state_probabilities(self, model: Any, state: Any) -> np.ndarray:
        v = np.asarray(state, dtype=float)
        w = np.exp(-4.0 * (v - v.min()) / max(model.penalty, 1e-12))
        return np.asarray(w / w.sum(), dtype=float)
