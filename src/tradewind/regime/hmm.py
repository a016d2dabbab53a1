"""The ``hmm`` detector: a Gaussian hidden Markov model read through its **filtered** probabilities.

Fitting uses the Baum-Welch (EM) algorithm on the standardized training window, with scaled
forward-backward passes (Rabiner, 1989); the smoothed posteriors serve only the fit. Online, the
detector keeps the forward (filtered) distribution ``P(s_t | z_1..z_t)``:

    alpha_t  ~  (alpha_(t-1) A)  *  N(z_t; mu_k, Sigma_k)

which never uses data after ``t``. Confidence is the filtered probability of the regime.
Covariances get a small ridge (``1e-4`` on the standardized scale) so no state collapses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tradewind.regime.features import FeatureSpec
from tradewind.regime.statistical import StatisticalDetector

_RIDGE = 1e-4


@dataclass(frozen=True, slots=True)
class GaussianHMM:
    """Fitted HMM parameters: initial distribution, transition matrix, state means/covariances."""

    start: np.ndarray
    transition: np.ndarray
    means: np.ndarray
    covs: np.ndarray
    log_likelihood: float
    lagged: tuple[int, ...] = ()
    """Columns whose previous value enters every state's mean (a Markov-switching VAR(1))."""


def design(Zprev: np.ndarray, lagged: tuple[int, ...]) -> np.ndarray:
    """Regressors of each row's mean: ``[1, z_(t-1)[lagged]]``, shape ``(n, 1 + len(lagged))``."""
    return np.column_stack([np.ones(len(Zprev)), Zprev[:, list(lagged)]])


def log_emissions(Y: np.ndarray, X: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """``log N(y_t; M_k x_t, Sigma_k)`` for every row and state, shape ``(n, K)``.

    ``means`` has shape ``(K, d, p)``: state ``k``'s mean of row ``t`` is ``means[k] @ X[t]``.
    """
    n, d = Y.shape
    out = np.empty((n, len(means)))
    for k, (coef, cov) in enumerate(zip(means, covs, strict=True)):
        chol = np.linalg.cholesky(cov)
        sol = np.linalg.solve(chol, (Y - X @ coef.T).T)
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        out[:, k] = -0.5 * ((sol**2).sum(axis=0) + logdet + d * np.log(2 * np.pi))
    return out


def _scaled_emissions(
    Y: np.ndarray, X: np.ndarray, model: GaussianHMM
) -> tuple[np.ndarray, np.ndarray]:
    logb = log_emissions(Y, X, model.means, model.covs)
    shift = logb.max(axis=1, keepdims=True)
    return np.exp(logb - shift), shift[:, 0]


def forward(
    B: np.ndarray, A: np.ndarray, prior: np.ndarray, predict_first: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled forward pass: filtered probabilities ``(n, K)`` and per-step normalizers."""
    n, K = B.shape
    alpha = np.empty((n, K))
    scale = np.empty(n)
    a = prior @ A if predict_first else prior
    for t in range(n):
        if t > 0:
            a = alpha[t - 1] @ A
        a = a * B[t]
        c = a.sum()
        if not c > 0:
            a, c = np.full(K, 1.0 / K), 1e-300
        else:
            a = a / c
        alpha[t] = a
        scale[t] = c
    return alpha, scale


def _backward(B: np.ndarray, A: np.ndarray, scale: np.ndarray) -> np.ndarray:
    n, K = B.shape
    beta = np.ones((n, K))
    for t in range(n - 2, -1, -1):
        beta[t] = (A @ (B[t + 1] * beta[t + 1])) / scale[t + 1]
    return beta


def _init_params(Y: np.ndarray, X: np.ndarray, K: int, lagged: tuple[int, ...]) -> GaussianHMM:
    """Start from K groups of equal size ordered by the last column (e.g. log VIX)."""
    d, p = Y.shape[1], X.shape[1]
    groups = np.array_split(np.argsort(Y[:, -1], kind="stable"), K)
    means = np.zeros((K, d, p))
    covs = np.empty((K, d, d))
    for k, g in enumerate(groups):
        means[k, :, 0] = Y[g].mean(axis=0)
        covs[k] = np.cov(Y[g].T).reshape(d, d) + _RIDGE * np.eye(d)
    A = np.full((K, K), 0.02 / max(K - 1, 1))
    np.fill_diagonal(A, 0.98)
    return GaussianHMM(np.full(K, 1.0 / K), A, means, covs, -np.inf, lagged)


def _m_step(
    Y: np.ndarray, X: np.ndarray, gamma: np.ndarray, K: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of ``Y`` on ``X`` per state, and residual covariances."""
    d, p = Y.shape[1], X.shape[1]
    means = np.empty((K, d, p))
    covs = np.empty((K, d, d))
    for k in range(K):
        w = gamma[:, k] + 1e-12
        xtx = (X * w[:, None]).T @ X + 1e-8 * np.eye(p)
        xty = (X * w[:, None]).T @ Y
        coef = np.linalg.solve(xtx, xty).T
        resid = Y - X @ coef.T
        means[k] = coef
        covs[k] = (w[:, None] * resid).T @ resid / w.sum() + _RIDGE * np.eye(d)
    return means, covs


def fit_hmm(
    Z: np.ndarray,
    n_states: int,
    *,
    lagged: tuple[int, ...] = (),
    max_iter: int = 50,
    tol: float = 1e-4,
    init: GaussianHMM | None = None,
) -> tuple[GaussianHMM, np.ndarray]:
    """Baum-Welch fit on rows ``Z`` (the first row only serves as a lag); returns the model and
    the most likely state of each row (the first copies the second's).

    ``tol`` is the stopping change in mean log-likelihood per row.
    """
    Y, X = Z[1:], design(Z[:-1], lagged)
    K, n = n_states, len(Y)
    model = init if init is not None else _init_params(Y, X, K, lagged)
    prev = -np.inf
    gamma = np.full((n, K), 1.0 / K)
    for _ in range(max_iter):
        B, shift = _scaled_emissions(Y, X, model)
        alpha, scale = forward(B, model.transition, model.start, predict_first=False)
        ll = float((np.log(scale) + shift).sum())
        beta = _backward(B, model.transition, scale)
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        xi = (alpha[:-1, :, None] * model.transition[None]) * (B[1:] * beta[1:])[:, None, :]
        xi /= scale[1:, None, None]
        trans = xi.sum(axis=0) + 1e-6
        trans /= trans.sum(axis=1, keepdims=True)
        means, covs = _m_step(Y, X, gamma, K)
        start = gamma[0] + 1e-6
        model = GaussianHMM(start / start.sum(), trans, means, covs, ll, lagged)
        if abs(ll - prev) / n < tol:
            break
        prev = ll
    states = gamma.argmax(axis=1)
    return model, np.concatenate([states[:1], states])


class HMMDetector(StatisticalDetector):
    """Gaussian HMM on a trailing window, refitted on a schedule, read through filtered
    probabilities.

    Parameters
    ----------
    max_iter
        EM iterations per fit (a refit starts from the previous parameters).
    Other parameters
        See :class:`~tradewind.regime.statistical.StatisticalDetector`.
    """

    name: ClassVar[str] = "hmm"

    def __init__(
        self,
        *,
        n_states: int = 4,
        features: Sequence[str] = ("ret_1d", "log_vix"),
        lagged: Sequence[str] = ("log_vix",),
        train_days: int = 2520,
        min_train_days: int = 504,
        refit_days: int = 21,
        max_iter: int = 50,
        min_stay_days: int = 5,
        confirm_days: int = 1,
        seed: int = 0,
        spec: FeatureSpec | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.lagged = tuple(lagged)
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
        lagged = tuple(self.feature_names.index(n) for n in self.lagged)
        init = warm if isinstance(warm, GaussianHMM) and warm.lagged == lagged else None
        return fit_hmm(Z, self.n_states, lagged=lagged, max_iter=self.max_iter, init=init)

    def _filter_run(self, model: Any, Z: np.ndarray) -> Any:
        B, _ = _scaled_emissions(Z[1:], design(Z[:-1], model.lagged), model)
        alpha, _ = forward(B, model.transition, model.start, predict_first=False)
        return (alpha[-1], Z[-1])

    def _filter_step(self, model: Any, state: Any, z: np.ndarray) -> Any:
        alpha, prev = state
        B, _ = _scaled_emissions(z[None, :], design(prev[None, :], model.lagged), model)
        new, _ = forward(B, model.transition, alpha, predict_first=True)
        return (new[-1], z)

    def _state_probabilities(self, model: Any, state: Any) -> np.ndarray:
        return np.asarray(state[0], dtype=float)
