"""The broker contract harness (imported by name; ``conftest.py`` puts this folder on
``sys.path``): each real adapter, with its real SDK, against its fake server. Waits after a 429
are recorded instead of slept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fake_alpaca_broker
import fake_webull_broker
from exchange import Exchange
from fakeserver import FakeServer

from tradewind.brokers.real import alpaca_wire, webull_wire, wrap
from tradewind.brokers.snapshot import SnapshotBroker
from tradewind.config import TradewindConfig
from tradewind.config.secrets import Secrets
from tradewind.domain.orders import ClientOrderId, OrderRequest, Side
from tradewind.domain.types import Symbol

PRICES = {"AAPL": 190.0, "MSFT": 410.0, "NVDA": 120.0}
TIMEOUT = 1.0
ADAPTERS = ("alpaca", "webull")


def secrets_for(name: str, *, wrong: bool = False) -> Secrets:
    """Credentials the fake accepts (or not)."""
    bad = "-wrong" if wrong else ""
    if name == "alpaca":
        return Secrets(
            _env_file=None,
            alpaca_api_key=fake_alpaca_broker.KEY,
            alpaca_secret_key=fake_alpaca_broker.SECRET + bad,
        )
    return Secrets(
        _env_file=None,
        webull_app_key=fake_webull_broker.APP_KEY,
        webull_app_secret=fake_webull_broker.APP_SECRET + bad,
        webull_paper_trading=True,
    )


def config_for(name: str, url: str, **broker: Any) -> TradewindConfig:
    """A paper configuration pointing ``name`` at ``url``."""
    return TradewindConfig.model_validate(
        {
            "trading": {"mode": "paper", "symbols": sorted(PRICES)},
            "broker": {
                "name": name,
                "paper_trading": True,
                "base_url": url,
                "timeout_seconds": TIMEOUT,
                "requests_per_minute": 10_000,
                **broker,
            },
        }
    )


@dataclass
class Harness:
    """One adapter wired to its fake server."""

    name: str
    exchange: Exchange
    server: FakeServer
    tmp: Path
    sleeps: list[float] = field(default_factory=list)
    broker: SnapshotBroker = field(init=False)

    def __post_init__(self) -> None:
        self.broker = self.connect()

    def connect(self, *, wrong: bool = False) -> SnapshotBroker:
        """A fresh adapter (a restart: new process state, same journal files)."""
        cfg = config_for(self.name, self.server.url)
        secrets = secrets_for(self.name, wrong=wrong)
        journal = self.tmp / "tradewind.simbroker.db"
        wire = (
            alpaca_wire(cfg, secrets)
            if self.name == "alpaca"
            else webull_wire(cfg, journal, secrets)
        )
        return wrap(wire, cfg, journal, sleep=self.sleeps.append)

    def request(
        self, cid: str, symbol: str = "AAPL", side: Side = Side.BUY, qty: float = 10.0
    ) -> OrderRequest:
        """A market order request."""
        return OrderRequest(
            ClientOrderId(cid), Symbol(symbol), side, qty, datetime.now(UTC), reason="test"
        )
