"""The ``webull_app`` adapter with the real unofficial ``webull`` package (``paper_webull``)
against a loopback fake of the app's paper endpoints: the contract cases that apply to a broker
without client order ids, idempotency emulated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import fake_app
import pandas as pd
import pytest
from exchange import Exchange, Fault
from fakeserver import FakeServer

from tradewind.brokers.errors import BrokerAuthError
from tradewind.brokers.real import webull_app_wire, wrap
from tradewind.brokers.snapshot import SnapshotBroker
from tradewind.config import TradewindConfig
from tradewind.config.secrets import Secrets
from tradewind.domain.errors import OrderRejected, TransientBrokerError
from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderStatus, Side
from tradewind.domain.types import Symbol

PRICES = {"AAPL": 190.0, "MSFT": 410.0, "NVDA": 120.0}
NOW = pd.Timestamp.now(tz="UTC")


@dataclass
class Rig:
    exchange: Exchange
    server: FakeServer
    api: fake_app.AppApi
    tmp: Path
    sleeps: list[float] = field(default_factory=list)

    def connect(self, password: str = fake_app.PASSWORD) -> SnapshotBroker:
        """A fresh adapter (a restart: same files beside the database)."""
        cfg = TradewindConfig.model_validate(
            {
                "trading": {"mode": "paper", "symbols": sorted(PRICES)},
                "broker": {
                    "name": "webull_app",
                    "paper_trading": True,
                    "base_url": self.server.url,
                    "timeout_seconds": 1.0,
                    "requests_per_minute": 10_000,
                },
            }
        )
        secrets = Secrets(
            _env_file=None,
            webull_email=fake_app.LOGIN,
            webull_password=password,
            webull_trade_pin="1234",
        )
        journal = self.tmp / "tw.simbroker.db"
        return wrap(webull_app_wire(cfg, journal, secrets), cfg, journal, sleep=self.sleeps.append)


def request(cid: str, symbol: str = "AAPL", side: Side = Side.BUY, qty: float = 10) -> OrderRequest:
    return OrderRequest(ClientOrderId(cid), Symbol(symbol), side, qty, datetime.now(UTC))


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    monkeypatch.chdir(tmp_path)
    ex = Exchange(PRICES)
    ex.closed_policy = "refuse"
    server, api = fake_app.serve(ex)
    yield Rig(ex, server, api, tmp_path)
    server.stop()


def test_submit_fills_and_lookup_reports_the_same_fill(rig: Rig) -> None:
    broker = rig.connect()
    events = broker.submit(request("c-1"))

    assert [e.status for e in events] == [OrderStatus.NEW, OrderStatus.FILLED]
    fill = events[-1].fill
    assert fill is not None and fill.quantity == 10 and fill.price == pytest.approx(190.0)
    found = broker.lookup(ClientOrderId("c-1"))
    assert found is not None and found.fills == [fill]
    assert broker.positions() == {"AAPL": 10.0}
    assert broker.cash() == pytest.approx(100_000 - 1_900)
    assert rig.api.logins == 1
    assert not (rig.tmp / "did.bin").exists()  # the package's device file went beside the db
    assert (rig.tmp / "tw.webull_app-state" / "did.bin").exists()


def test_a_repeat_after_a_restart_is_matched_not_placed_again(rig: Rig) -> None:
    first = rig.connect().submit(request("c-dup"))

    again = rig.connect().submit(request("c-dup"))

    assert rig.exchange.order_posts == 1
    assert [e.fill for e in again if e.fill] == [e.fill for e in first if e.fill]


def test_a_lost_answer_is_found_by_matching_then_never_placed_twice(rig: Rig) -> None:
    rig.exchange.fail_next(Fault("slow", "POST", "/base_paper_url", delay=1.5))
    with pytest.raises(TransientBrokerError):
        rig.connect().submit(request("c-lost", "MSFT", qty=3))
    assert rig.exchange.order_posts == 1

    restarted = rig.connect()  # after a crash: only the request was written down
    found = restarted.lookup(ClientOrderId("c-lost"))
    events = restarted.submit(request("c-lost", "MSFT", qty=3))

    assert found is not None and found.filled_quantity == 3
    assert events[-1].status is OrderStatus.FILLED
    assert rig.exchange.order_posts == 1


def test_partial_fill_then_the_rest(rig: Rig) -> None:
    rig.exchange.fill_mode = "partial"
    broker = rig.connect()
    events = broker.submit(request("c-part", qty=10))
    assert [e.status for e in events] == [OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED]

    rig.exchange.tick()
    later = broker.process(NOW)

    assert [e.status for e in later] == [OrderStatus.FILLED]
    assert later[0].fill is not None and later[0].fill.quantity == pytest.approx(6)


def test_reject_closed_market_and_fractions_are_order_rejected(rig: Rig) -> None:
    broker = rig.connect()
    rig.exchange.reject_next = "insufficient buying power"
    with pytest.raises(OrderRejected, match="insufficient buying power"):
        broker.submit(request("c-rej"))
    rig.exchange.market_open = False
    with pytest.raises(OrderRejected, match="market is closed"):
        broker.submit(request("c-closed"))
    with pytest.raises(OrderRejected, match="whole shares"):
        broker.submit(request("c-frac", qty=1.5))
    assert broker.positions() == {}


def test_cancel_an_open_order(rig: Rig) -> None:
    rig.exchange.fill_mode = "none"
    broker = rig.connect()
    broker.submit(request("c-cancel"))

    event = broker.cancel(ClientOrderId("c-cancel"))

    assert event is not None and event.status is OrderStatus.CANCELED
    assert broker.open_orders() == []


def test_a_refused_login_is_an_auth_error(rig: Rig) -> None:
    with pytest.raises(BrokerAuthError, match="WEBULL_EMAIL / WEBULL_PASSWORD"):
        rig.connect(password="wrong").positions()


def test_server_gone_is_transient(rig: Rig) -> None:
    broker = rig.connect()
    broker.positions()
    rig.server.stop()
    with pytest.raises(TransientBrokerError):
        broker.positions()
    rig.server.start()
    assert broker.positions() == {}
