"""Moments of a sliding window, kept up to date, agree with the estimator from scratch."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.portfolio import MomentEstimator
from tradewind.portfolio.window_moments import WindowMoments

T = 252


def _series(rows: int, n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factor = rng.normal(0.0004, 0.01, (rows, 1))
    return factor + rng.normal(0.0003, 0.015, (rows, n))


@pytest.mark.parametrize(
    ("mean", "covariance"), [("sample", "ledoit_wolf"), ("shrinkage", "sample")]
)
def test_updates_agree_with_a_fresh_estimate(mean: str, covariance: str) -> None:
    estimator = MomentEstimator(T, mean, covariance)  # type: ignore[arg-type]
    rets = _series(2000, 40)
    rolling = WindowMoments(estimator)
    rng = np.random.default_rng(5)
    end = T - 1
    steps = 0
    while end < len(rets):
        window = rets[end - T + 1 : end + 1]
        keep = rng.random(40) > 0.1  # a few symbols left out (stop cool-downs)
        mu, cov = rolling.moments(end, window, keep)
        ref_mu, ref_cov = estimator.moments(window[:, keep])
        scale = float(np.abs(ref_cov).max())
        assert np.abs(cov - ref_cov).max() <= 1e-12 * scale
        assert np.abs(mu - ref_mu).max() <= 1e-12 * float(np.abs(ref_mu).max())
        end += int(rng.integers(1, 30))
        steps += 1
    # from scratch about once per window length, not at every call
    assert rolling.rebuilt < steps / 3


def test_a_window_that_is_not_a_shift_is_recomputed() -> None:
    estimator = MomentEstimator(T)
    rets = _series(600, 10)
    rolling = WindowMoments(estimator)
    rolling.moments(300, rets[300 - T + 1 : 301])
    changed = rets[301 - T + 1 : 302].copy()
    changed[5, 3] += 0.01  # a revised bar inside the overlap
    mu, cov = rolling.moments(301, changed)
    assert rolling.rebuilt == 2
    np.testing.assert_allclose(cov, estimator.moments(changed)[1], rtol=0, atol=1e-17)


def test_a_nan_outside_the_kept_columns_is_estimated_from_scratch() -> None:
    estimator = MomentEstimator(T)
    window = _series(T, 6)
    window[:10, 5] = np.nan  # not listed yet: left out by the caller
    keep = np.array([True] * 5 + [False])
    mu, cov = WindowMoments(estimator).moments(T - 1, window, keep)
    ref_mu, ref_cov = estimator.moments(window[:, keep])
    assert np.array_equal(cov, ref_cov) and np.array_equal(mu, ref_mu)
