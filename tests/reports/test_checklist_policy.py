"""The morning checklist's "Review current market regime" names the limits the engine applies:
the regime's policy with the protective cut (``regime.protection``, on by default) at the
confidence of the engine's last reading, not the regime's policy alone."""

from __future__ import annotations

from datetime import UTC, datetime

from runkit import RunSpec, decision, records, rising, sessions

from tradewind.config import validate_config
from tradewind.domain.plans import RegimeReading
from tradewind.domain.types import Regime
from tradewind.review.checklist import SystemState, checklist

ITEM = "Review current market regime"


def _regime_item(spec: RunSpec, reading: RegimeReading | None) -> str:
    engine = {"regime": reading.to_json()} if reading is not None else None
    state = SystemState(False, None, (), datetime(2026, 3, 20, tzinfo=UTC), engine)
    items = checklist("morning", records(spec), spec.config, state, sessions(11)[-1].date())
    return next(i.detail for i in items if i.item == ITEM)


def test_the_regime_item_names_the_protective_cut_at_the_last_readings_confidence() -> None:
    days = sessions(10)
    spec = RunSpec(
        rising(10),
        regimes=["BULL"] * 4 + ["BEAR"] * 6,
        decisions=[decision(days[5], "BEAR", "min_variance", [0.1, 0.1])],  # read at 0.9
    )
    # the engine's last reading (the checkpoint): BEAR at 0.6 -> 1 - 0.6 x 0.75 = 55% of 80%
    detail = _regime_item(spec, RegimeReading(Regime.BEAR, 0.6, {}))

    assert "policy Min Variance, at most 20% a position, at most 44% invested" in detail
    assert "(protective cut at 60% confidence: 55% of the policy's 80% kept)" in detail
    # a backtest keeps no checkpoint: the latest BEAR decision's confidence (0.9) is used
    assert "at most 26% invested (protective cut at 90% confidence" in _regime_item(spec, None)


def test_without_the_protective_policy_the_regime_item_is_the_policy_alone() -> None:
    days = sessions(10)
    spec = RunSpec(
        rising(10),
        regimes=["BEAR"] * 10,
        decisions=[decision(days[5], "BEAR", "min_variance", [0.1, 0.1])],
        config=validate_config({"regime": {"protection": {"enabled": False}}}),
    )

    detail = _regime_item(spec, RegimeReading(Regime.BEAR, 0.6, {}))

    assert detail.endswith("policy Min Variance, at most 20% a position, at most 80% invested")
