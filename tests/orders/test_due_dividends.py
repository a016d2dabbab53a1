"""Dividends the market data lists, due to the shares the book held at the ex-date's open, are
told from a real cash difference on a broker that cannot list its entries: a set of them is
booked only when it is the one explanation of a lone cash credit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tradewind.domain.actions import CorporateAction
from tradewind.orders.due_dividends import SOURCE, dividend_id, due_dividends, settle_due
from tradewind.orders.reconcile import AccountDifference


def _div(symbol: str, ex: str, amount: float, split: float = 1.0) -> CorporateAction:
    day = date.fromisoformat(ex)
    return CorporateAction(symbol, day, datetime(day.year, day.month, day.day, 21, tzinfo=UTC),
                           split, amount)  # fmt: skip


AAPL = _div("AAPL", "2026-11-07", 0.26)
MSFT = _div("MSFT", "2026-11-19", 0.91)
SPLIT_ONLY = _div("NVDA", "2026-11-20", 0.0, split=4.0)
HELD = {"AAPL": 100.0, "MSFT": 40.0, "NVDA": 10.0}


def _held(action: CorporateAction) -> float:
    return HELD.get(action.symbol, 0.0)


def _cash(expected: float, actual: float) -> list[AccountDifference]:
    return [AccountDifference("cash", None, expected, actual)]


def test_the_amount_due_is_the_shares_held_at_the_open_times_the_dividend() -> None:
    due = due_dividends([MSFT, SPLIT_ONLY, AAPL], _held, ())

    assert [(d.activity_id, d.symbol, d.amount, d.on) for d in due] == [
        ("data:div:AAPL:2026-11-07", "AAPL", 26.0, date(2026, 11, 7)),
        ("data:div:MSFT:2026-11-19", "MSFT", 36.4, date(2026, 11, 19)),
    ]
    assert all(d.kind == "dividend" and d.broker_type == SOURCE for d in due)


def test_nothing_is_due_on_shares_not_held_or_already_booked() -> None:
    assert due_dividends([AAPL], lambda _a: 0.0, ()) == []
    assert due_dividends([AAPL], lambda _a: -50.0, ()) == []  # short: owed, a person looks
    assert due_dividends([AAPL, MSFT], _held, [dividend_id(AAPL)])[0].symbol == "MSFT"


def test_the_one_set_of_due_dividends_that_explains_the_credit_is_booked() -> None:
    due = due_dividends([AAPL, MSFT], _held, ())

    only_msft = settle_due(_cash(1000.0, 1036.40), 0, due)  # MSFT paid first
    both = settle_due(_cash(1000.0, 1062.405), 0, due)  # within a cent

    assert only_msft is not None and [a.symbol for a in only_msft.booked] == ["MSFT"]
    assert both is not None and [a.symbol for a in both.booked] == ["AAPL", "MSFT"]
    assert both.income == pytest.approx(62.40)


def test_a_credit_no_set_explains_or_two_sets_explain_still_halts() -> None:
    due = due_dividends([AAPL, MSFT], _held, ())
    assert settle_due(_cash(1000.0, 1500.0), 0, due) is None  # a deposit
    assert settle_due(_cash(1000.0, 1026.0 + 500.0), 0, due) is None  # a dividend and a deposit
    assert settle_due(_cash(1000.0, 974.0), 0, due) is None  # money out is never a dividend
    held = {"AAPL": 100.0, "KO": 50.0}
    twins = due_dividends([AAPL, _div("KO", "2026-11-10", 0.52)], lambda a: held[a.symbol], ())
    assert [d.amount for d in twins] == [26.0, 26.0]
    assert settle_due(_cash(1000.0, 1026.0), 0, twins) is None  # which one was paid? a person
    assert settle_due(_cash(1000.0, 1052.0), 0, twins) is not None  # both: one explanation


def test_only_a_lone_cash_difference_is_settled() -> None:
    due = due_dividends([AAPL], _held, ())
    position = AccountDifference("position", "AAPL", 100.0, 101.0)
    assert settle_due([*_cash(1000.0, 1026.0), position], 0, due) is None
    assert settle_due(_cash(1000.0, 1026.0), 1, due) is None  # an order nobody placed
    assert settle_due(_cash(1000.0, 1026.0), 0, []) is None
