"""``quiet`` of the calendar and regime triggers agrees with ``check`` (the engine's fast path)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tradewind.domain.types import Regime
from tradewind.rebalance.triggers import (
    CalendarTrigger,
    RegimeChangeTrigger,
    TriggerContext,
    period_keys,
    period_of,
)


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly", "quarterly"])
def test_calendar_quiet_is_not_fired(frequency: str) -> None:
    trigger = CalendarTrigger(frequency)  # type: ignore[arg-type]
    days = [date(2019, 12, 20) + timedelta(days=k) for k in range(120)]
    fired = 0
    for previous in [None, *days]:
        for session in days[::7]:
            decision = trigger.check(TriggerContext(session=session, previous_session=previous))
            assert trigger.quiet(session, previous) is (not decision.fired)
            fired += decision.fired
    assert fired > 0


def test_regime_quiet_is_not_fired() -> None:
    trigger = RegimeChangeTrigger()
    for regime in [None, *Regime]:
        for previous in [None, *Regime]:
            ctx = TriggerContext(
                session=date(2024, 1, 2),
                previous_session=None,
                regime=regime,
                previous_regime=previous,
            )
            assert trigger.quiet(regime, previous) is (not trigger.check(ctx).fired)


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly", "quarterly"])
def test_period_keys_are_equal_exactly_when_periods_are(frequency: str) -> None:
    days = [date(2015, 12, 1) + timedelta(days=k) for k in range(0, 800, 3)]
    keys = period_keys(days, frequency)  # type: ignore[arg-type]
    periods = [period_of(d, frequency) for d in days]  # type: ignore[arg-type]
    for i in range(1, len(days)):
        assert bool(keys[i] == keys[i - 1]) is (periods[i] == periods[i - 1])
        assert bool(keys[i] == keys[0]) is (periods[i] == periods[0])
