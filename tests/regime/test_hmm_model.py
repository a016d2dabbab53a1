"""The band-anchored HMM behind the ``hmm`` detector: filter arithmetic and EM on known truth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tradewind.calendar import MarketCalendar
from tradewind.data import RegimeParams, SyntheticMarket, generate_market
from tradewind.domain.types import Regime
from tradewind.regime.hmm_em import (
    DEFAULT_BANDS,
    STATE_REGIMES,
    BandHMM,
    Observations,
    _carry,
    _carry4,
    filter_step,
    filtered,
    fit_band_hmm,
    log_emissions,
)


def _observations(market: SyntheticMarket) -> Observations:
    r = np.diff(np.log(market.index.to_numpy()))
    v = market.vix.values.to_numpy()
    return Observations(r, v[1:], v[:-1], np.ones(len(r), dtype=bool))


@pytest.mark.parametrize("n", [1, 2, 31, 32, 33, 97])
def test_filtered_equals_the_step_by_step_recursion(n: int) -> None:
    rng = np.random.default_rng(n)
    log_b = 4.0 * rng.standard_normal((n, 4))
    A = rng.dirichlet(np.full(4, 2.0), size=4)
    start = rng.dirichlet(np.ones(4))
    alpha = start * np.exp(log_b[0] - log_b[0].max())
    expected = [alpha / alpha.sum()]
    for t in range(1, n):
        expected.append(filter_step(expected[-1], log_b[t], A))
    np.testing.assert_allclose(filtered(log_b, A, start), np.array(expected), atol=1e-12)


@pytest.fixture(scope="module")
def fitted() -> tuple[BandHMM, SyntheticMarket]:
    """One fit on 40 years of the default synthetic market (hundreds of sessions per regime)."""
    calendar = MarketCalendar("2000-01-03", "2040-12-31")
    market = generate_market(
        [], seed=21, start=date(2000, 1, 3), end=date(2039, 12, 30), calendar=calendar
    )
    return fit_band_hmm(_observations(market)), market


def test_em_recovers_the_generators_levels_and_volatilities(
    fitted: tuple[BandHMM, SyntheticMarket],
) -> None:
    model, market = fitted
    counts = market.regimes.value_counts()
    assert counts.min() > 400  # every regime has hundreds of sessions to be estimated from
    for k, regime in enumerate(STATE_REGIMES):
        spec = market.params.specs[regime]
        assert model.vix_levels[k] == pytest.approx(spec.vix, rel=0.05), regime
        assert model.ret_sd[k] * np.sqrt(252) == pytest.approx(spec.vol, rel=0.08), regime
    phi = 0.5 ** (1 / market.params.vix_half_life)
    assert model.vix_phi == pytest.approx(phi, abs=0.02)
    assert model.stationary().sum() == pytest.approx(1.0)


def test_filtered_states_name_the_true_regimes(fitted: tuple[BandHMM, SyntheticMarket]) -> None:
    model, market = fitted
    obs = _observations(market)
    alpha = filtered(log_emissions(obs, model), model.transition, model.start)
    named = np.array([STATE_REGIMES[k] for k in alpha.argmax(axis=1)], dtype=object)
    truth = market.regimes.to_numpy()[1:]
    recall = [np.mean(named[truth == r] == r) for r in Regime]
    assert min(recall) > 0.8, recall


def test_a_regime_absent_from_the_window_keeps_a_state_in_its_band() -> None:
    calm = RegimeParams(initial=Regime.BULL).with_regime(Regime.BULL, stay=1e6)
    market = generate_market(
        [], seed=4, start=date(2010, 1, 4), end=date(2017, 12, 29), params=calm
    )
    model = fit_band_hmm(_observations(market))
    edges = (0.0, *DEFAULT_BANDS, np.inf)
    for k in range(4):
        assert edges[k] <= model.vix_levels[k] <= edges[k + 1]
        assert edges[k] <= model.ret_sd[k] * 1.2 * 100 * np.sqrt(252) <= edges[k + 1]
    assert model.stationary()[0] > 0.9  # almost every session is BULL


def test_the_written_out_carry_adds_exactly_like_the_loop() -> None:
    rng = np.random.default_rng(7)
    for scale in (1e-300, 1e-8, 1.0, 1e8):
        ends = (rng.dirichlet(np.full(4, 0.3), size=(200, 4)) * scale).tolist()
        start = rng.dirichlet(np.ones(4)).tolist()
        assert _carry4(start, ends) == _carry(start, ends)  # float ==: the same bits
