"""The value a person moved in or out of the run's book, measured from the adopted differences
(:mod:`tradewind.orders.flows`), and the baseline that keeps the flows."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from tradewind.domain.cash import CapitalFlow
from tradewind.orders.account import Baseline
from tradewind.orders.flows import is_flow, measure_flow
from tradewind.orders.reconcile import AccountDifference

TRADED = ("AAPL", "MSFT")
PRICES = {"AAPL": 180.0, "MSFT": 400.0}


def _cash(expected: float, actual: float) -> AccountDifference:
    return AccountDifference("cash", None, expected, actual)


def _position(symbol: str, expected: float, actual: float) -> AccountDifference:
    return AccountDifference("position", symbol, expected, actual)


def test_a_deposit_is_the_cash_that_came_in() -> None:
    assert measure_flow([_cash(10_000.0, 50_000.0)], TRADED, PRICES) == 40_000.0
    assert measure_flow([_cash(10_000.0, 8_000.0)], TRADED, PRICES) == -2_000.0


def test_a_manual_trade_inside_the_book_nets_to_zero() -> None:
    diffs = [_cash(10_000.0, 8_200.0), _position("AAPL", 0.0, 10.0)]
    assert measure_flow(diffs, TRADED, PRICES) == pytest.approx(0.0)


def test_shares_transferred_in_count_at_their_last_price() -> None:
    assert measure_flow([_position("MSFT", 5.0, 15.0)], TRADED, PRICES) == 4_000.0


def test_an_outside_position_is_not_in_the_book() -> None:
    """Bought with the book's cash: value left the book (its equity holds no ZZZ)."""
    diffs = [_cash(10_000.0, 9_500.0), _position("ZZZ", 0.0, 50.0)]
    assert measure_flow(diffs, TRADED, {**PRICES, "ZZZ": 10.0}) == -500.0


def test_a_position_without_a_price_adds_nothing() -> None:
    diffs = [_cash(0.0, 100.0), _position("AAPL", 0.0, 1.0)]
    assert measure_flow(diffs, TRADED, {"AAPL": math.nan}) == 100.0


def test_the_floor_is_a_dollar_or_a_thousandth_of_the_equity() -> None:
    assert not is_flow(0.99, 100.0)
    assert is_flow(1.0, 100.0)
    assert not is_flow(9.99, 10_000.0) and is_flow(-10.0, 10_000.0)
    assert not is_flow(math.nan, 10_000.0)
    assert is_flow(5.0, math.nan)  # no usable equity: the dollar floor alone


def test_the_baseline_keeps_its_flows_and_reads_older_ones_without() -> None:
    flow = CapitalFlow(datetime(2026, 12, 7, 15, 30, tzinfo=UTC), 40_000.0)
    baseline = Baseline(50_000.0).with_flow(flow)

    back = Baseline.from_json(baseline.to_json())

    assert back.flows == (flow,) and back == baseline
    older = {k: v for k, v in baseline.to_json().items() if k != "flows"}
    assert Baseline.from_json(older).flows == ()
    assert flow.describe() == "deposit of $40,000.00"
    assert CapitalFlow(flow.at, -2_000.5).describe() == "withdrawal of $2,000.50"
