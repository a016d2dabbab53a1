"""A deposit or withdrawal a person adopted is neither a gain nor a loss for the breakers
(:meth:`BreakerState.shift`): a withdrawal is no drawdown, a deposit hides no later loss."""

from __future__ import annotations

import pytest

from tradewind.risk import BreakerParams, Breakers


def _at_peak(equity: float) -> Breakers:
    br = Breakers(BreakerParams())  # max_drawdown 15%, daily loss limit 5%
    br.start_session("2026-12-07", equity)
    assert br.update(equity, [], {}) == []
    return br


def test_a_withdrawal_of_a_fifth_trips_nothing_once_shifted() -> None:
    br = _at_peak(50_000.0)

    br.state.shift(-10_000.0)

    assert br.update(40_000.0, [], {}) == []
    assert br.state.drawdown(40_000.0) == 0.0 and br.state.daily_loss(40_000.0) == 0.0
    assert (br.state.peak_equity, br.state.open_equity) == (40_000.0, 40_000.0)


def test_without_the_shift_the_same_withdrawal_halts_twice() -> None:
    """What the shift prevents: the 20% read as a daily loss and a drawdown."""
    br = _at_peak(50_000.0)

    trips = br.update(40_000.0, [], {})

    assert {(t.kind, t.halt) for t in trips} == {("daily_loss", True), ("drawdown", True)}


def test_the_shift_keeps_the_fractions_already_lost() -> None:
    """A withdrawal in a drawdown leaves the drawdown and the day's loss what they were."""
    br = Breakers(BreakerParams())
    br.start_session("s", 100_000.0)
    br.update(100_000.0, [], {})
    br.update(96_000.0, [], {})  # 4% down today and from the peak (a daily warning)

    br.state.shift(-48_000.0)  # half of it taken out

    assert br.state.last_equity == 48_000.0
    assert br.state.daily_loss(48_000.0) == pytest.approx(0.04)
    assert br.state.drawdown(48_000.0) == pytest.approx(0.04)
    assert br.update(48_000.0, [], {}) == []


def test_a_deposit_does_not_hide_a_later_loss() -> None:
    br = Breakers(BreakerParams())
    br.start_session("s", 100_000.0)
    br.update(100_000.0, [], {})
    br.update(97_000.0, [], {})  # 3% down: warned

    br.state.shift(400_000.0)  # 497,000 now; the 3% stays 3%
    (halt,) = [t for t in br.update(497_000.0 * 0.975, [], {}) if t.halt]

    # 97% x 97.5% = 94.6% of the session's opening: the 5% limit, as without the deposit
    assert halt.kind == "daily_loss" and halt.value == pytest.approx(1 - 0.97 * 0.975)


def test_no_baseline_yet_stays_none_and_a_flow_to_zero_drops_it() -> None:
    br = Breakers(BreakerParams())
    br.state.shift(10_000.0)
    assert (br.state.open_equity, br.state.peak_equity, br.state.last_equity) == (None,) * 3

    br = _at_peak(10_000.0)
    br.state.shift(-10_000.0)  # everything withdrawn: the baselines start at the next equity
    assert (br.state.open_equity, br.state.peak_equity, br.state.last_equity) == (None,) * 3
    assert br.update(5_000.0, [], {}) == []
