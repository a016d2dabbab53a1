"""The model behind the ``hmm`` detector: a four-state HMM anchored to VIX bands, fitted by EM.

State ``k`` is regime ``k`` of :data:`STATE_REGIMES` (BULL, CHOPPY, BEAR, VOLATILE, calm to
turbulent). Given the state, the index's daily log return ``r_t`` and the VIX ``v_t`` are

    r_t ~ N(m_k, s_k^2)
    v_t | r_t ~ N(c_k + phi v_(t-1) + b_k (r_t - m_k), u_k^2)

that is, the VIX is an AR(1) around the state's level ``c_k / (1 - phi)`` (``phi`` shared, so
the VIX moves from one level to the next at one speed), with a shock tied to the day's return
(``b_k``). Where the VIX at ``t`` or ``t-1`` is not observed (the realized-volatility proxy
stands in, :mod:`tradewind.regime.vix`), only the return term is used: the proxy is a function
of past returns and carries no news of its own.

**Anchoring.** Band ``k`` of the VIX is ``[edge_(k-1), edge_k)`` with the edges ``bands``
(default 16, 23.5, 32.5: between where the real VIX sits in calm, sideways, bear and crisis
markets, about 12-15, 17-22, 25-30 and 35+). The fit keeps state ``k``'s VIX level in band
``k``, and the VIX-equivalent of its return volatility (``PROXY_SCALE * 100 * sqrt(252) * s_k``,
the scale of the documented proxy) in band ``k`` too. So states need no naming after the fit,
and a regime absent from the training window still has a state, where it would be.

**Priors.** Each state's parameters are shrunk towards a prior worth ``prior_sessions``
sessions: return mean 0; return volatility and VIX level those of the middle of its band (the
outer bands: 1.25 times beyond their edge); VIX shock variance half the variance of daily VIX
changes in the window, scaled by the square of the level's ratio to the window's (geometric)
mean VIX; ``b_k`` towards 0. Transition rows get Dirichlet pseudo-counts worth
``prior_sessions`` sessions of an expected stay of ``prior_stay`` sessions. A state with many
sessions in the window is barely moved; an empty one keeps its prior.

**Fitting** is Baum-Welch (Rabiner, 1989) with a conditional M-step (Meng and Rubin's ECM:
``phi`` and the per-state VIX terms alternate a few rounds), projected onto the bands. The
forward and backward passes multiply the per-step matrices ``A diag(b_t)`` as prefix products
within blocks of 32 steps (a vectorized scan, rescaled at every level) and carry the vector
from block to block; that gives the step-by-step recursion's probabilities, faster. The first
fit starts from the band of each session's smoothed VIX; later fits start from the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.domain.types import Regime
from tradewind.regime.vix import PROXY_SCALE

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

STATE_REGIMES: tuple[Regime, ...] = (Regime.BULL, Regime.CHOPPY, Regime.BEAR, Regime.VOLATILE)
"""The regime of each state, in band order (lowest VIX first)."""

DEFAULT_BANDS: tuple[float, float, float] = (16.0, 23.5, 32.5)
"""VIX edges between the BULL, CHOPPY, BEAR and VOLATILE bands."""

VIX_PER_RETURN_SD = PROXY_SCALE * 100.0 * np.sqrt(252.0)
"""VIX-equivalent of one unit of daily return standard deviation (the proxy's scale)."""

OUTER_BAND = 1.25
"""The prior level of an outer band lies this factor beyond its edge."""

_LOG_2PI = float(np.log(2.0 * np.pi))
_MIN_SD = 1e-8


@dataclass(frozen=True, slots=True)
class Observations:
    """Rows the model sees: returns, VIX, the previous VIX and where both VIX are observed."""

    ret: Floats
    vix: Floats
    vix_prev: Floats
    observed: Bools

    def __len__(self) -> int:
        return len(self.ret)


@dataclass(frozen=True, slots=True)
class BandHMM:
    """Fitted parameters (per state, in :data:`STATE_REGIMES` order)."""

    start: Floats
    transition: Floats
    ret_mean: Floats
    ret_sd: Floats
    vix_const: Floats
    vix_beta: Floats
    vix_sd: Floats
    vix_phi: float
    log_likelihood: float

    @property
    def vix_levels(self) -> Floats:
        """Level each state's VIX reverts to, ``c_k / (1 - phi)``."""
        out: Floats = self.vix_const / (1.0 - self.vix_phi)
        return out

    def stationary(self) -> Floats:
        """Long-run share of sessions in each state under the fitted transitions."""
        values, vectors = np.linalg.eig(self.transition.T)
        share = np.abs(np.real(vectors[:, int(np.argmin(np.abs(values - 1.0)))]))
        out: Floats = share / share.sum()
        return out


@dataclass(frozen=True, slots=True)
class _Prior:
    ret_var: Floats
    level: Floats
    vix_var: Floats
    counts: Floats


def log_emissions(obs: Observations, model: BandHMM) -> Floats:
    """``log p(r_t, v_t | state k)`` for every row and state, shape ``(n, 4)``."""
    er = (obs.ret[:, None] - model.ret_mean) / model.ret_sd
    out: Floats = -0.5 * (er**2 + _LOG_2PI) - np.log(model.ret_sd)
    if obs.observed.any():
        o = obs.observed
        mean = model.vix_const + model.vix_phi * obs.vix_prev[o, None]
        mean = mean + model.vix_beta * (obs.ret[o, None] - model.ret_mean)
        ev = (obs.vix[o, None] - mean) / model.vix_sd
        out[o] += -0.5 * (ev**2 + _LOG_2PI) - np.log(model.vix_sd)
    return out


def _chain(vector: Floats, M: Floats, block: int = 32) -> Floats:
    """``vector @ M[0] @ ... @ M[t]`` for every ``t``, each row scaled to sum to 1.

    Within blocks of ``block`` steps the matrix prefix products come from a Hillis-Steele scan
    (vectorized, each product rescaled); the vector is then carried from block to block.
    """
    n, K, _ = M.shape
    nb = -(-n // block)
    if nb * block > n:
        M = np.concatenate([M, np.broadcast_to(np.eye(K), (nb * block - n, K, K))])
    P = M.reshape(nb, block, K, K)
    P = P / P.reshape(nb, block, -1).sum(axis=2)[:, :, None, None]
    off = 1
    while off < block:
        Q = P.copy()
        Q[:, off:] = P[:, :-off] @ P[:, off:]
        Q[:, off:] /= Q[:, off:].reshape(nb, block - off, -1).sum(axis=2)[:, :, None, None]
        P, off = Q, off * 2
    ends = P[:, -1].tolist()
    carry = _carry4 if K == 4 else _carry
    entering = np.array(carry([float(x) for x in vector], ends))
    out = np.einsum("bk,blkj->blj", entering, P).reshape(nb * block, K)[:n]
    result: Floats = out / out.sum(axis=1, keepdims=True)
    return result


def _carry(a: list[float], ends: list[list[list[float]]]) -> list[list[float]]:
    """The vector entering each block: ``a``, then carried over each block's product ``ends[b]``
    (one vector-matrix product, scaled to sum to 1), in Python floats, every sum added left to
    right (:func:`_in_order`: the same bits on every Python version)."""
    K = len(a)
    entering = []
    for m in ends:
        entering.append(a)
        a = [_in_order([a[i] * m[i][j] for i in range(K)]) for j in range(K)]
        total = _in_order(a)
        a = [x / total for x in a]
    return entering


def _in_order(terms: list[float]) -> float:
    """``terms`` added left to right (``sum`` of floats is compensated from Python 3.12 on)."""
    total = terms[0]
    for x in terms[1:]:
        total += x
    return total


def _carry4(a: list[float], ends: list[list[list[float]]]) -> list[list[float]]:
    """:func:`_carry` for four states, written out: the same additions in the same order, so
    the same bits, about nine times faster."""
    a0, a1, a2, a3 = a
    entering = []
    for m0, m1, m2, m3 in ends:
        entering.append([a0, a1, a2, a3])
        b0 = a0 * m0[0] + a1 * m1[0] + a2 * m2[0] + a3 * m3[0]
        b1 = a0 * m0[1] + a1 * m1[1] + a2 * m2[1] + a3 * m3[1]
        b2 = a0 * m0[2] + a1 * m1[2] + a2 * m2[2] + a3 * m3[2]
        b3 = a0 * m0[3] + a1 * m1[3] + a2 * m2[3] + a3 * m3[3]
        total = b0 + b1 + b2 + b3
        a0, a1, a2, a3 = b0 / total, b1 / total, b2 / total, b3 / total
    return entering


def filtered(log_b: Floats, transition: Floats, start: Floats) -> Floats:
    """Filtered probabilities ``P(s_t | rows <= t)``, shape ``(n, K)``; row ``t`` reads rows
    ``<= t`` only."""
    B = np.exp(log_b - log_b.max(axis=1, keepdims=True))
    first = start * B[0]
    first /= first.sum()
    if len(B) == 1:
        single: Floats = first[None, :]
        return single
    rest = _chain(first, transition[None, :, :] * B[1:, None, :])
    out: Floats = np.vstack([first, rest])
    return out


def filter_step(alpha: Floats, log_b: Floats, transition: Floats) -> Floats:
    """One step of the forward filter: ``alpha_t ~ (alpha_(t-1) A) * b_t``."""
    a = (alpha @ transition) * np.exp(log_b - log_b.max())
    out: Floats = a / a.sum()
    return out


def _smoothed(log_b: Floats, model: BandHMM) -> tuple[Floats, Floats, float]:
    """Smoothed state probabilities, expected transition counts and the log-likelihood."""
    shift = log_b.max(axis=1, keepdims=True)
    B = np.exp(log_b - shift)
    A = model.transition
    alpha = filtered(log_b, A, model.start)
    predicted = np.vstack([model.start, alpha[:-1] @ A])
    ll = float(np.log((predicted * B).sum(axis=1)).sum() + shift.sum())
    beta = np.full_like(B, 1.0 / B.shape[1])
    if len(B) > 1:  # beta_t = M_(t+1) ... M_(n-1) 1 with M_s = A diag(b_s), up to scale
        M = A[None, :, :] * B[1:, None, :]
        beta[:-1] = _chain(beta[-1], M[::-1].transpose(0, 2, 1))[::-1]
    gamma = alpha * beta
    gamma /= gamma.sum(axis=1, keepdims=True)
    xi = alpha[:-1, :, None] * A[None, :, :] * (B[1:] * beta[1:])[:, None, :]
    xi /= xi.sum(axis=(1, 2), keepdims=True)
    return gamma, xi.sum(axis=0), ll


def prior_levels(bands: Floats) -> Floats:
    """Prior VIX level of each band: geometric middle; outer bands ``OUTER_BAND`` beyond."""
    inner = np.sqrt(bands[:-1] * bands[1:])
    return np.concatenate([[bands[0] / OUTER_BAND], inner, [bands[-1] * OUTER_BAND]])


def _prior(obs: Observations, bands: Floats, sessions: float, stay: float) -> _Prior:
    level = prior_levels(bands)
    o = obs.observed
    if o.sum() > 10:
        dv = obs.vix[o] - obs.vix_prev[o]
        ratio = level / np.exp(np.mean(np.log(np.maximum(obs.vix[o], 1e-6))))
        vix_var = 0.5 * float(np.var(dv)) * ratio**2
    else:
        vix_var = (0.075 * level) ** 2  # about 7.5% of the level a day when no VIX is observed
    K = len(level)
    counts = np.full((K, K), sessions / stay / (K - 1))
    np.fill_diagonal(counts, sessions * (1.0 - 1.0 / stay))
    return _Prior((level / VIX_PER_RETURN_SD) ** 2, level, vix_var, counts)


def _m_step(
    obs: Observations,
    gamma: Floats,
    phi: float,
    bands: Floats,
    prior: _Prior,
    n0: float,
    rounds: int = 3,
) -> tuple[Floats, Floats, Floats, Floats, Floats, float]:
    """Return terms in closed form; VIX terms and ``phi`` by alternating weighted regressions."""
    lo, hi = np.concatenate([[0.0], bands]), np.concatenate([bands, [np.inf]])
    w = gamma.sum(axis=0)
    m = (gamma.T @ obs.ret) / (w + n0)
    dev = obs.ret[:, None] - m
    s2 = ((gamma * dev**2).sum(axis=0) + n0 * prior.ret_var) / (w + n0)
    s = np.clip(np.sqrt(s2), lo / VIX_PER_RETURN_SD, hi / VIX_PER_RETURN_SD)
    s = np.maximum(s, _MIN_SD)
    c, b, u = prior.level * (1.0 - phi), np.zeros_like(m), np.sqrt(prior.vix_var)
    o = obs.observed
    if o.sum() <= 10:
        return m, s, c, b, u, phi
    g, e = gamma[o], dev[o]
    v, vp = obs.vix[o], obs.vix_prev[o]
    wo = g.sum(axis=0)
    for _ in range(rounds):
        y = v - phi * vp
        s11 = wo + n0
        s12 = (g * e).sum(axis=0)
        s22 = (g * e * e).sum(axis=0) + n0 * prior.ret_var
        t1 = (g * y[:, None]).sum(axis=0) + n0 * prior.level * (1.0 - phi)
        t2 = (g * e * y[:, None]).sum(axis=0)
        c = (s22 * t1 - s12 * t2) / (s11 * s22 - s12 * s12)
        c = np.clip(c, lo * (1.0 - phi), hi * (1.0 - phi))
        b = (t2 - s12 * c) / s22
        res = y[:, None] - c - b * e
        u = np.sqrt(((g * res**2).sum(axis=0) + n0 * prior.vix_var) / (wo + n0))
        u = np.maximum(u, _MIN_SD)
        num = (g * (v[:, None] - c - b * e) * vp[:, None] / u**2).sum()
        den = (g * vp[:, None] ** 2 / u**2).sum()
        phi = float(np.clip(num / den, 0.0, 0.995))
    return m, s, c, b, u, phi


def initial_states(obs: Observations, bands: Floats) -> npt.NDArray[np.int64]:
    """Band of each row's VIX (observed or proxy) smoothed with a 5-session halflife."""
    gauge = pd.Series(obs.vix).ewm(halflife=5).mean().to_numpy()
    return np.searchsorted(bands, gauge).astype(np.int64)


def fit_band_hmm(
    obs: Observations,
    bands: tuple[float, ...] = DEFAULT_BANDS,
    *,
    prior_sessions: float = 20.0,
    prior_stay: float = 50.0,
    max_iter: int = 100,
    tol: float = 1e-6,
    init: BandHMM | None = None,
) -> BandHMM:
    """Fit the band-anchored HMM on ``obs`` (module notes); deterministic.

    Parameters
    ----------
    obs
        Training rows (finite returns; ``vix`` finite wherever ``observed``).
    bands
        Increasing VIX edges between the four bands.
    prior_sessions, prior_stay
        Weight of the priors in sessions, and the expected stay the transition prior implies.
    max_iter, tol
        EM iterations at most, and the stopping change in log-likelihood per row.
    init
        A previous fit to start from (a refit); None starts from the VIX bands.
    """
    edges = np.asarray(bands, dtype=float)
    K = len(edges) + 1
    prior = _prior(obs, edges, prior_sessions, prior_stay)
    n0 = prior_sessions
    if init is None:
        gamma = np.eye(K)[initial_states(obs, edges)] * 0.9 + 0.1 / K
        m, s, c, b, u, phi = _m_step(obs, gamma, 0.9, edges, prior, n0)
        A = np.full((K, K), 0.02 / (K - 1))
        np.fill_diagonal(A, 0.98)
        model = BandHMM(np.full(K, 1.0 / K), A, m, s, c, b, u, phi, -np.inf)
    else:
        model = init
    previous = -np.inf
    for _ in range(max_iter):
        gamma, counts, ll = _smoothed(log_emissions(obs, model), model)
        A = counts + prior.counts
        A /= A.sum(axis=1, keepdims=True)
        m, s, c, b, u, phi = _m_step(obs, gamma, model.vix_phi, edges, prior, n0)
        start = gamma[0] + 1e-3
        model = BandHMM(start / start.sum(), A, m, s, c, b, u, phi, ll)
        if abs(ll - previous) < tol * len(obs):
            break
        previous = ll
    return model
