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
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tradewind.regime.features import FeatureSpec
from tradewind.regime.statistical import StatisticalDetector


@dataclass(frozen=True, slots=True)
class JumpModel:
    """Fitted jump-model parameters."""

    centroids: np.ndarray
    penalty: float
    objective: float


def losses(Z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """``1/2 ||z_t - theta_k||^2`` for every row and state, shape ``(n, K)``."""
    diff = Z[:, None, :] - centroids[None, :, :]
    out: np.ndarray = 0.5 * np.einsum("nkd,nkd->nk", diff, diff)
    return out


def forward_values(L: np.ndarray, penalty: float, v0: np.ndarray | None = None) -> np.ndarray:
    """Forward DP values ``V`` (``(n, K)``), each row shifted so its minimum is 0."""
    n, K = L.shape
    V = np.empty((n, K))
    prev: list[float] = [0.0] * K if v0 is None else [float(x) for x in v0]
    rows = L.tolist()
    for t in range(n):
        m = min(prev) + penalty
        cur = [rows[t][k] + (prev[k] if prev[k] < m else m) for k in range(K)]
        lo = min(cur)
        prev = [c - lo for c in cur]
        V[t] = prev
    return V


def best_path(V: np.ndarray, penalty: float) -> np.ndarray:
    """Backtrack the optimal state sequence from forward values."""
    n = len(V)
    amin = V.argmin(axis=1).tolist()
    stay_ok = (penalty >= V).tolist()  # rows are shifted to min 0
    states = [0] * n
    s = amin[-1]
    states[-1] = s
    for t in range(n - 1, 0, -1):
        if not stay_ok[t - 1][s]:
            s = amin[t - 1]
        states[t - 1] = s
    return np.asarray(states, dtype=np.int64)


def _objective(L: np.ndarray, states: np.ndarray, penalty: float) -> float:
    return float(
        L[np.arange(len(states)), states].sum() + penalty * np.count_nonzero(np.diff(states))
    )


def _kmeanspp(Z: np.ndarray, K: int, rng: np.random.Generator) -> np.ndarray:
    centers = [Z[rng.integers(len(Z))]]
    for _ in range(1, K):
        d2 = np.min([((Z - c) ** 2).sum(axis=1) for c in centers], axis=0)
        total = d2.sum()
        idx = rng.integers(len(Z)) if total <= 0 else rng.choice(len(Z), p=d2 / total)
        centers.append(Z[idx])
    return np.array(centers)


def fit_jump_model(
    Z: np.ndarray,
    n_states: int,
    penalty: float,
    *,
    n_init: int = 4,
    max_iter: int = 30,
    seed: int = 0,
    init_centroids: np.ndarray | None = None,
) -> tuple[JumpModel, np.ndarray]:
    """Fit a jump model on standardized rows ``Z``; returns the model and the fitted states."""
    rng = np.random.default_rng(seed)
    inits = [_kmeanspp(Z, n_states, rng) for _ in range(n_init)]
    if init_centroids is not None and init_centroids.shape == (n_states, Z.shape[1]):
        inits.insert(0, init_centroids.copy())
    best: tuple[JumpModel, np.ndarray] | None = None
    for centroids in inits:
        states = np.full(len(Z), -1)
        for _ in range(max_iter):
            L = losses(Z, centroids)
            new = best_path(forward_values(L, penalty), penalty)
            if np.array_equal(new, states):
                break
            states = new
            for k in range(n_states):
                member = states == k
                if member.any():
                    centroids[k] = Z[member].mean(axis=0)
        obj = _objective(losses(Z, centroids), states, penalty)
        if best is None or obj < best[0].objective:
            best = (JumpModel(centroids.copy(), penalty, obj), states.copy())
    if best is None:
        raise ValueError("fit_jump_model needs n_init >= 1 or init_centroids")
    return best


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
        return fit_jump_model(
            Z,
            self.n_states,
            self.penalty,
            n_init=self.n_init,
            seed=self.seed,
            init_centroids=init,
        )

    def _filter_run(self, model: Any, Z: np.ndarray) -> Any:
        return forward_values(losses(Z, model.centroids), model.penalty)[-1].tolist()

    def _filter_step(self, model: Any, state: Any, z: np.ndarray) -> Any:
        return forward_values(losses(z[None, :], model.centroids), model.penalty, state)[0].tolist()

    def _state_probabilities(self, model: Any, state: Any) -> np.ndarray:
        v = np.asarray(state, dtype=float)
        w = np.exp(-4.0 * (v - v.min()) / max(model.penalty, 1e-12))
        return np.asarray(w / w.sum(), dtype=float)
