"""``tradewind report summary`` counts the rebalances by the trigger that fired them: the
runbook's troubleshooting ("Excessive Rebalancing: review drift threshold; check if combined
trigger is too aggressive") needs to see which trigger fires, not only how often."""

from __future__ import annotations

from datetime import datetime

from runkit import CAPITAL, RunSpec, records, rising, sessions

from tradewind.domain.records import Decision, OrderRecord
from tradewind.service.run_reports import summary_payload


def _decision(day: datetime, reasons: tuple[str, ...], order_reason: str = "rebalance") -> Decision:
    order = OrderRecord(f"o-{day}", "AAA", "buy", 10, order_reason, 100.0, 0.0, 1.0, 0.0)
    targets = (0.3, 0.3) if order_reason == "rebalance" else ()
    return Decision(day, "BULL", 0.9, "max_sharpe", reasons, targets, (order,), CAPITAL,
                    CAPITAL, None)  # fmt: skip


def test_the_summary_counts_rebalances_by_trigger() -> None:
    days = [d.to_pydatetime() for d in sessions(10)]
    decisions = [
        _decision(days[1], ("calendar: first session of the month (2026-03-02)",)),
        _decision(days[3], ("drift 12.00% >= threshold 10.00% (AAA +8.0%)",)),
        _decision(
            days[5],
            ("drift 11.00% >= threshold 10.00% (BBB -6.0%)", "regime change: BULL -> CHOPPY"),
        ),  # fmt: skip
        _decision(days[7], ("stop: AAA",), order_reason="stop:trailing"),  # not a rebalance
    ]

    payload = summary_payload(records(RunSpec(rising(10), decisions=decisions)))

    assert payload["performance"]["rebalances"] == 3
    assert payload["rebalance_triggers"] == {"drift": 2, "calendar": 1, "regime change": 1}
