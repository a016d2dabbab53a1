"""The optimizer interface and the parts every optimizer shares.

An optimizer follows skfolio's shape: ``__init__`` only stores parameters, :meth:`fit` takes
``(mu, cov)`` arrays and sets attributes ending in ``_``. Failure is a value: when the method has
no answer (max Sharpe with no positive expected excess return, a solver failure, a zero-variance
asset for risk parity) the configured fallback produces the weights, and ``fallback_reason_``
says why. Inputs that are wrong rather than degenerate (NaN, wrong shapes) raise ``ValueError``.

Subclasses implement :meth:`BaseOptimizer._solve` on *normalised* weights ``v`` (summing to one,
each at most ``cap``); :meth:`fit` scales them to the invested fraction (see
:mod:`tradewind.portfolio.constraints`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal, Self

import numpy as np
import numpy.typing as npt

from tradewind.config.portfolio import OptimizerName
from tradewind.domain.arrays import FloatArray
from tradewind.portfolio.constraints import Constraints

FallbackName = Literal["equal_weight", "previous", "cash"]


class OptimizationFailed(Exception):
    """The method has no answer for these inputs; the message says why (goes to the record)."""


class BaseOptimizer(ABC):
    """Common parameters, input checks, scaling and the fallback chain.

    Parameters
    ----------
    constraints
        Caps, exposure, cash buffer and turnover penalty; unconstrained long-only by default.
    fallback
        What to hold when the method fails: ``equal_weight`` (capped equal weights),
        ``previous`` (the previous weights, clipped to the caps and scaled down to the invested
        fraction; equal weights when there are none) or ``cash`` (all zero).
    risk_free_rate
        Per-period rate in the units of ``mu`` (used by max Sharpe).

    Attributes
    ----------
    weights_ : ndarray
        Weights, fractions of equity, summing to ``invested_`` (less for ``previous``/``cash``
        fallbacks).
    invested_ : float
        The invested fraction the constraints allow for this many assets.
    method_ : str
        Method that produced ``weights_``: this optimizer's name or the fallback's.
    fallback_reason_ : str or None
        Why the fallback was used.
    solver_ : str
        Algorithm that produced the weights, e.g. ``pdas``, ``active_set``, ``clarabel``,
        ``newton``, ``closed_form``.
    n_iter_ : int
        Iterations of that algorithm (0 for closed forms).
    notes_ : list of str
        Remarks worth recording, e.g. an ignored turnover penalty.
    """

    name: ClassVar[OptimizerName]
    uses_turnover_penalty: ClassVar[bool] = False

    weights_: FloatArray
    invested_: float
    method_: str
    fallback_reason_: str | None
    solver_: str
    n_iter_: int
    notes_: list[str]

    def __init__(
        self,
        constraints: Constraints | None = None,
        *,
        fallback: FallbackName = "equal_weight",
        risk_free_rate: float = 0.0,
    ) -> None:
        self.constraints = constraints
        self.fallback = fallback
        self.risk_free_rate = risk_free_rate

    @abstractmethod
    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        """Normalised weights ``v`` (``sum v = 1``, ``0 <= v <= cap``, ``n * cap > 1``).

        Raise :class:`OptimizationFailed` when there is no answer. Set ``solver_`` and
        ``n_iter_``.
        """

    def fit(
        self,
        mu: npt.ArrayLike,
        cov: npt.ArrayLike,
        previous_weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Compute the weights for expected returns ``mu`` and covariance ``cov``.

        Parameters
        ----------
        mu
            Expected returns, shape ``(n,)``.
        cov
            Covariance, shape ``(n, n)``, symmetric positive semidefinite.
        previous_weights
            Current weights (fractions of equity), shape ``(n,)``: used by the turnover
            penalty, as a warm start and by the ``previous`` fallback.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On NaN or infinite inputs, mismatched shapes or a negative variance.
        """
        mu_arr, cov_arr, prev = check_inputs(mu, cov, previous_weights)
        cons = self.constraints if self.constraints is not None else Constraints()
        n = mu_arr.size
        invested = cons.invested(n)
        self.invested_ = invested
        self.method_ = self.name
        self.fallback_reason_ = None
        self.solver_ = "closed_form"
        self.n_iter_ = 0
        self.notes_ = []
        if cons.turnover_penalty > 0.0 and not self.uses_turnover_penalty:
            self.notes_.append(f"turnover_penalty ignored: {self.name} has no objective")
        if invested <= 0.0:
            self.weights_ = np.zeros(n)
            return self
        cap = min(1.0, cons.max_weight / invested)
        if n * cap <= 1.0 + 1e-12:  # the caps leave one feasible point: equal weights
            self.weights_ = np.full(n, invested / n)
            return self
        prev_norm = prev / invested if prev is not None else None
        try:
            v = self._solve(mu_arr, cov_arr, cap, prev_norm)
        except OptimizationFailed as exc:
            self.weights_ = self._fallback(str(exc), n, invested, cons.max_weight, prev)
            return self
        self.weights_ = invested * polish(v, cap)
        return self

    def _fallback(
        self, reason: str, n: int, invested: float, max_weight: float, prev: FloatArray | None
    ) -> FloatArray:
        self.fallback_reason_ = reason
        self.solver_ = "fallback"
        if self.fallback == "cash":
            self.method_ = "cash"
            return np.zeros(n)
        if self.fallback == "previous":
            if prev is not None:
                self.method_ = "previous"
                w = np.clip(prev, 0.0, max_weight)
                total = float(w.sum())
                return w * (invested / total) if total > invested else w
            self.fallback_reason_ = f"{reason}; no previous weights, used equal_weight"
        self.method_ = "equal_weight"
        return np.full(n, invested / n)


def check_inputs(
    mu: npt.ArrayLike, cov: npt.ArrayLike, previous: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Validate and convert ``(mu, cov, previous)``; raise ``ValueError`` naming the problem."""
    mu_arr = np.asarray(mu, dtype=np.float64)
    cov_arr = np.asarray(cov, dtype=np.float64)
    n = mu_arr.size
    if mu_arr.ndim != 1 or n == 0:
        raise ValueError(f"mu must be a non-empty vector, got shape {mu_arr.shape}")
    if cov_arr.shape != (n, n):
        raise ValueError(f"cov must have shape ({n}, {n}) to match mu, got {cov_arr.shape}")
    for label, arr in (("mu", mu_arr), ("cov", cov_arr)):
        bad = np.argwhere(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"{label} has {len(bad)} NaN/infinite value(s), first at {bad[0]}")
    if (np.diag(cov_arr) < 0).any():
        raise ValueError("cov has a negative variance on its diagonal")
    scale = float(np.abs(cov_arr).max()) + 1e-300
    if np.abs(cov_arr - cov_arr.T).max() > 1e-9 * scale:
        raise ValueError("cov must be symmetric")
    prev_arr = None
    if previous is not None:
        prev_arr = np.asarray(previous, dtype=np.float64)
        if prev_arr.shape != (n,) or not np.isfinite(prev_arr).all():
            raise ValueError(f"previous_weights must be {n} finite numbers")
    return mu_arr, (cov_arr + cov_arr.T) / 2.0, prev_arr


def polish(v: FloatArray, cap: float) -> FloatArray:
    """Clip ``v`` to ``[0, cap]`` and give the rounding residual to the positions strictly inside.

    Removes solver noise: weights below ``1e-10`` become exactly zero and no weight exceeds its
    cap, while the sum stays one.
    """
    w = np.clip(v, 0.0, cap)
    w[w < 1e-10] = 0.0
    residual = 1.0 - float(w.sum())
    if residual > 0.0:
        room = cap - w
        inside = (w > 0.0) & (room > 0.0)
        if not inside.any():
            inside = room > 0.0
        w[inside] += residual * room[inside] / max(float(room[inside].sum()), 1e-300)
    elif residual < 0.0:
        w += residual * w / float(w.sum())
    return np.clip(w, 0.0, cap)
