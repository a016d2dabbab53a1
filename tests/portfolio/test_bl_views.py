"""Black-Litterman blending of the ensemble's views into the optimizer's expected returns."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.portfolio.views import black_litterman, view_returns

PRIOR = np.array([0.08, 0.05, 0.10])
COV = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]])


def test_without_views_the_prior_is_unchanged() -> None:
    out = black_litterman(PRIOR, COV, np.full(3, np.nan), np.zeros(3), tau=0.05, threshold=0.2)
    np.testing.assert_array_equal(out.mu, PRIOR)
    assert not out.used.any()


def test_a_view_at_confidence_one_half_weighs_as_much_as_the_prior() -> None:
    cov = np.diag([0.04, 0.09, 0.16])  # independent assets: only the viewed one moves
    views = np.array([0.20, np.nan, np.nan])
    out = black_litterman(PRIOR, cov, views, np.array([0.5, 0, 0]), tau=0.05, threshold=0.2)
    assert out.mu[0] == pytest.approx((0.08 + 0.20) / 2)
    np.testing.assert_array_equal(out.mu[1:], PRIOR[1:])
    assert out.used.tolist() == [True, False, False]


def test_a_confident_view_nearly_replaces_the_prior_and_moves_correlated_assets() -> None:
    views = np.array([np.nan, 0.15, np.nan])
    out = black_litterman(PRIOR, COV, views, np.array([0, 0.999, 0]), tau=0.05, threshold=0.2)
    assert out.mu[1] == pytest.approx(0.15, abs=1e-3)
    assert out.mu[0] > PRIOR[0] and out.mu[2] > PRIOR[2]  # positively correlated: pulled up


def test_views_under_the_threshold_are_ignored_at_the_boundary() -> None:
    views = np.array([0.20, 0.20, 0.20])
    confidence = np.array([0.19999, 0.2, 0.5])
    out = black_litterman(PRIOR, COV, views, confidence, tau=0.05, threshold=0.2)
    assert out.used.tolist() == [False, True, True]


def test_relative_views_are_anchored_on_the_prior_average() -> None:
    q = view_returns(PRIOR, np.array([0.01, 0.0, -0.01]), horizon=21, periods=252)
    np.testing.assert_allclose(q, PRIOR.mean() + np.array([0.12, 0.0, -0.12]))


def test_mismatched_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="shapes disagree"):
        black_litterman(PRIOR, COV[:2, :2], PRIOR, PRIOR, tau=0.05, threshold=0.2)
