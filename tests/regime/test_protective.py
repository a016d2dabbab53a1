"""The protective policy: the invested fraction follows the regime and its confidence, in the
policy resolution and the rebalance trigger (the cycle: tests/risk/test_protective_cycle.py)."""

from __future__ import annotations

import pytest

from tradewind.config import TradewindConfig, validate_config
from tradewind.config.portfolio import RebalancingSection
from tradewind.config.regime import ProtectionSettings
from tradewind.domain import Regime
from tradewind.domain.plans import RegimeReading
from tradewind.engine.strategy import policy_resolver
from tradewind.rebalance import trigger_from_config
from tradewind.rebalance.triggers import RegimeChangeTrigger
from tradewind.regime import exposure_scale, protective_policy


def _cfg(**protection: object) -> TradewindConfig:
    return validate_config(
        {
            "trading": {"symbols": ["AAA", "BBB", "CCC", "DDD"]},
            "regime": {"protection": protection},
        }
    )


@pytest.mark.parametrize(
    ("regime", "confidence", "full", "expected"),
    [
        (Regime.BEAR, 1.0, 1.0, 0.25),  # the regime's exposure at full confidence
        (Regime.BEAR, 0.0, 1.0, 1.0),  # no confidence, no cut
        (Regime.BEAR, 0.6, 1.0, 1 - 0.6 * 0.75),  # proportional below full_confidence
        (Regime.BEAR, 0.6, 0.5, 0.25),  # at or above full_confidence: the full cut
        (Regime.VOLATILE, 0.8, 1.0, 1 - 0.8 * 0.5),
        (Regime.BULL, 1.0, 1.0, 1.0),
        (Regime.BEAR, float("nan"), 1.0, 1.0),  # an unknown confidence cuts nothing
    ],
)
def test_exposure_scale(regime: Regime, confidence: float, full: float, expected: float) -> None:
    settings = ProtectionSettings(full_confidence=full)
    assert exposure_scale(regime, confidence, settings) == pytest.approx(expected)


def test_the_cut_is_cash_on_top_of_the_regime_policy() -> None:
    cfg = _cfg()
    # BEAR: the runbook's 20% position cap, 80% exposure; at confidence 0.8 the scale is 0.4.
    bear = protective_policy(Regime.BEAR, 0.8, cfg)
    assert bear.exposure_scale == pytest.approx(0.4)
    assert bear.invested_fraction == pytest.approx(0.8 * 0.4)
    assert (bear.method, bear.max_position_size, bear.max_portfolio_risk) == (
        "min_variance",
        0.20,
        0.80,
    )
    # VOLATILE keeps its 15% buffer and scales the 65% it allows.
    volatile = protective_policy(Regime.VOLATILE, 1.0, cfg)
    assert volatile.invested_fraction == pytest.approx(0.65 * 0.5)
    # Off: the runbook's policy unchanged.
    off = protective_policy(Regime.BEAR, 1.0, _cfg(enabled=False))
    assert off.invested_fraction == pytest.approx(0.8) and off.exposure_scale == 1.0


def test_nothing_invested_still_gives_valid_limits() -> None:
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAA", "BBB", "CCC", "DDD"]},
            "risk_management": {"max_portfolio_risk": 1.0},
            "regime": {"protection": {"exposure": {"BEAR": 0.0}}},
        }
    )
    p = protective_policy(Regime.BEAR, 1.0, cfg)
    assert p.cash_buffer < 1.0 and p.invested_fraction < 1e-12


def test_exposures_outside_zero_one_are_refused() -> None:
    from tradewind.domain.errors import ConfigError

    with pytest.raises(ConfigError, match="every exposure must be in"):
        validate_config({"regime": {"protection": {"exposure": {"BEAR": 1.5}}}})


def test_the_resolver_reads_the_confidence_and_only_when_regime_aware() -> None:
    resolve = policy_resolver(_cfg())
    assert resolve is not None
    low = resolve(RegimeReading(Regime.BEAR, 0.2, {}))
    high = resolve(RegimeReading(Regime.BEAR, 1.0, {}))
    assert low.invested_fraction == pytest.approx(0.8 * (1 - 0.2 * 0.75))
    assert high.invested_fraction == pytest.approx(0.8 * 0.25)
    unaware = validate_config(
        {
            "trading": {"symbols": ["AAA", "BBB", "CCC", "DDD"]},
            "portfolio_optimization": {"regime_aware": False},
        }
    )
    standard = policy_resolver(unaware)(RegimeReading(Regime.BEAR, 1.0, {}))
    assert standard.invested_fraction == pytest.approx(0.8)  # the standard limits, any regime
    table = policy_resolver(_cfg(enabled=False))  # the regime's policy, whatever the confidence
    assert table(RegimeReading(Regime.BEAR, 0.2, {})) == table(RegimeReading(Regime.BEAR, 1.0, {}))
    assert table(RegimeReading(Regime.BEAR, 1.0, {})).exposure_scale == 1.0


@pytest.mark.parametrize(
    ("setting", "protective", "expected"),
    [(None, True, True), (None, False, False), (False, True, False), (True, False, True)],
)
def test_a_regime_change_rebalances_with_the_protection_unless_set(
    setting: bool | None, protective: bool, expected: bool
) -> None:
    section = RebalancingSection(on_regime_change=setting)
    trigger = trigger_from_config(section, regime_change_default=protective)
    assert any(isinstance(t, RegimeChangeTrigger) for t in trigger.triggers) is expected
