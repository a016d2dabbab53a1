"""Shared fits: a cached run equals an uncached one, and fits are never shared across parameters.

Grid points of ``regime evaluate`` share a :class:`FitCache`; these tests run real detectors on
a synthetic market, once sharing a cache and once each on its own, and require bit-identical
frames. Points that differ in a fit parameter must get different results (each still equal to
its uncached run); points that differ only in a decode-time parameter must reuse the fits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tradewind.config import TradewindConfig
from tradewind.regime.base import BaseDetector
from tradewind.regime.fitcache import FitCache, fingerprint
from tradewind.regime.hmm import HMMDetector
from tradewind.regime.jump_batch import BATCH_MIN, descend_many, forward_values_many
from tradewind.regime.jump_model import descend, forward_values, kmeanspp_inits, losses

SCHEDULE = {"train_days": 250, "min_train_days": 120, "refit_days": 21}


@pytest.fixture(scope="module")
def market() -> tuple[pd.DataFrame, pd.Series]:
    """Four synthetic years (closes and VIX): about 40 refits at the schedule above."""
    from tradewind.data import generate_market

    m = generate_market([], seed=7, start=date(2000, 1, 3), end=date(2003, 12, 31))
    return pd.DataFrame({"close": m.index}), m.vix


def _hmm(**kw: float) -> HMMDetector:
    return HMMDetector(**SCHEDULE, max_iter=30, **kw)  # type: ignore[arg-type]


def _jump(**kw: float) -> BaseDetector:
    from tradewind.regime.jump import JumpDetector

    return JumpDetector(**SCHEDULE, n_init=2, **kw)  # type: ignore[arg-type]


def _runs(
    factories: list[Callable[[], BaseDetector]], market: tuple[pd.DataFrame, pd.Series]
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], FitCache]:
    """Each detector's frame uncached, and the frames of all of them sharing one cache."""
    bars, vix = market
    alone = [f().detect_series(bars, vix, close_only=True) for f in factories]
    cache = FitCache()
    shared = []
    for f in factories:
        det = f()
        det.fit_cache = cache
        shared.append(det.detect_series(bars, vix, close_only=True))
    return alone, shared, cache


def _differ(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return not a[["regime", "confidence"]].equals(b[["regime", "confidence"]])


def test_decode_only_parameters_reuse_the_fits_and_equal_uncached_runs(
    market: tuple[pd.DataFrame, pd.Series],
) -> None:
    points = [
        lambda: _hmm(switch_penalty=2.0),
        lambda: _hmm(switch_penalty=9.0),
        lambda: _hmm(switch_penalty=9.0, share_floor=0.2, min_stay_days=2),
    ]
    alone, shared, cache = _runs(points, market)
    for a, s in zip(alone, shared, strict=True):
        pd.testing.assert_frame_equal(s, a, check_exact=True)
    assert _differ(alone[0], alone[1]) and _differ(alone[1], alone[2])  # the points matter
    fits = cache.misses - 1  # one miss is the shared feature frame
    assert fits >= 30
    assert cache.hits >= 2 * fits  # the second and third points fitted nothing


@pytest.mark.parametrize(
    ("points", "same_fits"),
    [
        ([lambda: _hmm(prior_sessions=5.0), lambda: _hmm(prior_sessions=60.0)], 0),
        ([lambda: _hmm(vix_bands=(15.0, 22.0, 30.0)), lambda: _hmm()], 0),  # type: ignore[arg-type]
        # refit_iter plays no part in the first fit (max_iter from the bands): that one is shared
        ([lambda: _hmm(refit_iter=1), lambda: _hmm(refit_iter=6)], 1),
        ([lambda: _jump(penalty=2.0), lambda: _jump(penalty=60.0)], 0),
        ([lambda: _jump(seed=0), lambda: _jump(seed=1)], 0),
    ],
    ids=["hmm-prior", "hmm-bands", "hmm-refit-iter", "jump-penalty", "jump-seed"],
)
def test_fit_parameters_never_share_a_fit(
    points: list[Callable[[], BaseDetector]],
    same_fits: int,
    market: tuple[pd.DataFrame, pd.Series],
) -> None:
    alone, shared, cache = _runs(points, market)
    for a, s in zip(alone, shared, strict=True):
        pd.testing.assert_frame_equal(s, a, check_exact=True)
    assert _differ(alone[0], alone[1])
    assert cache.hits == 1 + same_fits  # the feature frame, and only the fits that are the same


def test_study_with_shared_fits_equals_the_study_without(
    market: tuple[pd.DataFrame, pd.Series],
) -> None:
    from tradewind.research.regime_study import bundled_study

    bars, vix = market
    bars = bars.copy()
    cfg = TradewindConfig()
    grid: dict[str, Callable[[], BaseDetector]] = {
        f"switch_penalty={p:g}": (lambda p=p: _hmm(switch_penalty=p)) for p in (2.0, 6.0, 12.0)
    }
    grid |= {f"jump penalty={p:g}": (lambda p=p: _jump(penalty=p)) for p in (5.0, 20.0)}
    args = (("hmm", lambda: _hmm()), {"jump": lambda: _jump(penalty=20.0)}, grid)
    outcomes = [
        bundled_study(
            *args,
            lambda: _hmm(switch_penalty=0.0),
            cfg,
            start="2001-01-01",
            end="2003-12-31",
            index_data=(bars, vix, True),
            share_fits=share,
        )
        for share in (True, False)
    ]
    assert outcomes[0].rows == outcomes[1].rows
    assert outcomes[0].grid == outcomes[1].grid
    assert len({str(p["sharpe"]) for p in outcomes[0].grid}) > 1


def test_batched_descents_equal_one_by_one() -> None:
    rng = np.random.default_rng(5)
    problems = []
    for j in range(BATCH_MIN + 5):
        Z = rng.standard_normal((int(rng.integers(150, 400)), 3)) + (j % 3)
        problems += [(Z, c) for c in kmeanspp_inits(Z, 4, 1, seed=j)]
    for penalty in (0.5, 8.0):
        batched = descend_many(problems, penalty, max_iter=30)
        for (Z, c), got in zip(problems, batched, strict=True):
            want = descend(Z, c, penalty, 30)
            assert np.array_equal(got.states, want.states)
            assert np.array_equal(got.centroids, want.centroids)
            assert got.objective == want.objective
        Ls = [losses(Z, c) for Z, c in problems]
        for L, V in zip(Ls, forward_values_many(Ls, penalty), strict=True):
            assert np.array_equal(V, forward_values(L, penalty))


def test_fingerprint_tells_exact_values_apart() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert fingerprint(a, 1.0) == fingerprint(a.copy(), 1.0)
    assert fingerprint(a) != fingerprint(a.reshape(3, 2))
    assert fingerprint(a) != fingerprint(a.astype(np.float32))
    assert fingerprint(1.0) != fingerprint(1.0 + 1e-16 * 2)
    assert fingerprint(1) != fingerprint(1.0) != fingerprint("1")
    assert fingerprint((1, 2), 3) != fingerprint(1, (2, 3))
    with pytest.raises(TypeError):
        fingerprint(object())
