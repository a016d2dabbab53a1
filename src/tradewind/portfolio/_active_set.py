"""Active-set solver for the long-only capped QPs behind max Sharpe and min variance.

Both problems are one family in the variables ``(y, k)``::

    minimise    1/2 y' S y
    subject to  a' y + a_k k = 1,    1' y = k,    0 <= y_i <= cap * k

* max Sharpe (Charnes-Cooper): ``a = mu - rf``, ``a_k = 0``; the weights are ``w = y / k``.
* min variance: ``a = 0``, ``a_k = 1`` so that ``k = 1`` and ``w = y``.

Each asset is *free*, at its *lower* bound (``y_i = 0``) or at its *upper* bound
(``y_i = cap * k``). For a given partition the problem is an equality-constrained QP in the
free weights and ``k``; a ``(|F| + 3)``-square KKT system gives its solution and the multipliers
of the two equalities, from which the bound multipliers follow in ``O(n |support|)``.

Two methods share that step:

1. the primal-dual active-set method (Hintermueller, Ito & Kunisch, SIAM J. Optim. 13(3), 2002):
   move every violated primal bound into the active set and every negative multiplier out, and
   repeat until the partition is stable. A stable partition satisfies the KKT conditions
   exactly, so it is optimal (the problem is convex). It usually takes 3-7 solves, but it is
   not globally convergent for a general ``S``;
2. the primal active-set method (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Alg. 16.3)
   from a feasible vertex, one bound at a time: slower, but monotone.

:func:`solve_capped_qp` tries 1, then 2; the caller falls back to Clarabel if both fail.
Solutions are certified by re-checking the KKT conditions with tolerances before they are
returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradewind.domain.arrays import FloatArray

Int8Array = npt.NDArray[np.int8]

FREE: int = 0
LOWER: int = 1
UPPER: int = 2

_PDAS_MAX_ITER = 40
_REL_TOL = 1e-10


@dataclass(frozen=True, slots=True)
class QPSolution:
    """Weights (summing to one) and how they were found."""

    weights: FloatArray
    n_iter: int
    solver: str


@dataclass(frozen=True, slots=True)
class _Problem:
    cov: FloatArray
    a: FloatArray
    a_k: float
    cap: float


@dataclass(slots=True)
class _Point:
    y: FloatArray
    k: float
    lam: float
    gam: float


def greedy_vertex(score: FloatArray, cap: float) -> tuple[FloatArray, Int8Array]:
    """Fill the highest-scoring assets up to ``cap`` until the weights sum to one.

    Returns the weights and their partition: ``floor(1 / cap)`` assets at the cap, then one
    *free* asset holding the remainder (possibly zero), the others at zero.
    """
    n = score.size
    order = np.argsort(-score, kind="stable")
    n_cap = min(int(np.floor(1.0 / cap + 1e-12)), n)
    if n_cap * cap > 1.0 + 1e-12:
        n_cap -= 1
    if n_cap == n:  # every asset at its cap: only when n * cap == 1
        n_cap -= 1
    weights = np.zeros(n)
    state = np.full(n, LOWER, dtype=np.int8)
    weights[order[:n_cap]] = cap
    state[order[:n_cap]] = UPPER
    weights[order[n_cap]] = max(0.0, 1.0 - n_cap * cap)
    state[order[n_cap]] = FREE
    return weights, state


def _solve_eqp(p: _Problem, state: Int8Array) -> _Point | None:
    """Minimise over the face ``state`` defines; ``None`` if its KKT system is singular."""
    free = np.flatnonzero(state == FREE)
    upper = np.flatnonzero(state == UPPER)
    nf, m, cap = free.size, upper.size, p.cap
    kkt = np.zeros((nf + 3, nf + 3))
    cov_f = p.cov[free]
    kkt[:nf, :nf] = cov_f[:, free]
    if m:
        coupling = cov_f[:, upper].sum(axis=1) * cap
        kkt[:nf, nf] = coupling
        kkt[nf, :nf] = coupling
        kkt[nf, nf] = p.cov[np.ix_(upper, upper)].sum() * cap * cap
    kkt[nf + 1, :nf] = p.a[free]
    kkt[nf + 1, nf] = p.a_k + p.a[upper].sum() * cap
    kkt[nf + 2, :nf] = 1.0
    kkt[nf + 2, nf] = cap * m - 1.0
    kkt[: nf + 1, nf + 1] = -kkt[nf + 1, : nf + 1]
    kkt[: nf + 1, nf + 2] = -kkt[nf + 2, : nf + 1]
    rhs = np.zeros(nf + 3)
    rhs[nf + 1] = 1.0
    try:
        sol = np.linalg.solve(kkt, rhs)
    except np.linalg.LinAlgError:
        return None
    if not np.isfinite(sol).all():
        return None
    k = float(sol[nf])
    y = np.zeros(p.a.size)
    y[free] = sol[:nf]
    y[upper] = cap * k
    return _Point(y, k, float(sol[nf + 1]), float(sol[nf + 2]))


def _reduced_gradient(p: _Problem, state: Int8Array, pt: _Point) -> tuple[FloatArray, float]:
    """``g = S y - lam a - gam`` and its scale; ``g_i`` is the bound multiplier's magnitude."""
    support = np.flatnonzero(state != LOWER)
    r = p.cov[:, support] @ pt.y[support]
    g = r - pt.lam * p.a - pt.gam
    scale = float(np.abs(r).max() + abs(pt.lam) * np.abs(p.a).max() + abs(pt.gam)) + 1e-300
    return g, scale


def _pdas(p: _Problem, state: Int8Array) -> tuple[_Point | None, int]:
    max_upper = int(np.ceil(1.0 / p.cap - 1e-9)) - 1  # keep cap * |upper| < 1
    for it in range(1, _PDAS_MAX_ITER + 1):
        pt = _solve_eqp(p, state)
        if pt is None or pt.k <= 0.0:
            return None, it
        g, scale = _reduced_gradient(p, state, pt)
        tol_y, tol_g = _REL_TOL * pt.k * p.cap, _REL_TOL * scale
        new = state.copy()
        new[(state == LOWER) & (g < -tol_g)] = FREE
        new[(state == UPPER) & (g > tol_g)] = FREE
        new[(state == FREE) & (pt.y < -tol_y)] = LOWER
        new[(state == FREE) & (pt.y > p.cap * pt.k + tol_y)] = UPPER
        upper = np.flatnonzero(new == UPPER)
        if upper.size > max_upper:  # too many at the cap: keep the incumbents, then the largest
            priority = np.where(state[upper] == UPPER, np.inf, pt.y[upper])
            new[upper[np.argsort(-priority, kind="stable")[max_upper:]]] = FREE
        if np.array_equal(new, state):
            return pt, it
        state = new
    return None, _PDAS_MAX_ITER


def _primal_active_set(
    p: _Problem, state: Int8Array, y: FloatArray, k: float, max_iter: int
) -> tuple[_Point | None, Int8Array, int]:
    """Nocedal & Wright Alg. 16.3 from the feasible point ``(y, k)`` consistent with ``state``."""
    for it in range(1, max_iter + 1):
        target = _solve_eqp(p, state)
        if target is None:
            return None, state, it
        free = np.flatnonzero(state == FREE)
        step_y, step_k = target.y[free] - y[free], target.k - k
        alpha, blocking, kind = 1.0, -1, FREE
        tiny = _REL_TOL * max(k, 1e-300) * p.cap
        falling = step_y < -tiny
        if falling.any():
            ratios = -y[free][falling] / step_y[falling]
            j = int(np.argmin(ratios))
            if ratios[j] < alpha:
                alpha, blocking, kind = float(ratios[j]), int(free[falling][j]), LOWER
        rising_rate = step_y - p.cap * step_k
        rising = rising_rate > tiny
        if rising.any():
            ratios = (p.cap * k - y[free][rising]) / rising_rate[rising]
            j = int(np.argmin(ratios))
            if ratios[j] < alpha:
                alpha, blocking, kind = float(ratios[j]), int(free[rising][j]), UPPER
        alpha = max(alpha, 0.0)
        y = y.copy()
        y[free] += alpha * step_y
        k += alpha * step_k
        y[state == UPPER] = p.cap * k
        if blocking >= 0:
            state = state.copy()
            state[blocking] = kind
            y[blocking] = 0.0 if kind == LOWER else p.cap * k
            if (state == UPPER).sum() * p.cap >= 1.0 - 1e-12:
                return None, state, it  # the face would leave no free weight: degenerate
            continue
        pt = _Point(y, k, target.lam, target.gam)
        g, scale = _reduced_gradient(p, state, pt)
        multipliers = np.where(state == LOWER, g, np.where(state == UPPER, -g, 0.0))
        j = int(np.argmin(multipliers))
        if multipliers[j] >= -_REL_TOL * scale:
            return pt, state, it
        state = state.copy()
        state[j] = FREE
    return None, state, max_iter


def _certified(p: _Problem, state: Int8Array, pt: _Point, tol: float = 1e-7) -> bool:
    """True if ``pt`` satisfies the KKT conditions of the whole problem within ``tol``."""
    if not (pt.k > 0.0 and np.isfinite(pt.y).all()):
        return False
    w = pt.y / pt.k
    if w.min() < -tol or (w - p.cap).max() > tol:
        return False
    if abs(p.a @ pt.y + p.a_k * pt.k - 1.0) > tol * (1.0 + np.abs(p.a) @ np.abs(pt.y)):
        return False
    g, scale = _reduced_gradient(p, state, pt)
    slack = tol * scale
    return bool(
        (np.abs(g[state == FREE]) <= slack).all()
        and (g[state == LOWER] >= -slack).all()
        and (g[state == UPPER] <= slack).all()
    )


def solve_capped_qp(
    cov: FloatArray,
    a: FloatArray,
    a_k: float,
    cap: float,
    start_score: FloatArray,
    warm_start: FloatArray | None = None,
) -> QPSolution | None:
    """Solve the QP family of this module; ``None`` if neither active-set method succeeds.

    Parameters
    ----------
    cov
        Covariance matrix (symmetric positive semidefinite), ``n x n``.
    a, a_k
        The normalising equality ``a' y + a_k k = 1`` (see the module docstring).
    cap
        Upper bound of each weight, with ``n * cap > 1`` (the caller handles ``n * cap <= 1``).
    start_score
        Scores for the greedy starting vertex: higher is filled first.
    warm_start
        Weights of a previous solution; their partition seeds the first method.

    Returns
    -------
    QPSolution or None
        Weights summing to one, clipped to ``[0, cap]``.
    """
    p = _Problem(cov, a, a_k, cap)
    vertex, vertex_state = greedy_vertex(start_score, cap)
    state = vertex_state
    if warm_start is not None and warm_start.shape == a.shape and (warm_start > 0).any():
        state = np.where(warm_start > 1e-9, FREE, LOWER).astype(np.int8)
        state[warm_start >= cap - 1e-9] = UPPER
        if (state == UPPER).sum() * cap >= 1.0 - 1e-12:
            state = vertex_state
    pt, n_pdas = _pdas(p, state.copy())
    if pt is not None:
        final_state = _state_of(pt, cap)
        if _certified(p, final_state, pt):
            return QPSolution(_clean(pt, cap), n_pdas, "pdas")
    start = float(vertex @ a) + a_k
    if start <= 0.0:
        return None
    pt2, state2, n_pas = _primal_active_set(
        p, vertex_state.copy(), vertex / start, 1.0 / start, max_iter=10 * a.size + 50
    )
    if pt2 is not None and _certified(p, state2, pt2):
        return QPSolution(_clean(pt2, cap), n_pdas + n_pas, "active_set")
    return None


def _state_of(pt: _Point, cap: float) -> Int8Array:
    w = pt.y / pt.k
    state = np.full(w.size, FREE, dtype=np.int8)
    state[w <= 1e-12] = LOWER
    state[w >= cap - 1e-12] = UPPER
    return state


def _clean(pt: _Point, cap: float) -> FloatArray:
    w = np.clip(pt.y / pt.k, 0.0, cap)
    w[w < 1e-12] = 0.0
    total = float(w.sum())
    return w / total
