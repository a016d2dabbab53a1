"""Equal weight and hierarchical risk parity: the two optimizers that need no solver.

**HRP** (Lopez de Prado, "Building diversified portfolios that outperform out of sample",
J. Portfolio Management 42(4), 2016), in the form skfolio uses by default:

1. distance ``d_ij = sqrt((1 - rho_ij) / 2)`` from the correlation implied by ``cov``;
2. hierarchical clustering of ``d`` (Ward linkage by default, ``single`` as in the paper) with
   optimal leaf ordering; the leaves give the asset order;
3. recursive bisection of that order: each list splits into halves, and the left half gets
   ``alpha = 1 - V_left / (V_left + V_right)`` of the parent's weight, where ``V`` is the
   variance of the half's inverse-variance portfolio.

Caps enter at each split: ``alpha`` is clipped so that neither half receives more than the sum
of its members' caps (skfolio's rule). Since each half's caps sum to at least its share, every
leaf ends at or below its cap.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt

from tradewind.config.portfolio import OptimizerName
from tradewind.domain.arrays import FloatArray
from tradewind.portfolio.base import BaseOptimizer, FallbackName, OptimizationFailed
from tradewind.portfolio.constraints import Constraints

Linkage = Literal["ward", "single", "average", "complete"]


class EqualWeight(BaseOptimizer):
    """Equal weights over the assets, summing to the invested fraction (``1/n`` each)."""

    name: ClassVar[OptimizerName] = "equal_weight"

    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        return np.full(mu.size, 1.0 / mu.size)


class HierarchicalRiskParity(BaseOptimizer):
    """Hierarchical risk parity with variance as the risk measure.

    Parameters
    ----------
    constraints
        Caps, exposure and cash buffer (the turnover penalty does not apply).
    fallback
        Used when HRP is undefined (a zero-variance asset); see :class:`BaseOptimizer`.
    risk_free_rate
        Not used; kept for a uniform interface.
    linkage
        Linkage method of the clustering.
    optimal_ordering
        Reorder the leaves to minimise the distance between neighbours (skfolio's default).
    """

    name: ClassVar[OptimizerName] = "hrp"

    def __init__(
        self,
        constraints: Constraints | None = None,
        *,
        fallback: FallbackName = "equal_weight",
        risk_free_rate: float = 0.0,
        linkage: Linkage = "ward",
        optimal_ordering: bool = True,
    ) -> None:
        super().__init__(constraints, fallback=fallback, risk_free_rate=risk_free_rate)
        self.linkage = linkage
        self.optimal_ordering = optimal_ordering

    def _solve(
        self, mu: FloatArray, cov: FloatArray, cap: float, previous: FloatArray | None
    ) -> FloatArray:
        variances = np.diag(cov)
        if variances.min() <= 1e-14 * max(float(variances.max()), 1e-300):
            raise OptimizationFailed("hrp undefined: an asset has zero variance")
        order = self.ordering(cov)
        return _bisect(cov, variances, order, cap)

    def ordering(self, cov: FloatArray) -> list[int]:
        """Asset order given by the leaves of the clustering of ``cov``'s correlations."""
        sigma = np.sqrt(np.diag(cov))
        corr = np.clip(cov / np.outer(sigma, sigma), -1.0, 1.0)
        distance = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, None))
        np.fill_diagonal(distance, 0.0)
        # scipy's clustering is imported here, by the one optimizer that clusters: a run with
        # another optimizer does not pay its import (about 0.6 s and 30 MiB)
        from scipy.cluster import hierarchy
        from scipy.spatial.distance import squareform

        condensed = squareform(distance, checks=False)
        tree = hierarchy.linkage(condensed, method=self.linkage)
        if self.optimal_ordering:
            tree = hierarchy.optimal_leaf_ordering(tree, condensed)
        return [int(i) for i in hierarchy.leaves_list(tree)]


def _bisect(cov: FloatArray, variances: FloatArray, order: list[int], cap: float) -> FloatArray:
    weights = np.ones(cov.shape[0])
    stack = [np.asarray(order)]
    while stack:
        items = stack.pop()
        if items.size < 2:
            continue
        half = items.size // 2
        left, right = items[:half], items[half:]
        v_left, v_right = (
            _cluster_variance(cov, variances, left),
            _cluster_variance(cov, variances, right),
        )
        alpha = 1.0 - v_left / (v_left + v_right)
        parent = weights[items[0]]
        alpha = min(left.size * cap / parent, max(1.0 - right.size * cap / parent, alpha))
        weights[left] *= alpha
        weights[right] *= 1.0 - alpha
        stack.extend((left, right))
    return weights


def _cluster_variance(
    cov: FloatArray, variances: FloatArray, members: npt.NDArray[np.intp]
) -> float:
    inverse = 1.0 / variances[members]
    w = inverse / inverse.sum()
    return float(w @ cov[np.ix_(members, members)] @ w)
