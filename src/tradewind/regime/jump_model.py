"""The jump model's mathematics (Nystrup, Lindstrom & Madsen, 2020): losses, the forward dynamic
program, coordinate descent from k-means++ seeds, and the fit.

See :mod:`tradewind.regime.jump` for the model and the detector built on it; the descents of a
batch run advance side by side in :mod:`tradewind.regime.jump_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_ITER = 30
"""Coordinate-descent iterations per initialization at most."""


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
    prev: list[float] = [0.0] * K if v0 is None else [float(x) for x in v0]
    if K == 4 and n > 0:
        return _forward_values_4(L.tolist(), penalty, prev)
    V = np.empty((n, K))
    rows = L.tolist()
    for t in range(n):
        m = min(prev) + penalty
        cur = [rows[t][k] + (prev[k] if prev[k] < m else m) for k in range(K)]
        lo = min(cur)
        prev = [c - lo for c in cur]
        V[t] = prev
    return V


def _forward_values_4(rows: list[list[float]], penalty: float, prev: list[float]) -> np.ndarray:
    """:func:`forward_values` for four states: the same operations in the same order, unrolled.

    The recursion is sequential in time (each row is rounded from the previous one), so it
    stays a loop; unrolled over the states it runs about twice as fast as the general one.
    """
    a, b, c, d = prev
    out: list[tuple[float, float, float, float]] = []
    append = out.append
    for la, lb, lc, ld in rows:
        m = min(a, b, c, d) + penalty
        a = la + (a if a < m else m)
        b = lb + (b if b < m else m)
        c = lc + (c if c < m else m)
        d = ld + (d if d < m else m)
        lo = min(a, b, c, d)
        a, b, c, d = a - lo, b - lo, c - lo, d - lo
        append((a, b, c, d))
    return np.array(out, dtype=float)


def best_path(V: np.ndarray, penalty: float) -> np.ndarray:
    """Backtrack the optimal state sequence from forward values.

    Going back from the last row's best state, the path stays in its state ``s`` while
    ``V[t - 1, s] <= penalty`` (rows are shifted to min 0) and otherwise jumps to row
    ``t - 1``'s best state; the path is filled one stay at a time, each found at once from the
    last row at or before ``t - 1`` where staying in ``s`` was not optimal.
    """
    n = len(V)
    states = np.empty(n, dtype=np.int64)
    if n == 0:
        return states
    amin = V.argmin(axis=1)
    leave = ~(penalty >= V)  # staying is not optimal (NaN included, as in a plain comparison)
    last_leave = np.maximum.accumulate(
        np.where(leave, np.arange(n)[:, None], -1), axis=0
    )  # per state: the last row <= t where leaving it was optimal, else -1
    t, s = n - 1, int(amin[n - 1])
    while t > 0:
        u = int(last_leave[t - 1, s])
        states[u + 1 : t + 1] = s
        if u < 0:
            return states
        t, s = u, int(amin[u])
    states[0] = s
    return states


def objective(L: np.ndarray, states: np.ndarray, penalty: float) -> float:
    """The jump-model objective of ``states`` under the losses ``L``."""
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


@dataclass(frozen=True, slots=True)
class Descent:
    """Where coordinate descent from one initialization ends."""

    centroids: np.ndarray
    states: np.ndarray
    objective: float


def kmeanspp_inits(Z: np.ndarray, n_states: int, n_init: int, seed: int) -> list[np.ndarray]:
    """The k-means++ initial centroids :func:`fit_jump_model` tries (from ``seed`` alone)."""
    rng = np.random.default_rng(seed)
    return [_kmeanspp(Z, n_states, rng) for _ in range(n_init)]


def update_centroids(Z: np.ndarray, states: np.ndarray, centroids: np.ndarray) -> None:
    """Set each state's centroid (in place) to the mean of its rows; empty states keep theirs."""
    for k in range(len(centroids)):
        member = states == k
        if member.any():
            centroids[k] = Z[member].mean(axis=0)


def descend(Z: np.ndarray, centroids: np.ndarray, penalty: float, max_iter: int) -> Descent:
    """Coordinate descent from ``centroids`` until the state sequence repeats or ``max_iter``."""
    centroids = centroids.copy()
    states = np.full(len(Z), -1)
    for _ in range(max_iter):
        L = losses(Z, centroids)
        new = best_path(forward_values(L, penalty), penalty)
        if np.array_equal(new, states):
            break
        states = new
        update_centroids(Z, states, centroids)
    return Descent(centroids, states, objective(losses(Z, centroids), states, penalty))


def fit_jump_model(
    Z: np.ndarray,
    n_states: int,
    penalty: float,
    *,
    n_init: int = 4,
    max_iter: int = MAX_ITER,
    seed: int = 0,
    init_centroids: np.ndarray | None = None,
    presolved: Sequence[Descent] | None = None,
) -> tuple[JumpModel, np.ndarray]:
    """Fit a jump model on standardized rows ``Z``; returns the model and the fitted states.

    ``presolved`` are the descents from the :func:`kmeanspp_inits` of these arguments when
    already computed (:func:`~tradewind.regime.jump_batch.descend_many` does many at once).
    """
    if presolved is None:
        inits = kmeanspp_inits(Z, n_states, n_init, seed)
        presolved = [descend(Z, c, penalty, max_iter) for c in inits]
    candidates = list(presolved)
    if init_centroids is not None and init_centroids.shape == (n_states, Z.shape[1]):
        candidates.insert(0, descend(Z, init_centroids, penalty, max_iter))
    best: Descent | None = None
    for candidate in candidates:
        if best is None or candidate.objective < best.objective:
            best = candidate
    if best is None:
        raise ValueError("fit_jump_model needs n_init >= 1 or init_centroids")
    return JumpModel(best.centroids.copy(), penalty, best.objective), best.states.copy()
