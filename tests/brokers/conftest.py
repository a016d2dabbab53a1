"""The broker contract fixture: ``adapter`` is parametrized over ``alpaca`` and ``webull``; the
suite in ``test_contract.py`` runs unchanged on both (helpers in ``brokerkit.py``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fake_alpaca_broker  # noqa: E402
import fake_webull_broker  # noqa: E402
from brokerkit import ADAPTERS, PRICES, Harness  # noqa: E402
from exchange import Exchange  # noqa: E402


@pytest.fixture(params=ADAPTERS)
def adapter(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    """Each adapter against its own fake broker (working directory: ``tmp_path``)."""
    monkeypatch.chdir(tmp_path)
    name = str(request.param)
    exchange = Exchange(PRICES)
    # Alpaca queues a day order sent while closed; the fake Webull refuses it (see its notes).
    exchange.closed_policy = "queue" if name == "alpaca" else "refuse"
    server = (
        fake_alpaca_broker.serve(exchange)
        if name == "alpaca"
        else fake_webull_broker.serve(exchange)
    )
    harness = Harness(name, exchange, server, tmp_path)
    yield harness
    harness.broker.close()
    server.stop()
