"""Dividends and interest the broker credits to the cash with no fill are told apart from a
difference a person must look at: only the broker's listed entries not booked before, all of
them, explaining a lone cash difference (with regulatory fees the fee rule accepts)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradewind.domain.cash import CashActivity
from tradewind.orders.account import Baseline
from tradewind.orders.income import settle_cash
from tradewind.orders.reconcile import AccountDifference, compare_account

DIV = CashActivity("20261113::a", "dividend", "AAPL", 12.34, date(2026, 11, 13), "DIV")
INT = CashActivity("20261201::b", "interest", None, 1.05, date(2026, 12, 1), "INT")


def _cash(expected: float, actual: float) -> list[AccountDifference]:
    return [AccountDifference("cash", None, expected, actual)]


def test_a_listed_dividend_that_explains_the_cash_is_booked() -> None:
    settled = settle_cash(_cash(1000.0, 1012.34), 0, [DIV], (), 0.0, 0.0)

    assert settled is not None and settled.booked == (DIV,) and settled.fees == 0.0
    assert settled.income == pytest.approx(12.34)


def test_dividend_and_interest_together_and_within_a_cent() -> None:
    settled = settle_cash(_cash(1000.0, 1013.395), 0, [DIV, INT], (), 0.0, 0.0)
    assert settled is not None and settled.booked == (DIV, INT)


def test_an_entry_is_booked_once() -> None:
    """Booked before (its id in the baseline): it explains nothing now, the cash halts."""
    assert settle_cash(_cash(1012.34, 1024.68), 0, [DIV], [DIV.activity_id], 0.0, 0.0) is None
    # the same entry listed twice (two pages overlapping) counts once
    settled = settle_cash(_cash(1000.0, 1012.34), 0, [DIV, DIV], (), 0.0, 0.0)
    assert settled is not None and settled.booked == (DIV,)


def test_a_partial_explanation_still_halts() -> None:
    """$500 beyond the dividend (a deposit, which is never listed): a person looks."""
    assert settle_cash(_cash(1000.0, 1512.34), 0, [DIV], (), 0.0, 10.0) is None
    # a dividend listed that the cash does not show, beyond any fee allowance
    assert settle_cash(_cash(1000.0, 1000.02), 0, [DIV], (), 0.0, 1.0) is None


def test_a_dividend_and_a_fee_shortfall_together() -> None:
    """The dividend credited and 7 cents of regulatory fees taken: both booked when the fees
    stay within the allowance; with no allowance left, the whole difference halts."""
    settled = settle_cash(_cash(1000.0, 1012.27), 0, [DIV], (), 0.0, 1.0)
    assert settled is not None and settled.booked == (DIV,)
    assert settled.fees == pytest.approx(0.07)
    assert settle_cash(_cash(1000.0, 1012.27), 0, [DIV], (), 0.98, 1.0) is None
    assert settle_cash(_cash(1000.0, 1012.27), 0, [DIV], (), 0.0, 0.0) is None


@pytest.mark.parametrize(
    ("diffs", "others", "listed"),
    [
        (_cash(1000.0, 1500.0), 0, []),  # a deposit: nothing listed explains it
        (_cash(1000.0, 1012.34), 0, []),  # a broker that lists nothing (yet)
        (_cash(1000.0, 1012.34), 1, [DIV]),  # an order nobody placed as well
        ([*_cash(1000.0, 1012.34), AccountDifference("position", "AAPL", 5.0, 6.0)], 0, [DIV]),
        ([AccountDifference("position", "AAPL", 5.0, 6.0)], 0, [DIV]),
        (_cash(1000.0, float("nan")), 0, [DIV]),
    ],
)
def test_anything_else_is_left_to_a_person(
    diffs: list[AccountDifference], others: int, listed: list[CashActivity]
) -> None:
    assert settle_cash(diffs, others, listed, (), 0.0, 10.0) is None


def test_booked_income_raises_the_baseline_cash_and_survives_its_json() -> None:
    since = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
    base = Baseline(100_000.0, {"AAPL": (10.0, 190.0)}, income_since=since)
    booked = base.with_income([DIV]).with_income([INT]).with_fees(0.07)

    assert booked.cash == pytest.approx(100_013.32) and booked.income == pytest.approx(13.39)
    assert booked.income_ids == (DIV.activity_id, INT.activity_id)
    assert Baseline.from_json(booked.to_json()) == booked
    old = {k: v for k, v in Baseline(5.0).to_json().items() if not k.startswith("income")}
    assert Baseline.from_json(old) == Baseline(5.0)  # saved before income existed
    assert compare_account(booked.ledger(["AAPL"]), {"AAPL": 10.0}, 100_013.32) == []


def test_the_entry_describes_itself_for_the_event() -> None:
    assert DIV.describe() == "dividend AAPL $12.34 (2026-11-13, DIV)"
    tax = CashActivity("x", "dividend", "AAPL", -1.85, date(2026, 11, 13), "DIVNRA")
    assert tax.describe() == "dividend AAPL -$1.85 (2026-11-13, DIVNRA)"
    assert INT.describe() == "interest $1.05 (2026-12-01, INT)"
