"""A fake Alpaca market-data API rendered from a :class:`Truth` (raw bars, corporate actions).

Fixture sources: https://docs.alpaca.markets/reference/stockbars (``GET /v2/stocks/bars``:
``{"bars": {"AAPL": [{"t", "o", "h", "l", "c", "v", "n", "vw"}]}, "next_page_token"}``, daily
bars stamped at midnight New York, pages of ``limit`` bars),
https://docs.alpaca.markets/reference/corporateactions-1 (``GET /v1/corporate-actions``:
``{"corporate_actions": {"forward_splits": [{"id", "symbol", "cusip", "new_rate", "old_rate",
"process_date", "ex_date", ...}], "cash_dividends": [{"id", "symbol", "cusip", "rate",
"special", "foreign", "process_date", "ex_date", ...}]}, "next_page_token"}``),
https://docs.alpaca.markets/reference/stocklatesttrades-1 (``{"trades": {"AAPL": {"t", "x",
"p", "s", "c", "i", "z"}}}``), as parsed by alpaca-py 0.44 (``alpaca/data/mappings.py``
``BAR_MAPPING``/``TRADE_MAPPING``, ``alpaca/data/models/corporate_actions.py``); a wrong key
gets ``401 {"code": 40110000, "message": "request is not authorized"}``.
"""

from __future__ import annotations

import uuid

import pandas as pd
from fake_http import FakeServer, Reply, Request
from market_truth import Truth

KEY, SECRET = "PKTESTKEY000000000000", "testsecret0000000000000000000000000000000"
PAGE = 150


class FakeAlpaca:
    def __init__(self, truth: Truth, today: str) -> None:
        self.truth = truth
        self.today = pd.Timestamp(today)
        self.trades: dict[str, tuple[float, str]] = {}
        self.server = FakeServer(self.handle)

    def __enter__(self) -> FakeAlpaca:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    def handle(self, request: Request) -> Reply:
        h = {k.lower(): v for k, v in request.headers.items()}
        if h.get("apca-api-key-id") != KEY or h.get("apca-api-secret-key") != SECRET:
            return Reply(401, {"code": 40110000, "message": "request is not authorized"})
        if request.path == "/v2/stocks/bars":
            return self.bars(request.query)
        if request.path == "/v1/corporate-actions":
            return self.actions(request.query)
        if request.path == "/v2/stocks/trades/latest":
            trades = {
                s: {"t": t, "x": "V", "p": p, "s": 100, "c": ["@"], "i": 52983525029461, "z": "C"}
                for s, (p, t) in self.trades.items()
                if s in request.query["symbols"].split(",")
            }
            return Reply(200, {"trades": trades})
        return Reply(404, {"code": 40410000, "message": "endpoint not found"})

    def bars(self, q: dict[str, str]) -> Reply:
        symbol = q["symbols"]
        if q.get("timeframe") != "1Day" or q.get("adjustment") != "raw" or q.get("feed") != "iex":
            return Reply(422, {"code": 42210000, "message": f"unexpected request {q}"})
        if symbol not in self.truth.frames:
            return Reply(200, {"bars": {}, "next_page_token": None})
        raw = self.truth.upto(symbol, self.today)
        start = (
            pd.Timestamp(q["start"]).tz_convert("America/New_York").tz_localize(None).normalize()
        )
        rows = raw.loc[raw.index >= start]
        offset = int(q.get("page_token") or 0)
        page = rows.iloc[offset : offset + PAGE]
        bars = [
            {
                "t": _midnight_utc(d),
                "o": r.open, "h": r.high, "l": r.low, "c": r.close,
                "v": int(r.volume), "n": 1000, "vw": round((r.high + r.low) / 2, 4),
            }
            for d, r in page.iterrows()
        ]  # fmt: skip
        more = offset + PAGE < len(rows)
        return Reply(
            200, {"bars": {symbol: bars}, "next_page_token": str(offset + PAGE) if more else None}
        )

    def actions(self, q: dict[str, str]) -> Reply:
        out: dict[str, list[dict[str, object]]] = {}
        start, end = pd.Timestamp(q["start"]), pd.Timestamp(q["end"])
        for symbol in q["symbols"].split(","):
            if symbol not in self.truth.frames:
                continue
            raw = self.truth.upto(symbol, self.today)
            raw = raw.loc[(raw.index >= start) & (raw.index <= end)]
            for day, row in raw.iterrows():
                ex = day.strftime("%Y-%m-%d")
                if row["split"] != 1.0:
                    kind = "forward_splits" if row["split"] > 1 else "reverse_splits"
                    entry: dict[str, object] = {
                        "id": _uuid(symbol, ex, "split"), "symbol": symbol,
                        "new_rate": float(row["split"]), "old_rate": 1.0,
                        "process_date": ex, "ex_date": ex, "record_date": ex, "payable_date": ex,
                    }  # fmt: skip
                    if kind == "forward_splits":
                        entry["cusip"] = "037833100"
                    else:
                        entry |= {"old_cusip": "037833100", "new_cusip": "037833200"}
                    out.setdefault(kind, []).append(entry)
                if row["dividend"]:
                    out.setdefault("cash_dividends", []).append(
                        {"id": _uuid(symbol, ex, "div"), "symbol": symbol, "cusip": "037833100",
                         "rate": float(row["dividend"]),
                         "special": False, "foreign": False, "process_date": ex, "ex_date": ex,
                         "record_date": ex, "payable_date": ex}
                    )  # fmt: skip
        return Reply(200, {"corporate_actions": out, "next_page_token": None})


def _uuid(*parts: str) -> str:
    """Alpaca's action ids are UUIDs (the SDK's model validates them)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _midnight_utc(day: pd.Timestamp) -> str:
    """Alpaca stamps a daily bar at midnight New York, written in UTC."""
    return pd.Timestamp(day, tz="America/New_York").tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
