"""A fake Webull OpenAPI (market data) rendered from a :class:`Truth`.

Fixture sources: ``shared/BROKER_FACTS.md`` (``GET /openapi/config`` when ``DataClient`` is
built; requests always signed; the history bars now posted to ``/market-data/stocks/bars/list``);
https://developer.webull.com/api-doc/quote/get/bars (bar fields ``time`` as
``"2021-12-28T09:00:09.945+0000"``, ``open``, ``close``, ``high``, ``low``, ``volume``, all
strings; at most 1200 bars; daily bars "with the previous weight": adjusted to today);
webull-inc/webull-openapi-mcp ``formatters.py`` (the batch reply ``[{"symbol",
"instrument_id", "result": [bars]}]``; snapshot fields ``symbol``, ``instrument_id``,
``price``, ``pre_close``, ``open``, ``high``, ``low``, ``close``, ``volume``, ``change``,
``change_ratio``, ``last_trade_time``); webull-openapi-python-sdk 3.0.4
``webull/data/request/get_batch_historical_bars_request.py`` (body ``symbols``, ``category``,
``timespan``, ``count``) and ``get_snapshot_request.py`` (query ``symbols``, ``category``).
Errors as the SDK reads them (``webull/core/client.py``): ``{"error_code", "message"}``.
"""

from __future__ import annotations

import pandas as pd
from fake_http import FakeServer, Reply, Request
from market_truth import Truth

APP_KEY, APP_SECRET = "webullappkey000001", "webullappsecret00000000000001"


class FakeWebull:
    def __init__(self, truth: Truth, today: str) -> None:
        self.truth = truth
        self.today = pd.Timestamp(today)
        self.snapshots: dict[str, tuple[float, int]] = {}
        self.server = FakeServer(self.handle)

    def __enter__(self) -> FakeWebull:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    def handle(self, request: Request) -> Reply:
        h = {k.lower(): v for k, v in request.headers.items()}
        if h.get("x-app-key") != APP_KEY or not h.get("x-signature"):
            return Reply(401, {"error_code": "INVALID_TOKEN", "message": "app key or signature"})
        if request.path.endswith("/openapi/config"):
            return Reply(200, {"token_check_enabled": False})
        if request.path.endswith("/market-data/stocks/bars/list"):
            body = request.json()
            return self.bars(body["symbols"], body["timespan"], int(body.get("count", 200)))
        if request.path.endswith("/market-data/stocks/snapshots/list"):
            symbols = request.query["symbols"].split(",")
            return Reply(200, [self.snapshot(s) for s in symbols if s in self.snapshots])
        return Reply(404, {"error_code": "NOT_FOUND", "message": request.path})

    def bars(self, symbols: list[str], timespan: str, count: int) -> Reply:
        out = []
        for symbol in symbols:
            if symbol not in self.truth.frames:
                continue
            adjusted = self.truth.split_adjusted(symbol, self.today)
            adjusted["close"] = self.truth.total_return(symbol, self.today)
            factor = adjusted["close"] / self.truth.split_adjusted(symbol, self.today)["close"]
            for c in ("open", "high", "low"):
                adjusted[c] = adjusted[c] * factor
            rows = adjusted.iloc[-count:]
            result = [
                {
                    "time": _midnight_ny(d),
                    "open": f"{r.open:.6f}", "close": f"{r.close:.6f}",
                    "high": f"{r.high:.6f}", "low": f"{r.low:.6f}",
                    "volume": str(int(r.volume)),
                }
                for d, r in rows.iloc[::-1].iterrows()  # newest first
            ]  # fmt: skip
            out.append({"symbol": symbol, "instrument_id": "913256135", "result": result})
        return Reply(200, out)

    def snapshot(self, symbol: str) -> dict[str, object]:
        price, ms = self.snapshots[symbol]
        return {"symbol": symbol, "instrument_id": "913256135", "price": str(price),
                "pre_close": str(price - 1), "open": str(price - 0.5), "high": str(price + 1),
                "low": str(price - 1.5), "close": str(price), "volume": "1234567",
                "change": "1", "change_ratio": "0.0142", "last_trade_time": str(ms)}  # fmt: skip


def _midnight_ny(day: pd.Timestamp) -> str:
    """A daily bar's time: the session's midnight in New York, written in UTC."""
    t = pd.Timestamp(day, tz="America/New_York").tz_convert("UTC")
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
