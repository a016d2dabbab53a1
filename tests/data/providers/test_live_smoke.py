"""Live smoke tests: each provider against its real service, once, with tradewind's code path.

Skipped unless ``TRADEWIND_LIVE_TESTS=1`` (and, per provider, its key in the environment or
``.env``): the suite never touches the internet by default. When enabled, the loopback-only
guard of ``tests/conftest.py`` is lifted for these tests alone. Run::

    TRADEWIND_LIVE_TESTS=1 .venv/bin/pytest -q -n 0 tests/data/providers/test_live_smoke.py
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from tradewind.config.feeds import (
    AlpacaDataSection,
    FredSection,
    ProviderSection,
    WebullDataSection,
)
from tradewind.config.secrets import load_secrets

LIVE = os.environ.get("TRADEWIND_LIVE_TESTS") == "1"
pytestmark = pytest.mark.skipif(not LIVE, reason="set TRADEWIND_LIVE_TESTS=1 to reach the services")
SECRETS = load_secrets() if LIVE else None
TODAY = pd.Timestamp.now(tz="America/New_York").date()
START = TODAY - timedelta(days=30)


@pytest.fixture(autouse=True)
def _internet(monkeypatch: pytest.MonkeyPatch) -> None:
    guarded = socket.socket.connect
    real = getattr(guarded, "__globals__", {}).get("_real_connect", guarded)
    monkeypatch.setattr(socket.socket, "connect", real)


def _key(name: str) -> str:
    value = getattr(SECRETS, name, None)
    if value is None or not value.get_secret_value():
        pytest.skip(f"{name.upper()} is not set")
    return str(name)


def _recent(frame: pd.DataFrame) -> None:
    assert len(frame) >= 10
    assert (frame["close"] > 0).all()
    assert pd.Timestamp(frame.index[-1]) >= pd.Timestamp(TODAY - timedelta(days=7))


def test_yfinance_live(tmp_path: Path) -> None:
    from tradewind.data.providers.yahoo import YahooProvider

    provider = YahooProvider(ProviderSection(), tmp_path / "sdk")
    _recent(provider.daily("SPY", START, None).frame)
    assert provider.vix(START, None).between(5, 150).all()
    assert provider.latest(["AAPL"])["AAPL"].price > 0


def test_alpaca_live() -> None:
    from tradewind.data.providers.alpaca import AlpacaProvider

    _key("alpaca_api_key")
    assert SECRETS is not None and SECRETS.alpaca_api_key and SECRETS.alpaca_secret_key
    provider = AlpacaProvider(
        AlpacaDataSection(), SECRETS.alpaca_api_key, SECRETS.alpaca_secret_key
    )
    _recent(provider.daily("SPY", START, None).frame)
    assert provider.latest(["SPY"])["SPY"].price > 0


def test_fred_live() -> None:
    from tradewind.data.providers.fred import FredProvider

    _key("fred_api_key")
    assert SECRETS is not None and SECRETS.fred_api_key
    values = FredProvider(FredSection(), SECRETS.fred_api_key).vix(START, None)
    assert len(values) >= 10 and values.between(5, 150).all()


def test_finnhub_live() -> None:
    from tradewind.data.providers.finnhub import FinnhubProvider

    _key("finnhub_api_key")
    assert SECRETS is not None and SECRETS.finnhub_api_key
    assert (
        FinnhubProvider(ProviderSection(), SECRETS.finnhub_api_key).latest(["AAPL"])["AAPL"].price
        > 0
    )


def test_webull_live(tmp_path: Path) -> None:
    from tradewind.data.providers.webull import WebullProvider

    _key("webull_app_key")
    assert SECRETS is not None and SECRETS.webull_app_key and SECRETS.webull_app_secret
    provider = WebullProvider(
        WebullDataSection(), SECRETS.webull_app_key, SECRETS.webull_app_secret, tmp_path / "sdk"
    )
    _recent(provider.daily("SPY", START, None).frame)
