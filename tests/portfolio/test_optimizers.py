"""Optimizer invariants and agreement with skfolio, on random and degenerate inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from skfolio.optimization import HierarchicalRiskParity as SkfolioHRP
from skfolio.optimization import MeanRisk, ObjectiveFunction, RiskBudgeting

from tradewind.portfolio import (
    Constraints,
    EqualWeight,
    HierarchicalRiskParity,
    MaxSharpe,
    MinVariance,
    RiskParity,
    _clarabel,
    make_optimizer,
    risk_contributions,
)
from tradewind.portfolio.base import BaseOptimizer

METHODS = ["equal_weight", "max_sharpe", "min_variance", "risk_parity", "hrp"]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SKFOLIO_TOL = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


def random_returns(seed: int, n: int, t_obs: int) -> np.ndarray:
    """Factor-model daily returns: a market factor, sector-like loadings and noise."""
    rng = np.random.default_rng(seed)
    k = min(3, n)
    loadings = rng.normal(0.8, 0.4, size=(n, k))
    factors = rng.standard_normal((t_obs, k)) * 0.01
    noise = rng.standard_normal((t_obs, n)) * rng.uniform(0.005, 0.03, size=n)
    drift = rng.normal(0.0004, 0.0008, size=n)
    return factors @ loadings.T + noise + drift


def moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


constraint_sets = st.builds(
    Constraints,
    max_weight=st.sampled_from([1.0, 0.5, 0.3, 0.25, 0.2, 0.1]) | st.floats(0.05, 1.0),
    max_exposure=st.sampled_from([1.0, 0.8, 0.6]) | st.floats(0.2, 1.0),
    cash_buffer=st.sampled_from([0.0, 0.0, 0.15]),
)


@PROPERTY
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 25),
    extra_obs=st.integers(-10, 200),
    cons=constraint_sets,
    method=st.sampled_from(METHODS),
)
@example(seed=0, n=7, extra_obs=-4, cons=Constraints(1.0, 1.0, 0.0), method="risk_parity")
def test_weights_respect_caps_and_sum_to_invested_fraction(
    seed: int, n: int, extra_obs: int, cons: Constraints, method: str
) -> None:
    # Arrange: also covers singular covariances (fewer observations than assets)
    x = random_returns(seed, n, max(3, n + extra_obs))
    mu, cov = moments(x)
    # Act
    opt = make_optimizer(method, cons).fit(mu, cov)
    w = opt.weights_
    # Assert
    assert w.shape == (n,)
    assert (w >= 0.0).all()
    assert (w <= cons.max_weight + 1e-12).all()
    expected_sum = min(cons.max_exposure - cons.cash_buffer, n * cons.max_weight)
    if opt.fallback_reason_ is None:
        assert w.sum() == pytest.approx(expected_sum, abs=1e-9)
        assert w.sum() <= cons.max_exposure - cons.cash_buffer + 1e-12
    elif method == "risk_parity":  # undefined when a long-only mix has zero variance
        assert "risk_parity undefined" in opt.fallback_reason_
        mv = make_optimizer("min_variance", cons).fit(mu, cov).weights_
        assert mv @ cov @ mv <= 1e-12 * float(np.diag(cov).max())
        np.testing.assert_allclose(w, expected_sum / n)
    else:  # otherwise only max Sharpe may be undefined (no positive return): equal weights
        assert method == "max_sharpe"
        assert "max_sharpe undefined" in opt.fallback_reason_
        cap = min(1.0, cons.max_weight / expected_sum)  # best return: fill the best assets
        fill = np.diff(np.minimum(cap * np.arange(n + 1), 1.0))
        assert np.sort(mu)[::-1] @ fill <= 0
        np.testing.assert_allclose(w, expected_sum / n)


def _skfolio_or_skip(model: MeanRisk | RiskBudgeting, x: np.ndarray) -> np.ndarray:
    """skfolio's weights for returns ``x``, given in percent.

    The optimum does not depend on the scale of the returns, but skfolio's (absolute) solver
    tolerances do: on daily returns in fractions its max Sharpe can be 3e-4 off in weights.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(model.fit(100.0 * x).weights_)
    except Exception:  # skfolio's own solver failure: nothing to compare with
        assume(False)
        raise


well_posed = dict(
    seed=st.integers(0, 2**31),
    n=st.integers(2, 20),
    cap=st.sampled_from([1.0, 0.5, 0.3, 0.2]) | st.floats(0.08, 1.0),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**well_posed)
def test_max_sharpe_matches_skfolio(seed: int, n: int, cap: float) -> None:
    # Arrange: T > n so the covariance is positive definite and the optimum unique
    assume(n * cap > 1.0 + 1e-6)
    x = random_returns(seed, n, 120 + 5 * n)
    mu, cov = moments(x)
    assume(mu.max() > 0)
    # Act
    ours = MaxSharpe(Constraints(max_weight=cap)).fit(mu, cov)
    ref = _skfolio_or_skip(
        MeanRisk(
            objective_function=ObjectiveFunction.MAXIMIZE_RATIO,
            max_weights=cap,
            solver_params=SKFOLIO_TOL,
        ),
        x,
    )
    # Assert
    assert ours.fallback_reason_ is None
    np.testing.assert_allclose(ours.weights_, ref, atol=1e-4)
    direct = _clarabel.capped_qp(cov, mu, 0.0, min(cap, 1.0), tol=1e-10)
    assert direct is not None

    # as good as the direct QP (the objective, to solver precision), and the same weights up to
    # where a flat optimum lets two solvers' stopping points differ (seen: 1.1e-6 at a cap)
    def sharpe(w: np.ndarray) -> float:
        return float(mu @ w / np.sqrt(w @ cov @ w))

    assert sharpe(ours.weights_) >= sharpe(direct) * (1 - 1e-9)
    np.testing.assert_allclose(ours.weights_, direct, atol=1e-5)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**well_posed)
def test_min_variance_matches_skfolio(seed: int, n: int, cap: float) -> None:
    assume(n * cap > 1.0 + 1e-6)
    x = random_returns(seed, n, 120 + 5 * n)
    mu, cov = moments(x)
    ours = MinVariance(Constraints(max_weight=cap)).fit(mu, cov)
    ref = _skfolio_or_skip(
        MeanRisk(
            objective_function=ObjectiveFunction.MINIMIZE_RISK,
            max_weights=cap,
            solver_params={"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12},
        ),
        x,
    )
    np.testing.assert_allclose(ours.weights_, ref, atol=1e-4)
    assert ours.weights_ @ cov @ ours.weights_ <= ref @ cov @ ref * (1 + 1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**well_posed)
def test_risk_parity_matches_skfolio_with_and_without_binding_caps(
    seed: int, n: int, cap: float
) -> None:
    assume(n * cap > 1.0 + 1e-6)
    x = random_returns(seed, n, 120 + 5 * n)
    mu, cov = moments(x)
    ours = RiskParity(Constraints(max_weight=cap)).fit(mu, cov)
    ref = _skfolio_or_skip(RiskBudgeting(max_weights=cap, solver_params=SKFOLIO_TOL), x)
    np.testing.assert_allclose(ours.weights_, ref, atol=1e-4)
    assert ours.solver_ == "newton"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**well_posed)
def test_hrp_matches_skfolio_including_caps(seed: int, n: int, cap: float) -> None:
    # skfolio's default HRP: Pearson distance, Ward linkage, optimal leaf ordering
    assume(n * cap > 1.0 + 1e-6)
    x = random_returns(seed, n, 120 + 5 * n)
    mu, cov = moments(x)
    ours = HierarchicalRiskParity(Constraints(max_weight=cap)).fit(mu, cov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkfolioHRP(max_weights=cap).fit(x).weights_
    np.testing.assert_allclose(ours.weights_, ref, atol=1e-10)


def test_equal_weight_respects_the_cap_by_leaving_cash() -> None:
    opt = EqualWeight(Constraints(max_weight=0.1)).fit(np.zeros(5), np.eye(5))
    np.testing.assert_allclose(opt.weights_, 0.1)  # 5 x 10% = 50% invested


@PROPERTY
@given(seed=st.integers(0, 2**31), n=st.integers(2, 40), extra_obs=st.integers(-5, 300))
@example(seed=438, n=5, extra_obs=0)  # 5 observations of 5 assets: undefined, falls back
@example(seed=438, n=5, extra_obs=300)
def test_risk_parity_contributions_are_equal_when_no_cap_binds(
    seed: int, n: int, extra_obs: int
) -> None:
    x = random_returns(seed, n, max(5, n + extra_obs))
    mu, cov = moments(x)
    opt = RiskParity().fit(mu, cov)
    if opt.fallback_reason_ is not None:
        # few observations: some long-only mix has zero variance and risk parity is undefined
        assert "zero variance" in opt.fallback_reason_
        assert np.linalg.eigvalsh(cov)[0] < 1e-12 * np.trace(cov)
        return
    rc = risk_contributions(opt.weights_, cov)
    np.testing.assert_allclose(rc, 1.0 / n, atol=1e-6)


def test_capped_risk_parity_equalises_the_uncapped_assets_up_to_the_cap_multiplier() -> None:
    # With caps binding, x_i (S x)_i = b_i + c x_i on the uncapped assets (module docstring).
    x = random_returns(7, 12, 400)
    x[:, :3] *= 0.2  # three very low-volatility assets want large weights
    mu, cov = moments(x)
    w = RiskParity(Constraints(max_weight=0.15)).fit(mu, cov).weights_
    capped = w >= 0.15 - 1e-12
    assert capped.sum() >= 1
    free = ~capped
    lhs = w[free] * (cov @ w)[free]
    slope, intercept = np.polyfit(w[free], lhs, 1)
    np.testing.assert_allclose(lhs, intercept + slope * w[free], rtol=1e-7, atol=1e-14)
    assert slope >= 0.0


def test_solvers_agree_auto_versus_clarabel() -> None:
    x = random_returns(11, 15, 300)
    mu, cov = moments(x)
    cons = Constraints(max_weight=0.2)
    for cls in (MaxSharpe, MinVariance, RiskParity):
        fast = cls(cons).fit(mu, cov)
        slow = cls(cons, solver="clarabel").fit(mu, cov)
        assert slow.solver_ == "clarabel"
        np.testing.assert_allclose(fast.weights_, slow.weights_, atol=1e-6)


def test_warm_start_gives_the_same_answer() -> None:
    x = random_returns(3, 20, 260)
    mu, cov = moments(x)
    cold = MaxSharpe(Constraints(max_weight=0.3)).fit(mu, cov)
    previous = np.roll(cold.weights_, 2)
    warm = MaxSharpe(Constraints(max_weight=0.3)).fit(mu, cov, previous)
    np.testing.assert_allclose(warm.weights_, cold.weights_, atol=1e-9)


# --- degenerate inputs -----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_one_asset_gets_the_cap_and_the_rest_is_cash(method: str) -> None:
    cons = Constraints(max_weight=0.3, max_exposure=0.8)
    opt = make_optimizer(method, cons).fit([0.1], [[0.04]])
    assert opt.weights_ == pytest.approx([0.3])
    assert opt.fallback_reason_ is None


@pytest.mark.parametrize("method", METHODS)
def test_caps_that_admit_one_point_give_equal_weights(method: str) -> None:
    x = random_returns(1, 4, 100)
    mu, cov = moments(x)
    opt = make_optimizer(method, Constraints(max_weight=0.25)).fit(mu, cov)
    np.testing.assert_allclose(opt.weights_, 0.25)


@pytest.mark.parametrize(
    ("fallback", "expected_method"),
    [("equal_weight", "equal_weight"), ("cash", "cash"), ("previous", "previous")],
)
def test_max_sharpe_without_positive_return_falls_back_and_records_why(
    fallback: str, expected_method: str
) -> None:
    x = random_returns(5, 6, 200)
    mu, cov = moments(x)
    mu = -np.abs(mu) - 1e-4
    previous = np.array([0.5, 0.3, 0.0, 0.0, 0.1, 0.1])
    opt = MaxSharpe(Constraints(max_weight=0.4, max_exposure=0.8), fallback=fallback)  # type: ignore[arg-type]
    opt.fit(mu, cov, previous)
    assert opt.method_ == expected_method
    assert opt.fallback_reason_ is not None and "max_sharpe undefined" in opt.fallback_reason_
    expected = {
        "equal_weight": np.full(6, 0.8 / 6),
        "cash": np.zeros(6),
        # clipped to the 0.4 cap (0.5 -> 0.4), total 0.9 > 0.8 so scaled down to 0.8
        "previous": np.array([0.4, 0.3, 0.0, 0.0, 0.1, 0.1]) * 0.8 / 0.9,
    }[fallback]
    np.testing.assert_allclose(opt.weights_, expected)


def test_previous_fallback_without_previous_weights_uses_equal_weights() -> None:
    opt = MaxSharpe(fallback="previous").fit([-0.1, -0.2], [[0.04, 0.0], [0.0, 0.09]])
    assert opt.method_ == "equal_weight"
    assert opt.fallback_reason_ is not None and "no previous weights" in opt.fallback_reason_


def test_risk_free_rate_above_every_return_makes_max_sharpe_undefined() -> None:
    opt = MaxSharpe(risk_free_rate=0.2).fit([0.1, 0.15], [[0.04, 0.0], [0.0, 0.09]])
    assert opt.fallback_reason_ is not None


@pytest.mark.parametrize("method", ["max_sharpe", "min_variance"])
def test_singular_covariance_with_more_assets_than_observations(method: str) -> None:
    x = random_returns(9, 60, 30)  # rank <= 29
    mu, cov = moments(x)
    assert np.linalg.matrix_rank(cov) < 60
    opt = make_optimizer(method, Constraints(max_weight=0.3)).fit(mu, cov)
    ref = _clarabel.capped_qp(
        cov,
        mu if method == "max_sharpe" else np.zeros(60),
        0.0 if method == "max_sharpe" else 1.0,
        0.3,
        tol=1e-10,
    )
    assert ref is not None
    if method == "max_sharpe":  # compare the objective: the optimum need not be unique
        ours_sr = mu @ opt.weights_ / np.sqrt(opt.weights_ @ cov @ opt.weights_)
        ref_sr = mu @ ref / np.sqrt(ref @ cov @ ref)
        assert ours_sr >= ref_sr - 1e-6 * abs(ref_sr)
    else:
        assert opt.weights_ @ cov @ opt.weights_ <= ref @ cov @ ref + 1e-12


def test_duplicate_asset_is_handled() -> None:
    x = random_returns(4, 8, 200)
    x = np.column_stack([x, x[:, 0]])  # exactly singular covariance
    mu, cov = moments(x)
    for cls in (MaxSharpe, MinVariance, RiskParity, HierarchicalRiskParity):
        w = cls(Constraints(max_weight=0.3)).fit(mu, cov).weights_
        assert w.sum() == pytest.approx(1.0)
        assert w.max() <= 0.3 + 1e-12


@pytest.mark.parametrize("cls", [RiskParity, HierarchicalRiskParity])
def test_zero_variance_asset_makes_risk_methods_fall_back(cls: type[BaseOptimizer]) -> None:
    mu = np.array([0.01, 0.02, 0.0])
    cov = np.diag([0.04, 0.09, 0.0])
    opt = cls().fit(mu, cov)
    assert opt.fallback_reason_ is not None and "zero variance" in opt.fallback_reason_
    np.testing.assert_allclose(opt.weights_, 1 / 3)


def test_offsetting_assets_make_risk_parity_undefined() -> None:
    cov = np.array([[1.0, -1.0], [-1.0, 1.0]])  # w = (0.5, 0.5) has zero variance
    opt = RiskParity(fallback="cash").fit([0.1, 0.1], cov)
    assert opt.fallback_reason_ is not None and "zero variance" in opt.fallback_reason_
    np.testing.assert_allclose(opt.weights_, 0.0)


@pytest.mark.parametrize("method", METHODS)
def test_nan_input_raises(method: str) -> None:
    with pytest.raises(ValueError, match="NaN"):
        make_optimizer(method).fit([0.1, np.nan], np.eye(2))
    with pytest.raises(ValueError, match="NaN"):
        make_optimizer(method).fit([0.1, 0.2], [[0.1, np.nan], [np.nan, 0.1]])


def test_bad_shapes_and_unknown_method_raise() -> None:
    with pytest.raises(ValueError, match="shape"):
        MaxSharpe().fit([0.1, 0.2], np.eye(3))
    with pytest.raises(ValueError, match="unknown optimizer 'best'"):
        make_optimizer("best")


def test_constraints_reject_out_of_range_values() -> None:
    with pytest.raises(ValueError, match=r"constraints.max_weight must be in \(0, 1\], was 1.5"):
        Constraints(max_weight=1.5)
    with pytest.raises(ValueError, match="cash_buffer"):
        Constraints(cash_buffer=-0.1)
    with pytest.raises(ValueError, match="max_exposure"):
        Constraints(max_exposure=float("nan"))


def test_cash_buffer_and_exposure_leave_cash() -> None:
    x = random_returns(2, 10, 200)
    mu, cov = moments(x)
    opt = EqualWeight(Constraints(max_exposure=0.6, cash_buffer=0.15)).fit(mu, cov)
    np.testing.assert_allclose(opt.weights_, 0.045)
    all_cash = EqualWeight(Constraints(max_exposure=0.5, cash_buffer=0.5)).fit(mu, cov)
    np.testing.assert_allclose(all_cash.weights_, 0.0)


# --- turnover penalty ------------------------------------------------------------------------


def test_max_sharpe_turnover_penalty_matches_skfolio_transaction_costs() -> None:
    x = random_returns(21, 12, 300)
    mu, cov = moments(x)
    previous = np.full(12, 1 / 12)
    lam = 2e-4
    ours = MaxSharpe(Constraints(max_weight=0.3, turnover_penalty=lam)).fit(mu, cov, previous)
    ref = MeanRisk(
        objective_function=ObjectiveFunction.MAXIMIZE_RATIO,
        max_weights=0.3,
        transaction_costs=lam,
        previous_weights=previous,
        solver_params=SKFOLIO_TOL,
    ).fit(x)
    assert ours.solver_ == "clarabel"
    np.testing.assert_allclose(ours.weights_, ref.weights_, atol=1e-4)


def test_min_variance_turnover_penalty_matches_cvxpy_and_reduces_turnover() -> None:
    import cvxpy as cp  # skfolio's own solver layer (a required dependency of skfolio)

    x = random_returns(22, 10, 300)
    mu, cov = moments(x)
    cov = cov * 252
    previous = np.full(10, 0.08)  # invested 0.8
    turnovers = []
    for lam in (0.0, 0.002, 0.01, 0.05):
        cons = Constraints(max_weight=0.3, max_exposure=0.8, turnover_penalty=lam)
        w = MinVariance(cons).fit(mu, cov, previous).weights_
        turnovers.append(np.abs(w - previous).sum())
        v = cp.Variable(10)
        problem = cp.Problem(
            cp.Minimize(cp.quad_form(v, cov) + lam * cp.norm1(v - previous)),
            [cp.sum(v) == 0.8, v >= 0, v <= 0.3],
        )
        problem.solve(solver="CLARABEL", tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
        np.testing.assert_allclose(w, v.value, atol=1e-5)
    assert all(a >= b - 1e-9 for a, b in zip(turnovers, turnovers[1:], strict=False))
    assert turnovers[-1] < turnovers[0]


def test_turnover_penalty_is_ignored_and_noted_by_methods_without_objective() -> None:
    opt = RiskParity(Constraints(turnover_penalty=0.01)).fit([0.1, 0.1], np.diag([0.04, 0.09]))
    assert any("turnover_penalty ignored" in note for note in opt.notes_)
