"""Cash the broker takes as its regulatory fees (never reported on the order) is told apart from
a difference a person must look at: only a cash shortfall, alone, within the run's allowance."""

from __future__ import annotations

import math

import pytest

from tradewind.domain.ledger import Ledger
from tradewind.orders.account import Baseline
from tradewind.orders.reconcile import (
    FEE_ROUNDING_PER_FILL,
    AccountDifference,
    broker_fees,
    compare_account,
    fee_allowance,
)


def _short(expected: float, actual: float) -> list[AccountDifference]:
    return [AccountDifference("cash", None, expected, actual)]


def test_the_allowance_is_basis_points_of_the_value_traded_plus_rounding_per_fill() -> None:
    assert fee_allowance(1.0, 250_000.0, 10) == pytest.approx(25.0 + 10 * FEE_ROUNDING_PER_FILL)
    assert fee_allowance(0.0, 250_000.0, 10) == 0.0  # 0: every cent the fills do not explain halts


def test_a_lone_cash_shortfall_within_the_allowance_is_the_brokers_fees() -> None:
    assert broker_fees(_short(1000.0, 999.58), 0, 0.0, 1.0) == pytest.approx(0.42)
    # the fees taken before count: 0.70 + 0.42 > 1.00
    assert broker_fees(_short(1000.0, 999.58), 0, 0.70, 1.0) is None


@pytest.mark.parametrize(
    ("diffs", "others"),
    [
        (_short(1000.0, 1000.42), 0),  # more cash than expected: not a fee
        (_short(1000.0, 989.0), 0),  # beyond the allowance
        (_short(1000.0, math.nan), 0),  # no usable cash figure
        (_short(1000.0, 999.9), 1),  # another problem (an order nobody placed) too
        ([*_short(1000.0, 999.9), AccountDifference("position", "AAA", 5.0, 4.0)], 0),
        ([AccountDifference("position", "AAA", 5.0, 4.0)], 0),
    ],
)
def test_anything_else_is_left_to_a_person(diffs: list[AccountDifference], others: int) -> None:
    assert broker_fees(diffs, others, 0.0, 10.0) is None


def test_taken_fees_lower_the_baseline_cash_and_survive_its_json() -> None:
    base = Baseline(100_000.0, {"AAA": (10.0, 50.0)})
    taken = base.with_fees(0.42).with_fees(0.08)
    assert taken.cash == pytest.approx(99_999.5) and taken.fees == pytest.approx(0.5)
    assert Baseline.from_json(taken.to_json()) == taken
    old = {k: v for k, v in base.to_json().items() if k != "fees"}  # saved before fees existed
    assert Baseline.from_json(old).fees == 0.0
    book = taken.ledger(["AAA"])  # the book the store implies now agrees with the broker
    assert compare_account(book, {"AAA": 10.0}, 99_999.5) == []
    assert compare_account(Ledger(("AAA",), 100_000.0), {}, 99_999.5)  # without them: a difference
