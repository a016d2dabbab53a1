"""Risk parity (equal risk contribution, or any risk budget), with per-position caps.

Uncapped, the weights solve (Spinu, "An algorithm for computing risk parity weights", 2013)::

    minimise  f(x) = 1/2 x'Sx - sum_i b_i log x_i      over x > 0,     then v = x / sum(x)

whose optimum has ``x_i (Sx)_i = b_i``: each asset's share of the variance is its budget
``b_i / sum(b)``. ``f`` is self-concordant, so damped Newton (step ``1/(1 + delta)`` while the
Newton decrement ``delta`` exceeds 1/4, full steps after) converges from any positive start,
quadratically near the optimum; each step is one Cholesky solve.

**Caps.** With ``v_i <= cap`` the problem becomes ``min f(x) s.t. x_i <= cap * 1'x``, a convex
cone constraint, which is exactly skfolio's ``RiskBudgeting(max_weights=cap)`` program. Assets
at the cap hold ``cap`` of the portfolio; the others no longer have *equal* risk contributions:
at the optimum ``x_i (Sx)_i = b_i + c * x_i`` with one constant ``c >= 0`` shared by all
uncapped assets (the multiplier of the caps). We solve it by an active set over the capped
assets: with the set ``C`` fixed, ``x_C = cap * 1'x`` is linear in the free ``x_F``, the reduced
``f`` is still self-concordant, and damped Newton solves it; then violated caps join ``C`` and
caps with a negative multiplier leave it, until nothing changes. Clarabel (exponential cones)
is the fallback.

A zero-variance asset, or a long-only combination with zero variance (perfectly offsetting
assets), makes ``f`` unbounded below: risk parity is undefined, the optimizer fails and the
fallback applies. Both are checked before solving (the combination along the inverse-volatility
direction; other directions surface as a Newton failure, then a Clarabel failure).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from tradewind.config.portfolio import OptimizerName
from tradewind.domain.arrays import FloatArray
from tradewind.portfolio._active_set import solve_capped_qp
from tradewind.portfolio.base import BaseOptimizer, FallbackName, OptimizationFailed
from tradewind.portfolio.constraints import Constraints

_NEWTON_MAX_ITER = 100
_ACTIVE_SET_MAX_ITER = 50
_TOL = 1e-13


def _newton(
    cov: FloatArray,
    budget: FloatArray,
    free: npt.NDArray[np.intp],
    capped: npt.NDArray[np.intp],
    cap: float,
    x_free: FloatArray,
) -> tuple[FloatArray, int]:
    """Damped Newton on the reduced problem; returns the free coordinates and the iterations."""
    m = capped.size
    alpha = cap / (1.0 - cap * m)  # x_C = alpha * 1'x_F
    b_free, b_cap = budget[free], float(budget[capped].sum())
    cov_ff = cov[np.ix_(free, free)]
    if m:
        col = cov[np.ix_(free, capped)].sum(axis=1)
        corner = float(cov[np.ix_(capped, capped)].sum())
        hess_q = (
            cov_ff + alpha * (col[:, None] + col[None, :]) + alpha * alpha * corner
        )  # M' S M with M = [I; alpha 1']
    else:
        hess_q = cov_ff
    # imported here, by the one optimizer that needs it: a run with another optimizer does not
    # load scipy.linalg (about 30 MiB)
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    x = x_free.copy()
    for it in range(1, _NEWTON_MAX_ITER + 1):
        total = float(x.sum())
        grad = hess_q @ x - b_free / x - (b_cap / total if m else 0.0)
        if not np.isfinite(grad).all():
            raise OptimizationFailed("risk_parity: Newton left the domain (non-finite gradient)")
        if float(np.abs(grad * x).max()) <= _TOL * float(budget.sum()):
            return x, it - 1
        hess = hess_q + np.diag(b_free / (x * x))
        if m:
            hess += b_cap / (total * total)
        try:
            step = cho_solve(cho_factor(hess, check_finite=False), grad, check_finite=False)
        except LinAlgError as exc:
            raise OptimizationFailed(
                f"risk_parity: Newton system not positive definite ({exc})"
            ) from None
        decrement = float(np.sqrt(max(grad @ step, 0.0)))
        x_new = x - step / (1.0 + decrement) if decrement > 0.25 else x - step
        if not (x_new > 0.0).all():  # cannot happen in exact arithmetic; guard rounding
            x_new = np.maximum(x_new, x * 1e-3)
        x = x_new
    raise OptimizationFailed("risk_parity: Newton did not converge")


def solve_risk_budgeting(cov: FloatArray, budget: FloatArray, cap: float) -> tuple[FloatArray, int]:
    """Capped risk-budgeting weights (summing to one) and the Newton iterations used.

    Parameters
    ----------
    cov
        Covariance matrix, positive semidefinite with a positive diagonal.
    budget
        Risk budgets, positive.
    cap
        Upper bound of each weight (``n * cap > 1``; ``>= 1`` means uncapped).

    Raises
    ------
    OptimizationFailed
        If the active set does not settle or Newton fails.
    """
    n = budget.size
    sigma = np.sqrt(np.diag(cov))
    x0 = np.sqrt(budget) / sigma
    variance0 = float(x0 @ cov @ x0)
    if not variance0 > 0.0:
        raise OptimizationFailed("risk_parity undefined: a long-only portfolio has zero variance")
    x0 *= np.sqrt(budget.sum() / variance0)  # best scale along the ray
    capped = np.zeros(n, dtype=bool)
    x = x0
    iterations = 0
    for _ in range(_ACTIVE_SET_MAX_ITER):
        free_idx, cap_idx = np.flatnonzero(~capped), np.flatnonzero(capped)
        x_free, its = _newton(cov, budget, free_idx, cap_idx, cap, x[free_idx])
        iterations += its
        x = np.zeros(n)
        x[free_idx] = x_free
        total = float(x_free.sum()) / (1.0 - cap * cap_idx.size)
        x[cap_idx] = cap * total
        h = cov @ x - budget / x  # stationarity: h_i + eta_i - cap * sum(eta) = 0
        level = float(h[free_idx].mean())  # = cap * sum(eta) on the free assets
        eta = level - h  # multipliers of the caps, meaningful on capped assets
        violated = (~capped) & (x > cap * total * (1.0 + 1e-12))
        released = capped & (eta < -1e-10 * (np.abs(h).max() + 1e-300))
        if not violated.any() and not released.any():
            return x / x.sum(), iterations
        capped = (capped | violated) & ~released
        if capped.sum() * cap >= 1.0 - 1e-12:
            keep = np.flatnonzero(capped)[np.argsort(-x[capped], kind="stable")]
            capped[keep[int(np.ceil(1.0 / cap - 1e-9)) - 1 :]] = False
        x = np.where(capped, x, np.maximum(x, 1e-300))
    raise OptimizationFailed("risk_parity: the capped active set did not settle")


class RiskParity(BaseOptimizer):
    """Equal risk contribution portfolio (or a custom risk budget), long-only and capped.

    Parameters
    ----------
    constraints
        Caps, exposure and cash buffer (the turnover penalty does not apply).
    fallback
        Used when the solvers fail; see :class:`BaseOptimizer`.
    risk_free_rate
        Not used; kept for a uniform interface.
    risk_budget
        Relative risk budgets, one per asset; equal when ``None``.
    solver
        ``auto`` (Newton active set, then Clarabel) or ``clarabel``.
    """

    name: ClassVar[OptimizerName] = "risk_parity"

    def __init__(
        self,
        constraints: Constraints | None = None,
        *,
        fallback: FallbackName = "equal_weight",
        risk_free_rate: float = 0.0,
        risk_budget: npt.ArrayLike | None = None,
        solver: str = "auto",
    ) -> None:
        super().__init__(constraints, fallback=fallback, risk_free_rate=risk_free_rate)
        self.risk_budget = risk_budget
        self.solver = solver

    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        n = mu.size
        budget = np.ones(n) if self.risk_budget is None else np.asarray(self.risk_budget, float)
        if budget.shape != (n,) or not (budget > 0).all():
            raise ValueError(f"risk_budget must be {n} positive numbers")
        variances = np.diag(cov)
        if variances.min() <= 1e-14 * max(float(variances.max()), 1e-300):
            raise OptimizationFailed("risk_parity undefined: an asset has zero variance")
        probe = np.sqrt(budget) / np.sqrt(variances)
        if not float(probe @ cov @ probe) > 1e-14 * float(probe @ np.diag(variances) @ probe):
            raise OptimizationFailed(
                "risk_parity undefined: a long-only portfolio has zero variance"
            )
        scale = float(variances.mean())
        if self.solver == "auto":
            try:
                weights, its = solve_risk_budgeting(cov / scale, budget / budget.sum(), cap)
            except OptimizationFailed as exc:
                self.notes_.append(f"{exc}; solved with Clarabel")
            else:
                self.solver_, self.n_iter_ = "newton", its
                return weights
        from tradewind.portfolio import _clarabel  # the fallback: imported when needed

        self.solver_ = "clarabel"
        weights_or_none = _clarabel.risk_budgeting(cov, budget / budget.sum(), cap)
        if weights_or_none is None:
            _raise_if_zero_variance_portfolio(cov / scale, cap)
            raise OptimizationFailed("risk_parity: Clarabel found no solution")
        return weights_or_none


def _raise_if_zero_variance_portfolio(cov: FloatArray, cap: float) -> None:
    """Raise "undefined" when some capped long-only portfolio has (numerically) zero variance.

    Then ``f`` is unbounded below along that portfolio and no risk-parity weights exist: with
    fewer observations than assets a singular covariance often has such a direction besides the
    inverse-volatility one checked up front. Run only after both solvers failed, to name the
    cause instead of a solver failure.
    """
    from tradewind.portfolio import _clarabel  # the fallback: imported when needed

    n = cov.shape[0]
    solution = solve_capped_qp(cov, np.zeros(n), 1.0, cap, -np.diag(cov))
    weights = (
        solution.weights
        if solution is not None
        else _clarabel.capped_qp(cov, np.zeros(n), 1.0, cap)
    )
    if weights is not None and float(weights @ cov @ weights) <= 1e-12 * float(np.diag(cov).max()):
        raise OptimizationFailed(
            "risk_parity undefined: a long-only portfolio has zero variance "
            "(singular covariance, e.g. fewer observations than assets)"
        )
