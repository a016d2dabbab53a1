"""Breakers on mark-to-market equity: daily loss, drawdown, losing streaks; latched halts."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from riskkit import POLICY, bars, fill

from tradewind.domain import Side
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.ledger import ClosedTrade, Ledger
from tradewind.domain.plans import PlannedTrade
from tradewind.engine.feed import MarketFeed
from tradewind.risk import BreakerParams, Breakers, MemoryHaltStore, RiskManager

T = datetime(2024, 1, 2, tzinfo=UTC)


def _closed(symbol: str, pnl: float) -> ClosedTrade:
    return ClosedTrade(symbol, T, 1.0, 100.0, 100.0 + pnl, pnl)


def test_daily_loss_warns_once_then_halts_at_the_limit() -> None:
    br = Breakers(BreakerParams())
    br.start_session("2024-01-02", 100_000.0)
    assert br.update(98_000.0, [], {}) == []
    (warn,) = br.update(96_900.0, [], {})
    assert (warn.kind, warn.halt, warn.threshold) == ("daily_loss", False, 0.03)
    assert warn.value == pytest.approx(0.031)
    assert br.update(96_500.0, [], {}) == []  # once per session
    (halt,) = br.update(95_000.0, [], {})
    assert (halt.kind, halt.halt) == ("daily_loss", True)
    br.start_session("2024-01-03", 95_000.0)
    assert br.update(95_000.0, [], {}) == []
    assert br.update(92_000.0, [], {})[0].halt is False  # re-armed each session


def test_drawdown_counts_from_the_peak_and_warns_again_only_after_recovering() -> None:
    br = Breakers(BreakerParams(daily_loss_warning=0.5, daily_loss_limit=0.9))
    br.start_session("s", 100_000.0)
    br.update(120_000.0, [], {})  # new peak
    (warn,) = br.update(107_000.0, [], {})  # 10.8% below 120k
    assert (warn.kind, warn.halt) == ("drawdown", False)
    assert br.update(106_000.0, [], {}) == []
    assert br.update(111_000.0, [], {}) == []  # back under 8% (0.8 x 10%): re-armed
    assert br.update(107_500.0, [], {})[0].kind == "drawdown"
    (halt,) = br.update(102_000.0, [], {})  # 15% below 120k
    assert (halt.kind, halt.halt, halt.value) == ("drawdown", True, pytest.approx(0.15))


def test_losing_round_trips_in_a_row_halt_and_a_win_resets_the_count() -> None:
    br = Breakers(BreakerParams(consecutive_losses=3))
    closed: list[ClosedTrade] = []

    def step(*trades: ClosedTrade, holding: dict[str, bool] | None = None) -> list[str]:
        closed.extend(trades)
        return [t.kind for t in br.update(100_000.0, closed, holding or {})]

    assert step(_closed("A", -10)) == []
    assert step(_closed("B", -10)) == []
    assert step(_closed("C", +5)) == []  # a winner resets
    assert br.state.consecutive_losses == 0
    # A round trip is summed over partial sells until the position is flat.
    assert step(_closed("A", -10), holding={"A": True}) == []
    assert br.state.consecutive_losses == 0
    assert step(_closed("A", +30)) == []  # the round trip of A made +20
    assert step(_closed("A", -1), _closed("B", -1)) == []
    assert step(_closed("C", -1)) == ["consecutive_losses"]
    assert br.state.consecutive_losses == 3


def test_rebase_after_a_resume_starts_every_baseline_at_the_current_equity() -> None:
    br = Breakers(BreakerParams())
    br.start_session("s", 100_000.0)
    assert br.update(80_000.0, [], {})[0].halt
    br.rebase(80_000.0)
    assert br.update(80_000.0, [], {}) == []
    assert br.state.peak_equity == 80_000.0 and br.state.consecutive_losses == 0


def test_disabled_circuit_breaker_keeps_only_the_daily_limit() -> None:
    br = Breakers(BreakerParams(enabled=False, consecutive_losses=1))
    br.start_session("s", 100_000.0)
    br.update(200_000.0, [], {})
    br.start_session("t", 200_000.0)
    assert br.update(100_000.0, [_closed("A", -1)], {})[0].kind == "daily_loss"
    assert [t.kind for t in br.update(100_000.0, [_closed("A", -1)], {})] == ["daily_loss"]


# --- through the risk manager ---------------------------------------------------------------
def _run(
    closes: dict[str, list[float]], risk: RiskManager, book: Ledger
) -> tuple[MarketFeed, list[list[PlannedTrade]]]:
    feed = MarketFeed(bars(closes, derived=True))
    out = []
    for t in feed.index:
        feed.advance(t)
        out.append(risk.on_bar(t, feed, book))
    return feed, out


def test_unrealized_losses_latch_a_halt_that_blocks_buys_but_not_sells() -> None:
    # Arrange: 80% invested, the price falls 7% in one session without any sale.
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 800, 100.0))
    store = MemoryHaltStore()
    risk = RiskManager(("AAA",), store=store)
    # Act
    feed, _ = _run({"AAA": [100.0, 100.0, 93.0, 95.0, 99.0]}, risk, book)
    # Assert: latched on the 5.6% day, with its cause, and kept when prices recover.
    assert risk.halted and store.load() is not None
    halt = store.load()
    assert halt is not None and halt.breaker == "daily_loss"
    assert halt.latched_at == feed.index[2].to_pydatetime()
    assert halt.details["value"] == pytest.approx(0.056)
    buy = PlannedTrade("AAA", Side.BUY, 1, 99.0, CostBreakdown())
    sell = PlannedTrade("AAA", Side.SELL, 1, 99.0, CostBreakdown())
    passed, notes = risk.allow([buy, sell], book, feed.last_close(), POLICY)
    assert passed == [sell] and notes == ["AAA: buy dropped (halted by daily_loss)"]
    events = risk.drain_events()
    assert [(e.kind, e.severity) for e in events] == [("halt", "critical")]
    assert "tradewind resume --confirm" in events[0].message


def test_a_three_percent_day_alerts_with_the_runbook_steps_and_does_not_halt() -> None:
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 800, 100.0))
    risk = RiskManager(("AAA",))
    _run({"AAA": [100.0, 100.0, 95.5, 95.5]}, risk, book)  # 3.6% of equity
    assert not risk.halted
    (event,) = risk.drain_events()
    assert (event.kind, event.severity) == ("daily_loss_warning", "warning")
    assert "review all open positions" in event.message and "document the cause" in event.message


def test_a_human_resume_clears_the_halt_and_rebases_at_the_next_bar() -> None:
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 800, 100.0))
    risk = RiskManager(("AAA",))
    feed = MarketFeed(bars({"AAA": [100.0, 80.0, 80.0, 79.0]}, derived=True))
    for row in range(2):
        feed.advance(feed.index[row])
        risk.on_bar(feed.index[row], feed, book)
    assert risk.halted
    record = risk.resume("alice", "reviewed positions", at=datetime(2024, 1, 4, tzinfo=UTC))
    assert (record.resumed_by, record.reason, record.halt.breaker) == (
        "alice",
        "reviewed positions",
        "daily_loss",
    )
    for row in (2, 3):
        feed.advance(feed.index[row])
        risk.on_bar(feed.index[row], feed, book)
    assert not risk.halted  # the 16% drawdown the human accepted does not re-trip
    kinds = [e.kind for e in risk.drain_events()]
    assert kinds[-1] == "resume"
    assert risk.breakers.state.peak_equity == pytest.approx(20_000 + 800 * 80.0)


def test_the_first_cause_stays_on_record() -> None:
    book = Ledger(("AAA",), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 1000, 100.0))
    risk = RiskManager(("AAA",), breakers=BreakerParams(max_drawdown=0.12))
    _run({"AAA": [100.0, 94.0, 87.0, 80.0]}, risk, book)
    assert risk.halt is not None and risk.halt.breaker == "daily_loss"
    assert [e.kind for e in risk.drain_events()].count("halt") == 1


def test_flatten_on_halt_sells_every_position() -> None:
    book = Ledger(("AAA", "BBB"), 100_000.0)
    book.apply(fill("AAA", Side.BUY, 400, 100.0))
    book.apply(fill("BBB", Side.BUY, 400, 100.0))
    risk = RiskManager(("AAA", "BBB"), flatten_on_halt=True)
    _, exits = _run({"AAA": [100.0, 100.0, 86.0], "BBB": [100.0, 100.0, 100.0]}, risk, book)
    assert [(e.symbol, e.quantity, e.reason) for e in exits[2]] == [
        ("AAA", 400, "halt:flatten"),
        ("BBB", 400, "halt:flatten"),
    ]


def test_session_opening_equity_is_the_previous_close_valuation() -> None:
    # Hourly-style bars: two bars in one New York session, then the next session.
    idx = pd.DatetimeIndex(
        ["2024-01-02 16:30", "2024-01-02 21:00", "2024-01-03 16:30"], tz="UTC", name="timestamp"
    )
    frame = pd.DataFrame(
        {"open": 100.0, "high": 100.0, "low": 100.0, "close": [100.0, 90.0, 91.0], "volume": 1.0},
        index=idx,
    )
    from tradewind.domain.market import BarSet

    feed = MarketFeed(BarSet({"AAA": frame}, derived_ohlc=frozenset({"AAA"})))
    book = Ledger(("AAA",), 0.0)
    book.apply(fill("AAA", Side.BUY, 1000, 0.0))
    risk = RiskManager(("AAA",), breakers=BreakerParams(daily_loss_limit=0.2, max_drawdown=0.5))
    for t in feed.index:
        feed.advance(t)
        risk.on_bar(t, feed, book)
    assert risk.breakers.state.session == "2024-01-03"
    assert risk.breakers.state.open_equity == pytest.approx(90_000.0)
    assert risk.session_index == 1


@pytest.mark.parametrize(("kind", "resumed"), [("daily_loss", True), ("reconciliation", False)])
def test_a_simulated_resume_clears_only_a_halt_the_breakers_latched(
    kind: str, resumed: bool
) -> None:
    from tradewind.risk import HaltState

    store = MemoryHaltStore()
    store.latch(HaltState(kind, "latched before the run", T))
    risk = RiskManager(("AAA",), store=store, auto_resume_sessions=1)
    book = Ledger(("AAA",), 100_000.0)
    feed = MarketFeed(bars({"AAA": [100.0] * 5}, derived=True))
    for t in feed.index:
        feed.advance(t)
        risk.on_bar(t, feed, book)
    assert risk.halted is not resumed
    assert [r.resumed_by for r in store.history()] == (["backtest"] if resumed else [])


def test_a_drawdown_hovering_around_the_warning_level_warns_once() -> None:
    br = Breakers(BreakerParams(daily_loss_warning=0.5, daily_loss_limit=0.9))
    br.start_session("s", 100_000.0)
    kinds = []
    # 10.42%, 9.9%, 10.06%, 9.5%, 10.14%: the reviewer's path around the 10% level
    for equity in (100_000.0, 89_580.0, 90_100.0, 89_940.0, 90_500.0, 89_860.0):
        kinds += [t.kind for t in br.update(equity, [], {})]
    assert kinds == ["drawdown"]
    assert br.update(92_100.0, [], {}) == []  # 7.9%: below 8%, re-armed
    (again,) = br.update(89_900.0, [], {})
    assert (again.kind, again.halt) == ("drawdown", False)


# --- the consecutive-loss count when several round trips end in one cycle --------------------
def _streak_of(before: int, *trades: ClosedTrade, limit: int = 5) -> tuple[Breakers, list]:
    br = Breakers(BreakerParams(consecutive_losses=limit))
    closed = [_closed(f"P{i}", -1.0) for i in range(before)]
    for i in range(before):
        br.update(100_000.0, closed[: i + 1], {})
    assert br.state.consecutive_losses == before
    trips = br.update(100_000.0, [*closed, *trades], {})
    return br, trips


def test_several_losing_round_trips_in_one_cycle_say_so_and_name_where_the_limit_was_reached() -> (
    None
):
    # Arrange / Act: 4 losers so far, then 3 stops close on the same bar.
    br, trips = _streak_of(4, _closed("AAA", -120.5), _closed("BBB", -80.1), _closed("CCC", -20.0))
    # Assert: one halt; the count is the honest 7, and the message explains the jump.
    (trip,) = trips
    assert (trip.kind, trip.halt, trip.value, trip.threshold) == ("consecutive_losses", True, 7, 5)
    assert trip.message == (
        "7 losing round trips in a row (limit 5): 3 round trips ended in the same cycle "
        "(AAA -120.50, BBB -80.10, CCC -20.00); the limit was reached at AAA"
    )
    assert br.state.consecutive_losses == 7


def test_a_winner_closing_later_in_the_same_cycle_does_not_hide_the_limit() -> None:
    # 4 losers so far; this cycle a loser (the 5th) then a winner close.
    br, trips = _streak_of(4, _closed("AAA", -10.0), _closed("BBB", +30.0))
    (trip,) = trips  # before the fix the winner reset the count first and nothing latched
    assert trip.value == 5 and trip.halt
    assert "reached at AAA, and a winning round trip after it reset the count" in trip.message
    assert br.state.consecutive_losses == 0


def test_the_limit_boundary_one_loss_short_and_exactly_at_it() -> None:
    _, short = _streak_of(3, _closed("AAA", -1.0))
    assert short == []  # 4 of 5
    _, at = _streak_of(4, _closed("AAA", -1.0))
    (trip,) = at
    assert trip.value == 5 and trip.message == (
        "5 losing round trips in a row (limit 5), the last AAA (-1.00)"
    )
