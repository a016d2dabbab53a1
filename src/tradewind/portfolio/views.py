"""Black-Litterman blending: the optimizer's expected returns moved toward confident views.

With prior expected returns ``pi`` (annualized, from the return window), covariance ``S``,
one absolute view ``q_i`` per viewed asset (``P`` picks those assets) and view uncertainty
``Omega``, the posterior mean is (He and Litterman, 1999)::

    mu = pi + tau S P' (P tau S P' + Omega)^-1 (q - P pi)

``Omega`` is diagonal with ``Omega_ii = tau S_ii (1 - c_i) / c_i`` for a confidence ``c_i``
in (0, 1] (Idzorek's reading of confidence): a view held with confidence 0.5 weighs as much
as the prior, one near 1 almost replaces it, one near 0 leaves the prior alone. Views below
``threshold`` are dropped before blending. The covariance is left as it is (only the means
move), so min-variance and risk-parity allocations, which ignore means, do not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_CONFIDENCE = 0.999
"""Confidence is capped below 1 so that ``Omega`` stays invertible."""


@dataclass(frozen=True)
class Blend:
    """The posterior means and which views were used."""

    mu: FloatArray
    used: BoolArray


def view_returns(prior: FloatArray, excess: FloatArray, horizon: int, periods: int) -> FloatArray:
    """Absolute annualized views from relative ones: the prior's cross-sectional mean plus
    each asset's expected excess log return over ``horizon`` periods, annualized."""
    return float(np.mean(prior)) + excess * (periods / horizon)


def black_litterman(
    prior: FloatArray,
    cov: FloatArray,
    views: FloatArray,
    confidence: FloatArray,
    *,
    tau: float,
    threshold: float,
) -> Blend:
    """Blend ``views`` (one per asset, NaN: none) into ``prior`` (see the module formula).

    Raises
    ------
    ValueError
        If the shapes disagree or ``tau`` is not positive.
    """
    n = len(prior)
    if cov.shape != (n, n) or views.shape != (n,) or confidence.shape != (n,):
        raise ValueError(
            f"shapes disagree: prior {prior.shape}, cov {cov.shape}, views {views.shape}, "
            f"confidence {confidence.shape}"
        )
    if tau <= 0:
        raise ValueError(f"tau must be positive, was {tau}")
    used = np.isfinite(views) & np.isfinite(confidence) & (confidence >= threshold)
    used &= confidence > 0
    if not used.any():
        return Blend(prior.copy(), used)
    c = np.minimum(confidence[used], MAX_CONFIDENCE)
    tau_s = tau * cov
    picked = tau_s[:, used]  # tau S P'
    middle = picked[used, :] + np.diag(np.diag(tau_s)[used] * (1.0 - c) / c)
    gap = views[used] - prior[used]
    mu = prior + picked @ np.linalg.solve(middle, gap)
    return Blend(mu, used)
