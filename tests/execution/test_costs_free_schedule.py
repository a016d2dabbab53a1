"""A commission schedule that charges nothing prices many trades exactly as the formula does,
bit for bit, whatever the quantities and prices (zeros, signs, gaps, overflow)."""

from __future__ import annotations

import numpy as np
import pytest

from tradewind.config import CommissionSection
from tradewind.domain.orders import Side
from tradewind.execution.costs import CostModel

SCHEDULES = {
    "free": CommissionSection(),
    "free, capped": CommissionSection(maximum=10.0),
    "free, capped at zero": CommissionSection(maximum=0.0),
    "minimum only": CommissionSection(minimum=1.0),
    "per order": CommissionSection(per_order=0.5),
    "per share": CommissionSection(per_share=0.005, maximum=20.0),
    "percent": CommissionSection(pct_of_value=0.001),
}


def _inputs(seed: int, odd: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.choice([0.0, -0.0, 1e-10, 1.0, 3.7, 250.0, 1e5], 300) * rng.choice([-1.0, 1.0], 300)
    p = rng.uniform(0.5, 3000.0, 300) * rng.choice([1.0, 1.0, -1.0], 300)
    if odd:  # gaps, infinities and a product that overflows
        p[::17] = np.nan
        p[5::23] = np.inf
        q[7] = 1e300
        p[7] = 1e300
        q[11] = np.nan
    return q, p


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


@pytest.mark.parametrize("odd", [False, True], ids=["finite", "gaps"])
@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_costs_of_many_trades_are_the_formulas_bit_for_bit(schedule: str, odd: bool) -> None:
    q, p = _inputs(3, odd)
    model = CostModel(SCHEDULES[schedule], slippage_pct=0.001)
    with np.errstate(invalid="ignore", over="ignore"):
        commission, slippage, impact, modelled = model.costs_many(q, p)
        formula = model._commissions(np.abs(q), p)  # the schedule's arithmetic, no shortcut
        value = np.abs(q) * p
        assert _bits(commission) == _bits(formula)
        assert _bits(slippage) == _bits(0.001 * value)
        assert _bits(impact) == _bits(0.0 * value)
    assert modelled.dtype == bool and modelled.all()
    if not odd:  # and each is what one trade's costs say
        for k in range(len(q)):
            one = model.costs("X", Side.BUY, float(q[k]), float(p[k]))
            assert _bits(np.array([one.commission, one.slippage, one.impact])) == _bits(
                np.array([commission[k], slippage[k], impact[k]])
            )


def test_only_a_schedule_of_positive_zeros_takes_the_shortcut() -> None:
    assert CostModel(CommissionSection())._free
    assert CostModel(CommissionSection(maximum=3.0))._free
    assert not CostModel(CommissionSection(maximum=0.0))._free
    assert not CostModel(CommissionSection(per_order=-0.0))._free
    assert not CostModel(CommissionSection(minimum=0.5))._free
    assert not CostModel(CommissionSection(pct_of_value=1e-6))._free
