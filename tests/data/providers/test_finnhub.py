"""finnhub-python (the real client) against a fake Finnhub on 127.0.0.1: the latest route."""

from __future__ import annotations

import pandas as pd
import pytest
from fake_http import FakeServer, Reply, Request
from providerkit import Clock, LiveFactory, no_sleep, quick
from pydantic import SecretStr

from tradewind.data.providers.base import ProviderEmpty, ProviderRefused, ProviderUnavailable
from tradewind.data.providers.finnhub import FinnhubProvider
from tradewind.data.providers.guard import CallGuard

TOKEN = "finnhubtesttoken0000"  # noqa: S105 - the fake server's token
TRADED = int(pd.Timestamp("2024-06-28 14:31", tz="UTC").timestamp())


def quote(request: Request) -> Reply:
    """Fixture source: https://finnhub.io/docs/api/quote (``{"c": 261.74, "h": 263.31,
    "l": 260.68, "o": 261.07, "pc": 259.45, "t": 1582641000, "d", "dp"}``; zeros for an
    unknown symbol; ``401 {"error": "Invalid API key"}``), read by finnhub-python 2.4
    (``finnhub/client.py`` ``Client.quote``, ``_handle_response``)."""
    if request.query.get("token") != TOKEN:
        return Reply(401, {"error": "Invalid API key"})
    if not request.path.endswith("/quote"):
        return Reply(404, {"error": "Not found"})
    if request.query["symbol"] != "AAPL":
        return Reply(200, {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0})
    body = {"c": 71.25, "d": 0.75, "dp": 1.06, "h": 71.5, "l": 70.1, "o": 70.5, "pc": 70.5,
            "t": TRADED}  # fmt: skip
    return Reply(200, body)


def provider(server: FakeServer, token: str = TOKEN) -> FinnhubProvider:
    settings = quick(url=server.url)
    return FinnhubProvider(
        settings, SecretStr(token), CallGuard("finnhub", settings, sleep=no_sleep)
    )


def test_the_latest_price_and_its_time() -> None:
    with FakeServer(quote) as server:
        q = provider(server).latest(["AAPL"])["AAPL"]
        (request,) = server.requests
    assert (q.price, q.time) == (71.25, pd.Timestamp(TRADED, unit="s", tz="UTC"))
    assert request.query["symbol"] == "AAPL"


def test_unknown_symbol_bad_key_and_server_errors() -> None:
    with FakeServer(quote) as server:
        with pytest.raises(ProviderEmpty):
            provider(server).latest(["NOPE"])
        with pytest.raises(ProviderRefused, match="Invalid API key") as refused:
            provider(server, token="wrong").latest(["AAPL"])  # noqa: S106
        assert "wrong" not in str(refused.value)
        server.fail("/quote", 429)
        assert provider(server).latest(["AAPL"])["AAPL"].price == 71.25
        server.fail("/quote", 502, 502)
        with pytest.raises(ProviderUnavailable, match="HTTP 502"):
            provider(server).latest(["AAPL"])


def test_the_latest_route_uses_finnhub_when_asof_is_now(make_live: LiveFactory) -> None:
    clock = Clock("2024-06-28 10:35")
    with FakeServer(quote) as server:
        live = make_live({"finnhub": provider(server)}, clock, latest=["finnhub"])
        prices = live.latest_prices(["AAPL"], clock())
    assert prices["AAPL"] == 71.25
