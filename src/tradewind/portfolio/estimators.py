"""Expected returns and covariance from a window of daily returns, using data up to ``t`` only.

* Expected returns: ``sample`` (the mean) or ``shrinkage`` (positive-part James-Stein toward
  the cross-sectional mean: ``mu_js = (1 - beta) mu + beta * mean(mu)`` with
  ``beta = clip((tr(S) - 2 lambda_max(S)) / (T * |mu - mean(mu)|^2), 0, 1)``; skfolio's
  ``ShrunkMu`` without the clip).
* Covariance: ``sample`` (``ddof = 1``) or ``ledoit_wolf`` (Ledoit & Wolf, "A well-conditioned
  estimator for large-dimensional covariance matrices", J. Multivariate Anal. 88, 2004: the
  biased sample covariance shrunk toward ``mean(diag) * I`` with their optimal intensity;
  identical to ``sklearn.covariance.ledoit_wolf``). Ledoit-Wolf is positive definite even
  when there are more assets than observations, hence the default.

**Window rules** (:meth:`MomentEstimator.fit`): the last ``lookback_days`` rows at or before
``asof`` are used. NaN at the *start* of a column means the asset was not yet listed: an asset
with fewer than ``min_history`` valid returns is excluded (and recorded), and the window is
trimmed to the rows where every remaining asset has data. Any other NaN (a hole inside the
data) raises :class:`~tradewind.domain.errors.NaNPriceError`: it is bad data, not short history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from tradewind.config.portfolio import PortfolioOptimizationSection
from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import MissingDataError, NaNPriceError

MeanMethod = Literal["sample", "shrinkage"]
CovarianceMethod = Literal["sample", "ledoit_wolf"]


def sample_mean(returns: FloatArray) -> FloatArray:
    """Column means of a ``T x n`` returns matrix."""
    return np.asarray(returns.mean(axis=0), dtype=np.float64)


def james_stein_mean(returns: FloatArray, cov: FloatArray | None = None) -> FloatArray:
    """Positive-part James-Stein mean, shrunk toward the cross-sectional average.

    Parameters
    ----------
    returns
        ``T x n`` returns.
    cov
        Covariance used for the effective dimension; the sample covariance when ``None``.
    """
    t_obs, n = returns.shape
    mu = sample_mean(returns)
    if n < 3 or t_obs < 2:
        return mu
    sigma = sample_covariance(returns) if cov is None else cov
    eigenvalues = np.linalg.eigvalsh(sigma)
    target = float(mu.mean())
    spread = float(((mu - target) ** 2).sum())
    if spread <= 0.0:
        return mu
    beta = (eigenvalues.sum() - 2.0 * eigenvalues.max()) / (t_obs * spread)
    beta = float(np.clip(beta, 0.0, 1.0))
    return (1.0 - beta) * mu + beta * target


def sample_covariance(returns: FloatArray) -> FloatArray:
    """Unbiased sample covariance (``ddof = 1``) of a ``T x n`` returns matrix."""
    if returns.shape[0] < 2:
        raise ValueError("the sample covariance needs at least 2 observations")
    centred = returns - returns.mean(axis=0)
    return np.asarray(centred.T @ centred / (returns.shape[0] - 1), dtype=np.float64)


def ledoit_wolf(returns: FloatArray) -> tuple[FloatArray, float]:
    """Ledoit-Wolf shrunk covariance and its shrinkage intensity in ``[0, 1]``."""
    centred = returns - returns.mean(axis=0)
    return shrink_ledoit_wolf(centred, centred.T @ centred / returns.shape[0])


def shrink_ledoit_wolf(centred: FloatArray, emp: FloatArray) -> tuple[FloatArray, float]:
    """:func:`ledoit_wolf` given the centred returns and their biased covariance ``emp``
    (which :class:`~tradewind.portfolio.window_moments.WindowMoments` keeps up to date).

    The intensity's ``sum_ij sum_t c_ti^2 c_tj^2`` is computed as ``sum_t (sum_i c_ti^2)^2``,
    the same sum without the ``n x n`` product.
    """
    t_obs, n = centred.shape
    target = float(np.trace(emp)) / n
    per_row = (centred**2).sum(axis=1)
    beta_sum = float((per_row**2).sum()) / t_obs - float((emp**2).sum())
    delta = float(((emp - target * np.eye(n)) ** 2).sum())
    if delta <= 0.0:
        return emp, 0.0
    shrinkage = min(max(beta_sum / t_obs, 0.0), delta) / delta
    shrunk = (1.0 - shrinkage) * emp
    shrunk[np.diag_indices(n)] += shrinkage * target
    return np.asarray(shrunk, dtype=np.float64), shrinkage


@dataclass(frozen=True)
class Moments:
    """Estimated moments of one window, aligned to ``symbols``.

    Attributes
    ----------
    symbols
        Assets kept, in column order.
    mu
        Expected daily returns.
    cov
        Daily covariance.
    n_observations
        Rows of returns used.
    start, end
        First and last timestamp of the returns used.
    excluded
        Assets left out, with the reason.
    """

    symbols: tuple[str, ...]
    mu: FloatArray
    cov: FloatArray
    n_observations: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    excluded: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MomentEstimator:
    """How to estimate ``(mu, cov)`` from daily returns.

    Parameters
    ----------
    lookback_days
        Rows of returns used (the most recent ones at or before ``asof``).
    mean
        ``sample`` or ``shrinkage`` (James-Stein).
    covariance
        ``sample`` or ``ledoit_wolf``.
    min_history
        Fewest valid returns an asset needs to be kept; ``None`` means the whole window.
    """

    lookback_days: int = 252
    mean: MeanMethod = "sample"
    covariance: CovarianceMethod = "ledoit_wolf"
    min_history: int | None = None

    @classmethod
    def from_config(cls, section: PortfolioOptimizationSection) -> MomentEstimator:
        """The estimator ``portfolio_optimization`` describes."""
        return cls(
            lookback_days=section.lookback_days,
            mean=section.expected_returns,
            covariance=section.covariance,
        )

    def window(self, returns: pd.DataFrame, asof: object | None = None) -> pd.DataFrame:
        """The last ``lookback_days`` rows of ``returns`` at or before ``asof``."""
        data = returns.loc[:asof] if asof is not None else returns
        return data.iloc[-self.lookback_days :]

    def fit(self, returns: pd.DataFrame, asof: object | None = None) -> Moments:
        """Estimate the moments of the window ending at ``asof`` (see the module rules).

        Raises
        ------
        NaNPriceError
            On a NaN that is not leading (a hole in the data).
        MissingDataError
            If no asset has enough history, or there is no asset or no return at all.
        """
        window = self.window(returns, asof)
        if window.empty:
            what = "no symbol" if window.shape[1] == 0 else "no return"
            raise MissingDataError(f"{what} to estimate from (an empty universe or window)")
        values = window.to_numpy(dtype=np.float64)
        valid = np.isfinite(values)
        # leading NaN = not listed yet; a NaN after the first valid value is a hole
        seen = np.maximum.accumulate(valid, axis=0)
        holes = seen & ~valid
        if holes.any():
            row, col = (int(i) for i in np.argwhere(holes)[0])
            raise NaNPriceError(
                f"returns have a missing value inside the {self.lookback_days}-day window",
                symbol=str(window.columns[col]),
                when=pd.Timestamp(window.index[row]).to_pydatetime(),
            )
        needed = self.min_history if self.min_history is not None else self.lookback_days
        counts = valid.sum(axis=0)
        keep = counts >= min(needed, len(window))
        excluded = {
            str(s): f"too little history: {int(c)} of {needed} returns needed"
            for s, c, k in zip(window.columns, counts, keep, strict=True)
            if not k
        }
        if not keep.any():
            raise MissingDataError(
                f"no asset has {needed} valid returns in the window ending {window.index[-1]}"
            )
        first_full = int(np.argmax(valid[:, keep].all(axis=1)))
        data = values[first_full:, keep]
        if data.shape[0] < 2:
            raise MissingDataError("fewer than 2 common returns in the window")
        mu, cov = self.moments(data)
        index = window.index[first_full:]
        return Moments(
            symbols=tuple(str(s) for s in window.columns[keep]),
            mu=mu,
            cov=cov,
            n_observations=data.shape[0],
            start=pd.Timestamp(index[0]),
            end=pd.Timestamp(index[-1]),
            excluded=excluded,
        )

    def moments(self, data: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(mu, cov)`` of a complete ``T x n`` returns matrix, per this estimator's methods."""
        cov = sample_covariance(data) if self.covariance == "sample" else ledoit_wolf(data)[0]
        mu = sample_mean(data) if self.mean == "sample" else james_stein_mean(data, cov)
        return mu, cov


def returns_from_prices(closes: pd.DataFrame) -> pd.DataFrame:
    """Simple daily returns ``P_t / P_{t-1} - 1`` (the first row dropped).

    Leading NaN prices stay NaN (not listed yet); no forward fill is applied, so a hole in the
    prices surfaces as a hole in the returns.
    """
    prices = closes.astype("float64")
    return (prices / prices.shift(1) - 1.0).iloc[1:]
