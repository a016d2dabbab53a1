"""Rebalancing triggers: drift definitions, inclusive threshold boundary, calendar periods."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.calendar import nyse
from tradewind.config import RebalancingSection
from tradewind.domain.types import Regime
from tradewind.rebalance import (
    CalendarTrigger,
    DriftTrigger,
    RegimeChangeTrigger,
    TriggerContext,
    drift_from_arrays,
    measure_drift,
    session_date,
    trigger_from_config,
)

DAY = date(2024, 3, 13)


def test_drift_definitions() -> None:
    drift = measure_drift({"A": 0.5, "B": 0.2, "C": 0.1}, {"A": 0.4, "B": 0.2, "D": 0.2})
    assert drift.symbols == ("A", "B", "C", "D")
    np.testing.assert_allclose(drift.absolute, [0.1, 0.0, 0.1, 0.2])
    np.testing.assert_allclose(drift.relative, [0.25, 0.0, np.inf, 1.0])
    assert drift.cash == pytest.approx(0.0)  # 0.2 cash on both sides
    assert drift.portfolio == pytest.approx(0.2)  # (0.1 + 0 + 0.1 + 0.2 + 0) / 2
    ((symbol, value),) = drift.largest(1)
    assert symbol == "D" and value == pytest.approx(0.2)


def test_portfolio_drift_counts_cash() -> None:
    all_cash = measure_drift({}, {"A": 0.4, "B": 0.4})
    assert all_cash.cash == pytest.approx(0.8)
    assert all_cash.portfolio == pytest.approx(0.8)  # 80% of equity must be bought


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=10).flatmap(
        lambda w: st.tuples(st.just(w), st.lists(st.floats(0, 1), min_size=len(w), max_size=len(w)))
    )
)
def test_portfolio_drift_is_between_zero_and_one_when_weights_are_valid(
    pair: tuple[list[float], list[float]],
) -> None:
    w, t = (np.asarray(x) / max(1.0, sum(x)) for x in pair)
    drift = drift_from_arrays(w, t)
    assert 0.0 <= drift.portfolio <= 1.0 + 1e-12
    assert drift.portfolio >= drift.max_absolute / 2 - 1e-12
    assert drift_from_arrays(t, w).portfolio == pytest.approx(drift.portfolio)


@pytest.mark.parametrize(
    ("moved", "fires"),
    [(0.0999, False), (0.09999999, False), (0.10, True), (0.1001, True), (0.3, True)],
)
def test_drift_threshold_is_inclusive(moved: float, fires: bool) -> None:
    # moving `moved` of equity from A to B gives a portfolio drift of exactly `moved`
    current = {"A": 0.5 - moved, "B": 0.3 + moved}
    ctx = TriggerContext(DAY, current_weights=current, target_weights={"A": 0.5, "B": 0.3})
    decision = DriftTrigger(0.10).check(ctx)
    assert decision.fired is fires
    assert decision.drift is not None and decision.drift.portfolio == pytest.approx(moved)
    if fires:
        assert "drift" in decision.reasons[0] and ">= threshold 10.00%" in decision.reasons[0]


def test_drift_needs_both_weights() -> None:
    assert not DriftTrigger(0.1).check(TriggerContext(DAY, target_weights={"A": 1.0})).fired
    with pytest.raises(ValueError, match="threshold"):
        DriftTrigger(0.0)


@pytest.mark.parametrize(
    ("frequency", "previous", "today", "fires"),
    [
        ("daily", date(2024, 3, 12), date(2024, 3, 13), True),
        ("weekly", date(2024, 3, 8), date(2024, 3, 11), True),  # Fri -> Mon
        ("weekly", date(2024, 3, 11), date(2024, 3, 12), False),
        ("weekly", date(2024, 12, 27), date(2024, 12, 30), True),  # ISO week 1 of 2025
        ("weekly", date(2024, 12, 30), date(2024, 12, 31), False),  # same ISO week, new year
        ("monthly", date(2024, 2, 29), date(2024, 3, 1), True),
        ("monthly", date(2024, 3, 1), date(2024, 3, 4), False),
        ("monthly", date(2024, 2, 27), date(2024, 3, 4), True),  # sessions missed: still fires
        ("quarterly", date(2024, 3, 28), date(2024, 4, 1), True),
        ("quarterly", date(2024, 4, 1), date(2024, 5, 1), False),
        ("monthly", None, date(2024, 3, 13), True),  # first evaluation
    ],
)
def test_calendar_fires_on_the_first_session_of_the_period(
    frequency: str, previous: date | None, today: date, fires: bool
) -> None:
    trigger = CalendarTrigger(frequency)  # type: ignore[arg-type]
    decision = trigger.check(TriggerContext(today, previous_session=previous))
    assert decision.fired is fires
    if fires:
        assert decision.reasons[0].startswith("calendar: first session of the")


def test_monthly_calendar_on_real_sessions_fires_once_per_month() -> None:
    sessions = nyse().sessions("2023-01-01", "2023-12-31")
    trigger = CalendarTrigger("monthly")
    fired = [
        day.date()
        for prev, day in zip([None, *sessions[:-1]], sessions, strict=True)
        if trigger.check(TriggerContext(day.date(), None if prev is None else prev.date())).fired
    ]
    assert len(fired) == 12
    assert fired[0] == date(2023, 1, 3)  # Jan 2 2023 was a holiday
    assert date(2023, 9, 1) in fired and date(2023, 10, 2) in fired


def test_regime_change_trigger() -> None:
    trigger = RegimeChangeTrigger()
    changed = TriggerContext(DAY, regime=Regime.BEAR, previous_regime=Regime.BULL)
    assert trigger.check(changed).reasons == ("regime change: BULL -> BEAR",)
    assert not trigger.check(TriggerContext(DAY, regime=Regime.BEAR)).fired
    same = TriggerContext(DAY, regime=Regime.BEAR, previous_regime=Regime.BEAR)
    assert not trigger.check(same).fired


def test_combined_fires_on_either_and_records_all_reasons() -> None:
    trigger = trigger_from_config(
        RebalancingSection(trigger_type="combined", on_regime_change=True)
    )
    ctx = TriggerContext(
        date(2024, 4, 1),
        previous_session=date(2024, 3, 28),
        current_weights={"A": 0.9},
        target_weights={"A": 0.4, "B": 0.4},
        regime=Regime.BULL,
        previous_regime=Regime.CHOPPY,
    )
    decision = trigger.check(ctx)
    assert decision.fired and len(decision.reasons) == 3
    quiet = TriggerContext(
        date(2024, 4, 2), date(2024, 4, 1), {"A": 0.4, "B": 0.4}, {"A": 0.4, "B": 0.4}
    )
    assert not trigger.check(quiet).fired


@pytest.mark.parametrize(
    ("kind", "fires_on_drift", "fires_on_calendar"),
    [("drift", True, False), ("calendar", False, True), ("combined", True, True)],
)
def test_trigger_type_selects_the_parts(
    kind: str, fires_on_drift: bool, fires_on_calendar: bool
) -> None:
    trigger = trigger_from_config(RebalancingSection(trigger_type=kind))
    drifted = TriggerContext(DAY, DAY, {"A": 1.0}, {"B": 1.0})
    new_month = TriggerContext(date(2024, 4, 1), date(2024, 3, 28), {"A": 1.0}, {"A": 1.0})
    assert trigger.check(drifted).fired is fires_on_drift
    assert trigger.check(new_month).fired is fires_on_calendar


def test_disabled_rebalancing_never_fires() -> None:
    trigger = trigger_from_config(RebalancingSection(enabled=False))
    assert not trigger.check(TriggerContext(DAY, None, {"A": 1.0}, {"B": 1.0})).fired


def test_session_date_uses_new_york_time() -> None:
    # 2024-03-13 01:00 UTC is still March 12 in New York
    assert session_date(pd.Timestamp("2024-03-13 01:00", tz="UTC")) == date(2024, 3, 12)
    assert session_date(date(2024, 3, 13)) == date(2024, 3, 13)
    assert session_date("2024-03-13") == date(2024, 3, 13)
