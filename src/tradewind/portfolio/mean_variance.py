"""Max Sharpe and min variance: long-only, capped, fully invested up to the invested fraction.

Both solve a convex QP (see :mod:`tradewind.portfolio._active_set`):

* **max Sharpe** maximises ``(mu - rf)'v / sqrt(v'Sv)`` through the Charnes-Cooper transform
  ``min y'Sy  s.t. (mu - rf)'y = 1, 1'y = k, 0 <= y <= cap k`` and ``v = y / k``. It is
  undefined when no feasible portfolio has a positive expected excess return (the greedy
  maximum of ``(mu - rf)'v`` over the constraints is ``<= 0``): the fallback applies.
* **min variance** minimises ``v'Sv`` subject to ``1'v = 1, 0 <= v <= cap``.

The fast path is an active-set method (a few small linear solves) whose answer is certified
against the KKT conditions; if it fails, Clarabel solves the same QP directly. A singular ``S``
is fine for both: the QP only needs ``S`` to be positive semidefinite (when the optimum is then
not unique, one optimal portfolio is returned).

With a turnover penalty ``lam > 0`` and previous weights, Clarabel solves the penalised problem
(``(mu - rf)'v - lam |v - v0|_1`` in the Sharpe numerator, as skfolio's ``transaction_costs``;
``v'Sv + lam |v - v0|_1`` for min variance), in the invested fraction's own scale.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from tradewind.config.portfolio import OptimizerName
from tradewind.domain.arrays import FloatArray
from tradewind.portfolio._active_set import greedy_vertex, solve_capped_qp
from tradewind.portfolio.base import BaseOptimizer, FallbackName, OptimizationFailed
from tradewind.portfolio.constraints import Constraints

SolverChoice = Literal["auto", "clarabel"]


class _CappedQP(BaseOptimizer):
    uses_turnover_penalty: ClassVar[bool] = True

    def __init__(
        self,
        constraints: Constraints | None = None,
        *,
        fallback: FallbackName = "equal_weight",
        risk_free_rate: float = 0.0,
        solver: SolverChoice = "auto",
    ) -> None:
        super().__init__(constraints, fallback=fallback, risk_free_rate=risk_free_rate)
        self.solver = solver

    def _run(
        self,
        cov: FloatArray,
        a: FloatArray,
        a_k: float,
        cap: float,
        start_score: FloatArray,
        previous: FloatArray | None,
    ) -> FloatArray:
        penalty = self.constraints.turnover_penalty if self.constraints is not None else 0.0
        if penalty > 0.0 and previous is not None:
            # the penalty is on absolute weights; in normalised weights it scales by 1/invested
            # for min variance (the Sharpe ratio is scale-free, so max Sharpe keeps it as is)
            scaled = penalty if a_k == 0.0 else penalty / self.invested_
            return self._clarabel(cov, a, a_k, cap, scaled, previous)
        if self.solver == "auto":
            solution = solve_capped_qp(cov, a, a_k, cap, start_score, warm_start=previous)
            if solution is not None:
                self.solver_ = solution.solver
                self.n_iter_ = solution.n_iter
                return solution.weights
            self.notes_.append("active-set solver did not converge; solved with Clarabel")
        return self._clarabel(cov, a, a_k, cap, 0.0, None)

    def _clarabel(
        self,
        cov: FloatArray,
        a: FloatArray,
        a_k: float,
        cap: float,
        penalty: float,
        previous: FloatArray | None,
    ) -> FloatArray:
        # imported here: Clarabel (and scipy.sparse) is the fallback behind the active-set
        # solver, and a run that never needs it starts ~0.07 s sooner
        from tradewind.portfolio import _clarabel

        self.solver_ = "clarabel"
        weights = _clarabel.capped_qp(cov, a, a_k, cap, penalty=penalty, previous=previous)
        if weights is None:
            raise OptimizationFailed(f"{self.name}: Clarabel found no solution")
        return weights


class MaxSharpe(_CappedQP):
    """Maximum Sharpe ratio portfolio (tangency portfolio under the constraints).

    Parameters
    ----------
    constraints
        Caps, exposure, cash buffer and turnover penalty.
    fallback
        Used when max Sharpe is undefined or the solvers fail; see :class:`BaseOptimizer`.
    risk_free_rate
        Per-period risk-free rate, in the units of ``mu``.
    solver
        ``auto`` (active set, then Clarabel) or ``clarabel`` (always Clarabel).
    """

    name: ClassVar[OptimizerName] = "max_sharpe"

    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        excess = mu - self.risk_free_rate
        vertex, _ = greedy_vertex(excess, cap)
        best = float(vertex @ excess)
        if best <= 0.0:
            raise OptimizationFailed(
                "max_sharpe undefined: no feasible portfolio has a positive expected excess "
                f"return (best {best:.4g} <= 0)"
            )
        return self._run(cov, excess, 0.0, cap, excess, previous)


class MinVariance(_CappedQP):
    """Minimum variance portfolio under the constraints.

    Parameters
    ----------
    constraints
        Caps, exposure, cash buffer and turnover penalty.
    fallback
        Used when the solvers fail; see :class:`BaseOptimizer`.
    risk_free_rate
        Not used by the objective; kept for a uniform interface.
    solver
        ``auto`` (active set, then Clarabel) or ``clarabel`` (always Clarabel).
    """

    name: ClassVar[OptimizerName] = "min_variance"

    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        n = mu.size
        return self._run(cov, np.zeros(n), 1.0, cap, -np.diag(cov), previous)
