"""The contract every real broker adapter keeps, run on each with its real SDK against a
loopback server speaking the broker's wire format (``conftest.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from brokerkit import PRICES, TIMEOUT, Harness
from exchange import Fault

from tradewind.brokers.errors import BrokerAuthError, MalformedReply, MarketClosed
from tradewind.domain.errors import OrderRejected, TransientBrokerError
from tradewind.domain.orders import ClientOrderId, OrderStatus, Side

NOW = pd.Timestamp.now(tz="UTC")


def statuses(events: list) -> list[OrderStatus]:  # type: ignore[type-arg]
    return [e.status for e in events]


def test_submit_fills_and_lookup_reports_the_same_fill(adapter: Harness) -> None:
    events = adapter.broker.submit(adapter.request("c-submit"))

    assert statuses(events) == [OrderStatus.NEW, OrderStatus.FILLED]
    fill = events[-1].fill
    assert fill is not None and fill.quantity == 10 and fill.price == pytest.approx(190.0)
    assert events[0].broker_order_id == adapter.exchange.orders["c-submit"].oid
    found = adapter.broker.lookup(ClientOrderId("c-submit"))
    assert found is not None and found.status is OrderStatus.FILLED and found.fills == [fill]
    assert adapter.broker.positions() == {"AAPL": 10.0}
    assert adapter.broker.cash() == pytest.approx(100_000.0 - 1_900.0)
    assert adapter.broker.process(NOW) == []


def test_duplicate_submit_with_the_same_client_id_returns_the_first_order(
    adapter: Harness,
) -> None:
    first = adapter.broker.submit(adapter.request("c-dup"))
    restarted = adapter.connect()  # a new process: only the journal files carry over

    again = restarted.submit(adapter.request("c-dup"))

    assert adapter.exchange.order_posts == 2  # the repeat reached the broker ...
    assert list(adapter.exchange.orders) == ["c-dup"]  # ... and was refused: one order
    assert [e.fill for e in again if e.fill] == [e.fill for e in first if e.fill]
    assert again[0].broker_order_id == first[0].broker_order_id
    restarted.close()


def test_partial_fill_then_the_rest(adapter: Harness) -> None:
    adapter.exchange.fill_mode = "partial"
    events = adapter.broker.submit(adapter.request("c-part", "MSFT", qty=10))
    assert statuses(events) == [OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED]
    assert events[-1].fill is not None and events[-1].fill.quantity == 4

    adapter.exchange.prices["MSFT"] = 420.0
    adapter.exchange.tick()
    later = adapter.broker.process(NOW)

    assert statuses(later) == [OrderStatus.FILLED]
    rest = later[0].fill
    assert rest is not None and rest.quantity == pytest.approx(6)
    assert rest.price == pytest.approx(420.0, abs=1e-3)  # from the cumulative average
    found = adapter.broker.lookup(ClientOrderId("c-part"))
    assert found is not None and [f.quantity for f in found.fills] == pytest.approx([4, 6])
    assert found.average_price == pytest.approx((4 * 410 + 6 * 420) / 10, abs=1e-3)
    assert adapter.broker.process(NOW) == []


def test_reject_is_order_rejected_with_the_reason(adapter: Harness) -> None:
    adapter.exchange.reject_next = "insufficient buying power"

    with pytest.raises(OrderRejected, match="insufficient buying power") as info:
        adapter.broker.submit(adapter.request("c-rej"))

    assert not isinstance(info.value, MarketClosed)


def test_cancel_an_open_order(adapter: Harness) -> None:
    adapter.exchange.fill_mode = "none"
    events = adapter.broker.submit(adapter.request("c-cancel"))
    assert statuses(events) == [OrderStatus.NEW]
    assert [o.request.client_order_id for o in adapter.broker.open_orders()] == ["c-cancel"]

    event = adapter.broker.cancel(ClientOrderId("c-cancel"))

    assert event is not None and event.status is OrderStatus.CANCELED
    assert adapter.exchange.orders["c-cancel"].status == "canceled"
    assert adapter.broker.process(NOW) == []
    assert adapter.broker.cancel(ClientOrderId("c-cancel")) is None
    assert adapter.broker.open_orders() == []


def test_cancel_of_a_partly_filled_order_reports_the_fill_first(adapter: Harness) -> None:
    adapter.exchange.fill_mode = "partial"
    adapter.broker.submit(adapter.request("c-pc", qty=10))
    adapter.exchange.fill_mode = "none"

    event = adapter.broker.cancel(ClientOrderId("c-pc"))

    assert event is not None and event.status is OrderStatus.CANCELED
    assert adapter.broker.process(NOW) == []
    assert adapter.broker.positions() == {"AAPL": 4.0}


def test_timeout_then_lookup_by_client_id(adapter: Harness) -> None:
    adapter.exchange.fail_next(Fault("slow", "POST", delay=TIMEOUT + 0.5))

    with pytest.raises(TransientBrokerError):
        adapter.broker.submit(adapter.request("c-slow"))
    found = adapter.broker.lookup(ClientOrderId("c-slow"))

    assert found is not None and found.status is OrderStatus.FILLED
    assert adapter.exchange.order_posts == 1


def test_unknown_order_is_none(adapter: Harness) -> None:
    assert adapter.broker.lookup(ClientOrderId("never-sent")) is None
    assert adapter.broker.cancel(ClientOrderId("never-sent")) is None


def test_reconnect_after_the_server_went_away(adapter: Harness) -> None:
    adapter.broker.submit(adapter.request("c-up"))
    adapter.server.stop()

    with pytest.raises(TransientBrokerError):
        adapter.broker.positions()
    adapter.server.start()

    assert adapter.broker.positions() == {"AAPL": 10.0}


def test_429_waits_retry_after_then_succeeds(adapter: Harness) -> None:
    adapter.exchange.fail_next(Fault("429", "GET", retry_after=2.0), times=2)
    adapter.exchange.fail_next(Fault("429", "POST", retry_after=2.0))

    assert adapter.broker.positions() == {}
    events = adapter.broker.submit(adapter.request("c-429"))

    # Alpaca's Retry-After reaches tradewind; Webull's SDK hides the header (a fixed wait).
    wait = 2.0 if adapter.name == "alpaca" else 3.0
    assert adapter.sleeps == [wait, wait, wait]
    assert statuses(events)[-1] is OrderStatus.FILLED
    assert adapter.exchange.order_posts == 1


def test_429_gives_up_after_the_last_attempt(adapter: Harness) -> None:
    adapter.exchange.fail_next(Fault("429", "GET"), times=10)

    with pytest.raises(TransientBrokerError, match="429"):
        adapter.broker.positions()
    assert len(adapter.sleeps) == 3


def test_malformed_reply_is_transient_and_the_order_is_found(adapter: Harness) -> None:
    adapter.exchange.fail_next(Fault("malformed", "GET"))
    with pytest.raises(MalformedReply):
        adapter.broker.positions()

    adapter.exchange.fail_next(Fault("malformed", "POST"))
    with pytest.raises(MalformedReply):
        adapter.broker.submit(adapter.request("c-bad"))

    assert isinstance(MalformedReply("x"), TransientBrokerError)
    found = adapter.broker.lookup(ClientOrderId("c-bad"))
    assert found is not None and found.filled_quantity == 10
    assert adapter.exchange.order_posts == 1


def test_market_closed_never_fills(adapter: Harness) -> None:
    adapter.exchange.market_open = False
    assert adapter.broker.clock().is_open is (adapter.name == "webull" and _nyse_open_now())

    if adapter.exchange.closed_policy == "refuse":
        with pytest.raises(MarketClosed):
            adapter.broker.submit(adapter.request("c-closed"))
        assert adapter.broker.positions() == {}
        return
    events = adapter.broker.submit(adapter.request("c-closed"))
    assert statuses(events) == [OrderStatus.NEW]
    assert adapter.broker.process(NOW) == []
    adapter.exchange.market_open = True
    adapter.exchange.tick()
    assert statuses(adapter.broker.process(NOW)) == [OrderStatus.FILLED]


def test_wrong_credentials_are_an_auth_error_naming_the_variables(adapter: Harness) -> None:
    broker = adapter.connect(wrong=True)

    with pytest.raises(BrokerAuthError) as info:
        broker.positions()

    names = (
        ("ALPACA_API_KEY", "ALPACA_SECRET_KEY")
        if adapter.name == "alpaca"
        else (
            "WEBULL_APP_KEY",
            "WEBULL_APP_SECRET",
        )
    )
    assert all(n in str(info.value) for n in names)
    broker.close()


def test_several_open_orders_and_a_sell(adapter: Harness) -> None:
    adapter.exchange.fill_mode = "none"
    for i, sym in enumerate(sorted(PRICES)):
        adapter.broker.submit(adapter.request(f"c-open-{i}", sym, qty=1 + i))

    assert sorted(o.request.symbol for o in adapter.broker.open_orders()) == sorted(PRICES)
    adapter.exchange.fill_mode = "full"
    adapter.exchange.tick()
    filled = [e for e in adapter.broker.process(NOW) if e.fill is not None]
    assert len(filled) == 3
    sold = adapter.broker.submit(adapter.request("c-sell", "NVDA", Side.SELL, qty=3))
    assert sold[-1].fill is not None and sold[-1].fill.side is Side.SELL
    assert "NVDA" not in adapter.broker.positions()


def test_nothing_leaks_to_the_console_or_the_working_directory(
    adapter: Harness, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    adapter.exchange.fail_next(Fault("500", "GET"))
    with pytest.raises(TransientBrokerError):
        adapter.broker.positions()
    adapter.broker.submit(adapter.request("c-quiet"))

    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert not (tmp_path / "webull_trade_sdk.log").exists()
    assert not (tmp_path / "conf").exists()


def _nyse_open_now() -> bool:
    from tradewind.calendar import nyse

    return nyse().is_open(pd.Timestamp.now(tz="UTC"))


def test_cancel_of_a_filled_order_is_none(adapter: Harness) -> None:
    adapter.broker.submit(adapter.request("c-done"))

    assert adapter.broker.cancel(ClientOrderId("c-done")) is None
    restarted = adapter.connect()  # knows nothing of it yet
    assert restarted.cancel(ClientOrderId("c-done")) is None
    restarted.close()


def _manager(adapter: Harness) -> Any:
    from datetime import UTC, datetime

    from tradewind.orders.manager import OrderManager
    from tradewind.orders.retry import RetryPolicy
    from tradewind.store import Store

    store = Store(f"sqlite:///{adapter.tmp / 'om.db'}", mode="paper")
    run = store.start_run(
        name="contract", started_at=datetime.now(UTC), symbols=sorted(PRICES), initial_cash=1e5
    )
    om = OrderManager(
        adapter.broker,
        store,
        run,
        now=lambda: datetime.now(UTC),
        retry=RetryPolicy(attempts=2, backoff=(0.0,)),
        sleep=adapter.sleeps.append,
    )
    return om, store


def test_through_the_order_manager_a_timeout_never_sends_twice(adapter: Harness) -> None:
    om, store = _manager(adapter)
    adapter.exchange.fail_next(Fault("slow", "POST", delay=TIMEOUT + 0.5))

    events = om.submit(adapter.request("c-om"))

    assert [e.status for e in events][-1] is OrderStatus.FILLED
    assert adapter.exchange.posts_by_cid == {"c-om": 1}
    stored = store.order_by_client_id("c-om")
    assert stored is not None and stored.status is OrderStatus.FILLED
    assert any(a.kind == "order_found_after_error" for a in om.alerts)
    store.close()


def test_the_session_end_cancel_leaves_orders_placed_by_someone_else(adapter: Harness) -> None:
    om, store = _manager(adapter)
    adapter.exchange.fill_mode = "none"
    om.submit(adapter.request("c-ours"))
    adapter.exchange.submit("by-hand-1", "MSFT", "buy", 1, "market", None)

    canceled = om.cancel_open("stale at the session close")

    assert canceled == ["c-ours"]
    assert adapter.exchange.orders["by-hand-1"].status == "open"
    assert adapter.exchange.orders["c-ours"].status == "canceled"
    store.close()
