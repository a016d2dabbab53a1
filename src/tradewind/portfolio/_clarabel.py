"""Direct Clarabel formulations: the robust path behind the fast solvers, and the references.

Matrices are built straight from index arrays in compressed-column form (no ``scipy.sparse``
arithmetic), which keeps the set-up cost small next to the solve. All problems use the
normalised weights ``v`` (summing to one, each at most ``cap``).

* :func:`capped_qp` -- max Sharpe (Charnes-Cooper) or min variance, optionally with an L1
  turnover term against previous weights ``v0``::

      max Sharpe:   min y'Sy   s.t. a'y - lam 1'u = 1, 1'y = k, 0 <= y <= cap k,
                                    u >= |y - k v0|                       -> v = y / k
      min variance: min v'Sv + lam 1'u   s.t. 1'v = 1, 0 <= v <= cap, u >= |v - v0|

* :func:`risk_budgeting` -- the log-barrier risk-budgeting problem with exponential cones::

      min 1/2 x'Sx - b't   s.t. (t_i, 1, x_i) in K_exp (t_i <= log x_i),
                                x_i <= cap * s, 1'x = s                    -> v = x / s
"""

from __future__ import annotations

from typing import Any

import clarabel
import numpy as np
from scipy import sparse

from tradewind.domain.arrays import FloatArray, IntArray

_SOLVED = ("Solved", "AlmostSolved")


def _settings(tol: float) -> Any:
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = tol
    settings.tol_gap_rel = tol
    settings.tol_feas = tol
    settings.tol_ktratio = min(1e-6, tol * 1e4)
    return settings


def upper_triangle(matrix: FloatArray, n_total: int, scale: float = 1.0) -> sparse.csc_matrix:
    """The upper triangle of the dense ``n x n`` ``matrix`` in a ``n_total``-square CSC matrix."""
    n = matrix.shape[0]
    counts = np.arange(1, n + 1)
    rows = np.concatenate([np.arange(j + 1) for j in range(n)]) if n else np.zeros(0, np.int64)
    cols = np.repeat(np.arange(n), counts)
    indptr = np.concatenate([[0], np.cumsum(counts), np.full(n_total - n, n * (n + 1) // 2)])
    data = matrix[rows, cols] * scale
    return sparse.csc_matrix((data, rows, indptr), shape=(n_total, n_total))


def _csc(columns: list[tuple[IntArray, FloatArray]], n_rows: int) -> sparse.csc_matrix:
    indptr = np.concatenate([[0], np.cumsum([len(r) for r, _ in columns])])
    rows = np.concatenate([r for r, _ in columns])
    data = np.concatenate([d for _, d in columns])
    return sparse.csc_matrix((data, rows, indptr), shape=(n_rows, len(columns)))


def capped_qp(
    cov: FloatArray,
    a: FloatArray,
    a_k: float,
    cap: float,
    *,
    penalty: float = 0.0,
    previous: FloatArray | None = None,
    tol: float = 1e-9,
) -> FloatArray | None:
    """Solve max Sharpe (``a_k = 0``) or min variance (``a = 0, a_k = 1``) with Clarabel.

    Parameters
    ----------
    cov
        Covariance matrix.
    a, a_k
        Normalising equality ``a'y + a_k k = 1`` as in :mod:`._active_set`.
    cap
        Upper bound of each normalised weight.
    penalty, previous
        L1 turnover weight ``lam`` and the previous normalised weights ``v0``; the term is
        left out when ``penalty`` is 0 or ``previous`` is ``None``.
    tol
        Clarabel's gap and feasibility tolerances.

    Returns
    -------
    ndarray or None
        Normalised weights, or ``None`` if Clarabel finds no solution.
    """
    n = a.size
    scale = float(np.mean(np.diag(cov))) or 1.0  # O(1) objective: the tolerances are absolute
    cov = cov / scale
    if a_k == 0.0:  # max Sharpe: y ~ 1/|a|, so give a unit size (v = y/k does not change)
        size = float(np.abs(a).max()) or 1.0
        a, penalty = a / size, penalty / size
    else:
        penalty = penalty / scale
    turnover = penalty > 0.0 and previous is not None
    prev = previous if previous is not None else np.zeros(n)
    n_var = 2 * n + 1 if turnover else n + 1  # y (n), k, u (n)
    max_sharpe = a_k == 0.0
    obj_scale = 1.0 if max_sharpe else 2.0  # min variance: 1/2 x'Px = v'Sv
    p_mat = upper_triangle(cov, n_var, obj_scale)
    q = np.zeros(n_var)
    if turnover and not max_sharpe:
        q[n + 1 :] = penalty
    # rows: 0 normalising equality, 1 budget; 2..n+1 -y <= 0; n+2..2n+1 y - cap k <= 0;
    # with turnover, 2n+2..3n+1 y - k v0 - u <= 0 and 3n+2..4n+1 -y + k v0 - u <= 0.
    n_rows = 4 * n + 2 if turnover else 2 * n + 2
    j = np.arange(n)
    columns: list[tuple[IntArray, FloatArray]] = []
    for i in range(n):
        rows = [0, 1, 2 + i, 2 + n + i]
        vals = [a[i], 1.0, -1.0, 1.0]
        if turnover:
            rows += [2 * n + 2 + i, 3 * n + 2 + i]
            vals += [1.0, -1.0]
        columns.append((np.asarray(rows, np.int64), np.asarray(vals)))
    k_rows = [0, 1, *(2 + n + j)]
    k_vals = [a_k, -1.0, *np.full(n, -cap)]
    if turnover:
        k_rows += [*(2 * n + 2 + j), *(3 * n + 2 + j)]
        k_vals += [*(-prev), *prev]
    columns.append((np.asarray(k_rows, np.int64), np.asarray(k_vals, dtype=float)))
    if turnover:
        u_coef = -penalty if max_sharpe else 0.0
        for i in range(n):
            rows_u = [0, 2 * n + 2 + i, 3 * n + 2 + i] if u_coef else [2 * n + 2 + i, 3 * n + 2 + i]
            vals_u = [u_coef, -1.0, -1.0] if u_coef else [-1.0, -1.0]
            columns.append((np.asarray(rows_u, np.int64), np.asarray(vals_u)))
    a_mat = _csc(columns, n_rows)
    b = np.zeros(n_rows)
    b[0] = 1.0
    cones = [clarabel.ZeroConeT(2), clarabel.NonnegativeConeT(n_rows - 2)]
    solution = clarabel.DefaultSolver(p_mat, q, a_mat, b, cones, _settings(tol)).solve()
    if str(solution.status) not in _SOLVED:
        return None
    x = np.asarray(solution.x)
    k = float(x[n])
    if not np.isfinite(x).all() or k <= 0.0:
        return None
    return np.asarray(x[:n] / k, dtype=np.float64)


def risk_budgeting(
    cov: FloatArray, budget: FloatArray, cap: float, tol: float = 1e-10
) -> FloatArray | None:
    """Solve the capped log-barrier risk-budgeting problem with exponential cones.

    Parameters
    ----------
    cov
        Covariance matrix.
    budget
        Risk budgets ``b > 0``.
    cap
        Upper bound of each normalised weight (``>= 1`` means uncapped).
    tol
        Clarabel's gap and feasibility tolerances.

    Returns
    -------
    ndarray or None
        Normalised weights, or ``None`` if Clarabel finds no solution.
    """
    n = budget.size
    cov = cov / (float(np.mean(np.diag(cov))) or 1.0)  # scale-free: the weights do not change
    n_var = 2 * n + 1  # x (n), t (n), s
    p_mat = upper_triangle(cov, n_var)
    q = np.concatenate([np.zeros(n), -budget, [0.0]])
    # rows: 0: 1'x - s = 0; 1..n: x_i - cap s <= 0; then 3 rows per exponential cone.
    base = n + 1
    columns: list[tuple[IntArray, FloatArray]] = []
    for i in range(n):
        rows = np.asarray([0, 1 + i, base + 3 * i + 2], np.int64)
        columns.append((rows, np.asarray([1.0, 1.0, -1.0])))
    for i in range(n):
        columns.append((np.asarray([base + 3 * i], np.int64), np.asarray([-1.0])))
    columns.append((np.arange(n + 1, dtype=np.int64), np.concatenate([[-1.0], np.full(n, -cap)])))
    n_rows = base + 3 * n
    a_mat = _csc(columns, n_rows)
    b = np.zeros(n_rows)
    b[base + 1 :: 3] = 1.0
    cones: list[Any] = [clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(n)]
    cones += [clarabel.ExponentialConeT() for _ in range(n)]
    solution = clarabel.DefaultSolver(p_mat, q, a_mat, b, cones, _settings(tol)).solve()
    if str(solution.status) not in _SOLVED:
        return None
    x = np.asarray(solution.x)[:n]
    if not np.isfinite(x).all() or x.sum() <= 0.0:
        return None
    return np.asarray(x / x.sum(), dtype=np.float64)
