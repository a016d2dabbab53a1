"""Cash set aside on a larger account (:mod:`tradewind.orders.reserve`): how much at the first
start, how reconciliation leaves it out, and what an adopted withdrawal takes from it."""

from __future__ import annotations

import pytest

from tradewind.domain.ledger import Ledger
from tradewind.orders.account import Baseline
from tradewind.orders.reconcile import AccountDifference, adopted_baseline, compare_account
from tradewind.orders.reserve import draw_on_reserve, exceeds_capital, set_aside

TRADED = ("AAPL", "MSFT")
PRICES = {"AAPL": 180.0, "MSFT": 400.0}


# --- rule 1: the first start ---------------------------------------------------------------
def test_the_excess_of_a_cash_account_is_set_aside() -> None:
    assert set_aside(50_000.0, 50_000.0, 10_000.0) == 40_000.0
    assert set_aside(1_000_000.0, 1_000_000.0, 100_000.0) == 900_000.0


def test_positions_in_the_traded_symbols_count_but_only_cash_is_set_aside() -> None:
    # $30k cash + $20k of shares, capital $10k: the excess is $40k, but only $30k is cash
    assert set_aside(30_000.0, 50_000.0, 10_000.0) == 30_000.0
    # $15k cash + $20k of shares: $25k excess, $15k of cash to set aside (the shares stay)
    assert set_aside(15_000.0, 35_000.0, 10_000.0) == 15_000.0


def test_the_tolerance_is_two_percent_of_the_capital_both_sides() -> None:
    assert not exceeds_capital(10_200.0, 10_000.0)
    assert set_aside(10_200.0, 10_200.0, 10_000.0) == 0.0
    assert exceeds_capital(10_200.01, 10_000.0)
    assert set_aside(10_200.01, 10_200.01, 10_000.0) == pytest.approx(200.01)


def test_an_account_within_the_capital_or_without_a_value_sets_nothing_aside() -> None:
    assert set_aside(8_000.0, 8_000.0, 10_000.0) == 0.0
    assert set_aside(float("nan"), 50_000.0, 10_000.0) == 0.0
    assert set_aside(50_000.0, float("nan"), 10_000.0) == 0.0
    assert set_aside(-5_000.0, 50_000.0, 10_000.0) == 0.0  # a margin debit: nothing to keep


def test_the_baseline_keeps_the_reserve_and_reads_older_baselines() -> None:
    base = Baseline(10_000.0, reserved_cash=40_000.0)
    assert Baseline.from_json(base.to_json()) == base
    old = base.to_json()
    del old["reserved_cash"]
    assert Baseline.from_json(old).reserved_cash == 0.0
    assert base.ledger(TRADED).cash == 10_000.0  # the book never holds the reserve


# --- reconciliation ------------------------------------------------------------------------
def test_the_reserved_cash_at_the_broker_is_no_difference() -> None:
    book = Ledger(TRADED, 10_000.0)
    book.set_position("AAPL", 10.0, 180.0)
    assert compare_account(book, {"AAPL": 10.0}, 50_000.0, reserved=40_000.0) == []
    assert compare_account(book, {"AAPL": 10.0}, 50_000.0)  # without it: $40k unexplained


def test_cash_below_the_reserve_plus_the_books_is_a_difference() -> None:
    book = Ledger(TRADED, 10_000.0)
    diffs = compare_account(book, {}, 45_000.0, reserved=40_000.0)
    assert diffs == [AccountDifference("cash", None, 10_000.0, 5_000.0, 40_000.0)]
    assert "beyond the $40,000.00 set aside" in diffs[0].describe()
    assert compare_account(book, {}, 50_000.02, reserved=40_000.0)  # a cent over: too
    assert compare_account(book, {}, 50_000.005, reserved=40_000.0) == []  # within the cent


# --- rule 3: an adopted difference ---------------------------------------------------------
def _cash(expected: float, actual: float, reserved: float = 0.0) -> AccountDifference:
    return AccountDifference("cash", None, expected, actual, reserved)


def test_a_withdrawal_smaller_than_the_reserve_leaves_the_run_untouched() -> None:
    diffs = [_cash(10_000.0, 5_000.0, 40_000.0)]  # $5k withdrawn

    reserved, seen = draw_on_reserve(diffs, TRADED, PRICES, 40_000.0, 10_000.0)

    assert reserved == 35_000.0
    assert seen == [_cash(10_000.0, 10_000.0, 35_000.0)]
    adopted = adopted_baseline(Baseline(10_000.0), Ledger(TRADED, 10_000.0), seen, PRICES)
    assert adopted.cash == 10_000.0


def test_a_withdrawal_beyond_the_reserve_takes_the_rest_from_the_run() -> None:
    diffs = [_cash(10_000.0, -35_000.0, 40_000.0)]  # $45k withdrawn: $5k more than the reserve

    reserved, seen = draw_on_reserve(diffs, TRADED, PRICES, 40_000.0, 10_000.0)

    assert reserved == 0.0
    assert seen == [_cash(10_000.0, 5_000.0, 0.0)]


def test_a_deposit_goes_to_the_run() -> None:
    diffs = [_cash(10_000.0, 15_000.0, 40_000.0)]
    assert draw_on_reserve(diffs, TRADED, PRICES, 40_000.0, 10_000.0) == (40_000.0, diffs)


def test_a_manual_trade_inside_the_book_takes_nothing_from_the_reserve() -> None:
    diffs = [_cash(10_000.0, 8_200.0, 40_000.0), AccountDifference("position", "AAPL", 0.0, 10.0)]
    assert draw_on_reserve(diffs, TRADED, PRICES, 40_000.0, 10_000.0) == (40_000.0, diffs)


def test_an_outside_position_bought_with_cash_is_paid_from_the_reserve() -> None:
    diffs = [_cash(10_000.0, 9_500.0, 40_000.0), AccountDifference("position", "ZZZ", 0.0, 50.0)]

    reserved, seen = draw_on_reserve(diffs, TRADED, {**PRICES, "ZZZ": 10.0}, 40_000.0, 10_000.0)

    assert reserved == 39_500.0
    assert seen[0] == _cash(10_000.0, 10_000.0, 39_500.0) and seen[1] == diffs[1]


def test_shares_moved_out_or_a_change_below_the_flow_floor_leave_the_reserve() -> None:
    out = [AccountDifference("position", "MSFT", 5.0, 0.0)]
    assert draw_on_reserve(out, TRADED, PRICES, 40_000.0, 10_000.0) == (40_000.0, out)
    small = [_cash(10_000.0, 9_995.0, 40_000.0)]  # $5 on a $10k book: under the $10 floor
    assert draw_on_reserve(small, TRADED, PRICES, 40_000.0, 10_000.0) == (40_000.0, small)


def test_without_a_reserve_nothing_changes() -> None:
    diffs = [_cash(10_000.0, 5_000.0)]
    assert draw_on_reserve(diffs, TRADED, PRICES, 0.0, 10_000.0) == (0.0, diffs)
