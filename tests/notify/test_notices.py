"""Notices: what each message says, how a burst is laid out, and the stored payload's round
trip (older payloads included)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.notify.compose import (
    DailySummary,
    RebalanceFacts,
    daily_notice,
    fill_notice,
    money,
    pct,
    qty,
    rebalance_finished_notice,
    rebalance_started_notice,
    regime_notice,
)
from tradewind.notify.events import event_notice
from tradewind.notify.layout import largest_fit, sections
from tradewind.notify.notice import Notice

T0 = datetime(2024, 5, 3, 20, 0, tzinfo=UTC)


def test_numbers_read_well() -> None:
    assert (money(1234.5), money(-3.2, sign=True), money(7, sign=True)) == (
        "$1,234.50", "-$3.20", "+$7.00",
    )  # fmt: skip
    assert (pct(0.01234), pct(-0.005, sign=True), pct(0.5, digits=0)) == ("1.23%", "-0.50%", "50%")
    assert (qty(10.0), qty(2.5), qty(1200.0), qty(0.0125)) == ("10", "2.5", "1,200", "0.0125")


def test_rebalance_started_and_finished_say_trades_turnover_and_costs() -> None:
    r = RebalanceFacts(
        T0, ("drift 12.0% >= 10.0%",), 3, 2, 25_000.0, 100_000.0, 30.0, "BULL", "max_sharpe"
    )
    started = rebalance_started_notice(r)
    assert dict(started.fields) == {
        "Trades": "5 (2 sells, 3 buys)",
        "Turnover": "25.0%",
        "Est. cost": "$30.00",
        "Regime": "BULL",
        "Method": "max_sharpe",
    }
    assert started.text == "Why: drift 12.0% >= 10.0%"
    done = rebalance_finished_notice(r, filled=4, traded_value=20_000.0, realized_cost=24.0, ts=T0)
    assert done.severity == "warning"  # one order did not fill
    assert dict(done.fields)["Realized cost"] == "$24.00 (12.0 bps)"
    assert done.text == "1 order(s) did not fill"
    assert done.one_line.startswith("Rebalance finished: 4/5 orders filled, turnover 20.0%")


def test_regime_change_names_from_to_confidence_and_policy() -> None:
    n = regime_notice("BULL", "VOLATILE", 0.82, "min_variance, at most 30% per position", T0)
    assert n.title == "🧭 Regime change: BULL → VOLATILE"
    assert dict(n.fields) == {
        "From": "BULL",
        "To": "VOLATILE",
        "Confidence": "82%",
        "Policy": "min_variance, at most 30% per position",
    }


def test_daily_summary_compares_with_the_sp500() -> None:
    s = DailySummary(
        date(2024, 5, 3), 101_000.0, 1_000.0, 0.01, 0.004, "BULL", 4, 12_000.0, 3.6, 0.78, False, T0
    )
    fields = dict(daily_notice(s).fields)
    assert fields["P&L"] == "+$1,000.00 (+1.00%)"
    assert (fields["S&P 500"], fields["vs S&P 500"]) == ("+0.40%", "+0.60 pts")
    assert fields["Costs"] == "$3.60 (3.0 bps)"
    unknown = DailySummary(date(2024, 5, 3), 1.0, 0.0, None, None, None, 0, 0.0, 0.0, 0.0, True)
    assert dict(daily_notice(unknown).fields)["vs S&P 500"] == "n/a"


def test_repeats_are_counted_and_the_worst_category_comes_first() -> None:
    burst = [
        fill_notice(Fill(ClientOrderId("c1"), Symbol("AAA"), Side.BUY, 1, 10.0, T0)),
        event_notice("data_error", "AAA stale", "warning"),
        event_notice("data_error", "AAA stale", "warning"),
        event_notice("cycle_failed", "boom", "error"),
    ]
    parts = sections(burst, 4000)
    assert [p.heading for p in parts] == ["❗ 3 errors", "✅ 1 fills"]
    assert parts[0].lines == (
        "Data problem: no trade this cycle: AAA stale (×2)",
        "Cycle failed: boom",
    )


def test_a_long_section_continues_under_the_same_heading() -> None:
    burst = [event_notice("stop", f"{i} " + "x" * 90, "warning") for i in range(30)]
    parts = sections(burst, 1000)
    assert len(parts) > 2 and parts[1].heading == "⚠️ 30 risk alerts (continued)"
    assert sum(len(p.lines) for p in parts) == 30


@given(st.integers(1, 300), st.integers(0, 300), st.integers(1, 120))
def test_largest_fit_finds_the_boundary(count: int, limit: int, cap: int) -> None:
    found = largest_fit(count, lambda k: k <= limit, cap)
    expected = max(1, min(count, cap, limit))
    assert found == expected


def test_payload_round_trip_and_older_payloads() -> None:
    n = event_notice("halt", "trading HALTED: x", "critical", T0, "paper, run 3")
    assert Notice.from_payload(n.to_payload()) == n
    old = Notice.from_payload(
        {"kind": "order_rejected", "severity": "warning", "message": "no cash", "run_id": 4}
    )
    assert (old.title, old.text, old.context, old.category) == (
        "order rejected", "no cash", "run 4", "other",
    )  # fmt: skip
    assert Notice.from_payload({"text": "halted"}).severity == "warning"
