"""Listing the cash a broker booked without a fill (dividends, interest): Alpaca's adapter
through alpaca-py's own client against the fake's ``GET /v2/account/activities`` (paging, the
types asked, entries after a time, a malformed entry refused naming its field); brokers that
cannot list them say so (None)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import fake_alpaca_broker
import pytest
from brokerkit import Harness

from tradewind.brokers.activities import cash_activities
from tradewind.brokers.errors import MalformedReply

PATH = ("GET", "/v2/account/activities")


@pytest.mark.parametrize("adapter", ["alpaca"], indirect=True)
def test_alpaca_lists_dividends_and_interest_after_a_time_page_by_page(
    adapter: Harness,
) -> None:
    ex = adapter.exchange
    before = ex.credit("DIV", 3.00, "AAPL", on="2026-08-14")  # in the cash before `after`
    after = (ex.clock() + timedelta(seconds=1)).replace(microsecond=0)  # Alpaca: to the second
    while ex.clock() <= after:
        time.sleep(0.01)
    div = ex.credit("DIV", 12.34, "AAPL", on="2026-11-13", per_share=0.26)
    ex.credit("CSD", 500.0)  # a deposit: never listed
    tax = ex.credit("DIVNRA", -1.85, "AAPL", on="2026-11-13")
    interest = [ex.credit("INT", 0.01 * (i + 1)) for i in range(150)]  # two pages

    listed = adapter.broker.cash_activities(after)

    assert listed is not None and len(listed) == 152
    assert [a.activity_id for a in listed] == [
        div.activity_id,
        tax.activity_id,
        *(i.activity_id for i in interest),
    ]
    first = listed[0]
    assert (first.kind, first.symbol, first.amount, first.on) == (
        "dividend",
        "AAPL",
        12.34,
        date(2026, 11, 13),
    )
    assert listed[1].amount == -1.85 and listed[1].broker_type == "DIVNRA"
    assert listed[2].kind == "interest" and listed[2].symbol is None
    assert before.activity_id not in {a.activity_id for a in listed}
    assert ex.requests.count(PATH) == 2  # 100 + 52, on the id of the first page's last entry


@pytest.mark.parametrize("adapter", ["alpaca"], indirect=True)
@pytest.mark.parametrize(
    ("field", "value"),
    [("net_amount", "twelve"), ("net_amount", "NaN"), ("date", "13/11/2026"), ("id", None)],
)
def test_a_malformed_entry_is_refused_naming_its_field(
    adapter: Harness, monkeypatch: pytest.MonkeyPatch, field: str, value: Any
) -> None:
    shown = fake_alpaca_broker.activity_json

    def broken(a: Any) -> dict[str, Any]:
        out = shown(a)
        out[field] = value
        return out

    monkeypatch.setattr(fake_alpaca_broker, "activity_json", broken)
    adapter.exchange.credit("DIV", 12.34, "AAPL")

    with pytest.raises(MalformedReply, match=field if field != "id" else "has no id"):
        adapter.broker.cash_activities(datetime(2000, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("adapter", ["webull"], indirect=True)
def test_webull_cannot_list_them(adapter: Harness) -> None:
    adapter.exchange.credit("DIV", 12.34, "AAPL")
    assert adapter.broker.cash_activities(datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_a_broker_without_the_method_cannot_either() -> None:
    assert cash_activities(object(), datetime(2000, 1, 1, tzinfo=UTC)) is None
