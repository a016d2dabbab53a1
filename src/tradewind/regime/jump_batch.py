"""Many jump-model coordinate descents at once, each giving exactly what :func:`descend` gives.

The jump detector's refits each try several k-means++ initializations, and those depend only on
the training window (:func:`~tradewind.regime.jump_model.kmeanspp_inits`), not on earlier fits. A
batch run (``detect_series``) knows its windows in advance, so it can run all those descents
side by side: the forward dynamic program, sequential in time, advances every descent by one
row per numpy operation instead of one descent per Python step. The operations on each value
are the same as in :func:`~tradewind.regime.jump_model.forward_values` (add, compare, select, min,
subtract; min is exact), so the values, hence states, centroids and objectives, are identical.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradewind.regime.jump_model import (
    Descent,
    best_path,
    forward_values,
    losses,
    objective,
    update_centroids,
)

BATCH_MIN = 16
"""Fewer descents than this run one by one (below it numpy's per-call cost outweighs)."""

BATCH_MAX = 128
"""Descents advanced together at most (bounds the memory of the stacked losses and values)."""


def forward_values_many(Ls: Sequence[np.ndarray], penalty: float) -> list[np.ndarray]:
    """:func:`~tradewind.regime.jump_model.forward_values` of each loss matrix (same ``K``).

    All at once, as the module docstring says.
    """
    if len(Ls) < BATCH_MIN:
        return [forward_values(L, penalty) for L in Ls]
    K = Ls[0].shape[1]
    n = max(len(L) for L in Ls)
    stacked = np.zeros((n, len(Ls), K))  # rows after a matrix's end do not touch its values
    for j, L in enumerate(Ls):
        stacked[: len(L), j] = L
    V = np.empty_like(stacked)
    prev = np.zeros((len(Ls), K))
    for t in range(n):
        m = prev.min(axis=1, keepdims=True) + penalty
        cur = stacked[t] + np.where(prev < m, prev, m)
        prev = cur - cur.min(axis=1, keepdims=True)
        V[t] = prev
    return [V[: len(L), j] for j, L in enumerate(Ls)]


def descend_many(
    problems: Sequence[tuple[np.ndarray, np.ndarray]], penalty: float, max_iter: int
) -> list[Descent]:
    """:func:`~tradewind.regime.jump_model.descend` of each ``(Z, centroids)``, in lockstep."""
    cents = [c.copy() for _, c in problems]
    states = [np.full(len(Z), -1) for Z, _ in problems]
    active = list(range(len(problems)))
    for _ in range(max_iter):
        if not active:
            break
        still: list[int] = []
        for lo in range(0, len(active), BATCH_MAX):
            chunk = active[lo : lo + BATCH_MAX]
            Ls = [losses(problems[j][0], cents[j]) for j in chunk]
            for j, V in zip(chunk, forward_values_many(Ls, penalty), strict=True):
                new = best_path(V, penalty)
                if np.array_equal(new, states[j]):
                    continue
                states[j] = new
                update_centroids(problems[j][0], new, cents[j])
                still.append(j)
        active = still
    return [
        Descent(c, s, objective(losses(Z, c), s, penalty))
        for (Z, _), c, s in zip(problems, cents, states, strict=True)
    ]
