"""The moments of a sliding window of returns, its cross-product matrix kept up to date.

A walk-forward run asks for ``(mu, cov)`` of the last ``T`` returns at every rebalance. Most of
the work of a covariance (sample or Ledoit-Wolf) is the ``n x n`` product of the ``T x n``
window with itself; between two rebalances ``k`` bars apart the window only gains ``k`` rows
and loses ``k``. :class:`WindowMoments` keeps ``X'X`` of the window and updates it with those
rows (``X'X + A'A - R'R``), recomputing it from scratch at least once per window length (so
rounding cannot accumulate) and whenever the window is not a shift of the previous one. The
covariance is then ``X'X / T - mu mu'`` (biased) before the usual shrinkage; it agrees with
:meth:`MomentEstimator.moments` on the same window to about 1e-15 of its largest entry
(``tests/portfolio/test_window_moments.py`` holds it to 1e-12).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradewind.domain.arrays import FloatArray
from tradewind.portfolio.estimators import (
    MomentEstimator,
    james_stein_mean,
    sample_mean,
    shrink_ledoit_wolf,
)

BoolArray = npt.NDArray[np.bool_]


@dataclass
class _Window:
    end: int
    """Absolute row of the window's last return."""
    returns: FloatArray
    cross: FloatArray
    """``returns.T @ returns``."""
    updates: int
    """Rows added since ``cross`` was last computed from scratch."""


class WindowMoments:
    """``(mu, cov)`` of successive windows of one return series, per ``estimator``'s methods.

    Parameters
    ----------
    estimator
        The moment estimator whose methods (sample or James-Stein mean, sample or Ledoit-Wolf
        covariance) apply.
    """

    def __init__(self, estimator: MomentEstimator) -> None:
        self.estimator = estimator
        self._last: _Window | None = None
        self.rebuilt = 0
        """How many times the cross-product was computed from scratch (for tests)."""

    def moments(
        self, end: int, window: FloatArray, keep: BoolArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """The moments of ``window[:, keep]``: ``T x n`` returns whose last row is row ``end``
        of the series (rows of successive calls with the same ``end`` offsets are the same).

        The kept columns must be finite; a window with a NaN or infinite value in another
        column is estimated from scratch (its cross-product would carry the NaN along).
        """
        cols = keep if keep is not None else np.ones(window.shape[1], dtype=bool)
        data = window[:, cols]
        if not np.isfinite(window).all():
            self._last = None
            return self.estimator.moments(data)
        cross = self._cross(end, window)[np.ix_(cols, cols)]
        t_obs = data.shape[0]
        mu = sample_mean(data)
        centred = data - mu
        emp = cross / t_obs - np.outer(mu, mu)
        if self.estimator.covariance == "sample":
            cov = emp * (t_obs / (t_obs - 1))
        else:
            cov = shrink_ledoit_wolf(centred, emp)[0]
        if self.estimator.mean == "shrinkage":
            mu = james_stein_mean(data, cov)
        return mu, cov

    def _cross(self, end: int, window: FloatArray) -> FloatArray:
        """``window.T @ window``, updated from the previous window's when it is a shift of it."""
        last = self._last
        t_obs = window.shape[0]
        k = end - last.end if last is not None else 0
        if (
            last is not None
            and last.returns.shape == window.shape
            and 0 <= k < t_obs
            and last.updates + k <= t_obs
            and np.array_equal(last.returns[k:], window[: t_obs - k])
        ):
            if k == 0:
                return last.cross
            added, removed = window[t_obs - k :], last.returns[:k]
            cross = last.cross + (added.T @ added - removed.T @ removed)
            self._last = _Window(end, window.copy(), cross, last.updates + k)
            return cross
        cross = window.T @ window
        self.rebuilt += 1
        self._last = _Window(end, window.copy(), cross, 0)
        return cross
