"""The pieces under every real adapter: fills derived from cumulative quantities (the same every
time, across restarts) and the client-side request budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradewind.brokers.errors import MalformedReply, RateLimited
from tradewind.brokers.fill_journal import FillJournal
from tradewind.brokers.ratelimit import RateLimiter, with_rate_limits
from tradewind.brokers.wire import BrokerOrder
from tradewind.domain.orders import ClientOrderId, OrderStatus, Side

T = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


def snap(filled: float, avg: float, *, fees: float = 0.0, minutes: int = 0) -> BrokerOrder:
    status = OrderStatus.FILLED if filled >= 10 else OrderStatus.PARTIALLY_FILLED
    return BrokerOrder(
        ClientOrderId("c1"),
        "b1",
        "AAPL",
        Side.BUY,
        10.0,
        status,
        filled,
        avg,
        T,
        T + timedelta(minutes=minutes),
        fees=fees,
    )


def test_each_increase_is_one_fill_at_the_price_that_makes_the_average(tmp_path: Path) -> None:
    journal = FillJournal(tmp_path / "f.db", "alpaca:paper")
    first = journal.record(snap(4, 100.0, fees=0.5, minutes=1))
    both = journal.record(snap(10, 103.0, fees=1.25, minutes=2))

    assert [f.quantity for f in both] == [4, 6]
    assert both[0] == first[0]
    assert both[1].price == pytest.approx((10 * 103.0 - 4 * 100.0) / 6)
    assert sum(f.quantity * f.price for f in both) == pytest.approx(10 * 103.0)
    assert [f.commission for f in both] == pytest.approx([0.5, 0.75])
    assert both[1].ts == T + timedelta(minutes=2)


def test_the_same_report_gives_the_same_fills_after_a_restart(tmp_path: Path) -> None:
    journal = FillJournal(tmp_path / "f.db", "alpaca:paper")
    before = journal.record(snap(4, 100.0, minutes=1))
    journal.close()

    again = FillJournal(tmp_path / "f.db", "alpaca:paper").record(snap(4, 100.0, minutes=9))

    assert again == before  # stored, not derived again from the later report's time


def test_less_filled_than_before_is_a_malformed_reply(tmp_path: Path) -> None:
    journal = FillJournal(tmp_path / "f.db", "webull:paper")
    journal.record(snap(6, 100.0))
    with pytest.raises(MalformedReply, match="less than"):
        journal.record(snap(4, 100.0))
    with pytest.raises(MalformedReply, match="without a price"):
        journal.record(snap(8, 0.0))


def test_accounts_are_kept_apart(tmp_path: Path) -> None:
    FillJournal(tmp_path / "f.db", "alpaca:paper").record(snap(4, 100.0))
    assert FillJournal(tmp_path / "f.db", "alpaca:live").fills("c1") == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.floats(50, 150, allow_nan=False)), min_size=1, max_size=6
    )
)
def test_fills_add_up_to_the_reported_totals(steps: list[tuple[int, float]]) -> None:
    journal = FillJournal(":memory:", "x")
    filled, paid = 0.0, 0.0
    fills = []
    for qty, price in steps:
        filled += qty
        paid += qty * price
        fills = journal.record(snap(filled, paid / filled))
    assert sum(f.quantity for f in fills) == pytest.approx(filled)
    assert sum(f.quantity * f.price for f in fills) == pytest.approx(paid)


class FakeClock:
    """Monotonic time that only the limiter's own waits move."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.waits.append(s)
        self.t += s


def test_the_budget_allows_a_burst_then_spaces_calls() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, burst=3, clock=clock.now, sleep=clock.sleep)

    for _ in range(5):
        limiter.acquire()

    assert clock.waits == pytest.approx([1.0, 1.0])  # 60/min: one a second after the burst


def test_a_429_is_waited_out_then_given_up_after_the_last_attempt() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10_000, clock=clock.now, sleep=clock.sleep)
    answers = iter([RateLimited("429", 2.5), RateLimited("429", 120.0), "ok"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    slept: list[float] = []
    assert with_rate_limits(call, limiter, sleep=slept.append) == "ok"
    assert slept == [2.5, 60.0]  # Retry-After, capped at a minute

    def always() -> str:
        raise RateLimited("429", 1.0)

    with pytest.raises(RateLimited):
        with_rate_limits(always, limiter, attempts=3, sleep=slept.append)
