"""A fake Yahoo Finance: the chart API yfinance reads, rendered from a :class:`Truth`.

Format (fixture source): the reply of ``GET https://query2.finance.yahoo.com/v8/finance/chart/
{symbol}?period1=..&period2=..&interval=1d&events=div,splits,capitalGains`` as yfinance 1.7.0
reads it: ``yfinance/scrapers/history.py`` (``PriceHistory.history``: ``chart.result[0].meta``
with ``exchangeTimezoneName``, ``instrumentType``, ``currency``, ``validRanges``;
``chart.error``), ``yfinance/utils.py`` (``parse_quotes``: ``timestamp`` and
``indicators.quote[0].open/high/low/close/volume``, ``indicators.adjclose[0].adjclose``;
``parse_actions``: ``events.dividends{ts: {amount, date}}``, ``events.splits{ts: {date,
numerator, denominator, splitRatio}}``; ``format_history_metadata``: ``regularMarketTime``,
``tradingPeriods``). Daily bars are stamped at the session's open (9:30 New York), prices
split-adjusted as of the server's day, dividends too, as Yahoo does. Unknown symbols get Yahoo's
404 body (``{"chart": {"result": null, "error": {"code": "Not Found", ...}}}``). The cookie and
crumb calls (``fc.yahoo.com``, ``/v1/test/getcrumb``) are answered as yfinance expects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from fake_http import FakeServer, Reply, Request
from market_truth import Truth

from tradewind.calendar import nyse

NY = "America/New_York"


class FakeYahoo:
    """The fake service. ``today`` is the last session published; ``partial`` adds today's
    bar still trading (as Yahoo shows during the session)."""

    def __init__(self, truth: Truth, today: str) -> None:
        self.truth = truth
        self.today = pd.Timestamp(today)
        self.partial: dict[str, float] = {}
        self.empty: set[str] = set()
        self.server = FakeServer(self.handle)

    def __enter__(self) -> FakeYahoo:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    def chart_requests(self, symbol: str = "") -> list[Request]:
        """Chart requests with a date range (not yfinance's timezone probe, ``range=1d``)."""
        return [r for r in self.server.paths(f"/v8/finance/chart/{symbol}") if "period1" in r.query]

    def handle(self, request: Request) -> Reply:
        if request.path == "/":
            return Reply(
                200,
                "ok",
                {
                    "Set-Cookie": "A3=d=AQABBtest; Domain=.yahoo.com; Path=/; "
                    "Expires=Wed, 01 Jan 2099 00:00:00 GMT"
                },
            )
        if request.path == "/v1/test/getcrumb":
            return Reply(200, "crumbFAKE123")
        if request.path.startswith("/v8/finance/chart/"):
            return self.chart(request.path.rsplit("/", 1)[1], request.query)
        return Reply(404, {"finance": {"result": None, "error": {"code": "Not Found"}}})

    def chart(self, ticker: str, query: dict[str, str]) -> Reply:
        symbol = {"^VIX": "VIX", "^GSPC": "SP500"}.get(ticker, ticker.replace("-", "."))
        if symbol not in self.truth.frames:
            return Reply(
                404,
                {
                    "chart": {
                        "result": None,
                        "error": {
                            "code": "Not Found",
                            "description": "No data found, symbol may be delisted",
                        },
                    }
                },
            )
        if query.get("interval") == "1h":
            return self.hourly(ticker, symbol, query)
        adj = self.truth.split_adjusted(symbol, self.today)
        adjclose = self.truth.total_return(symbol, self.today)
        opens = [_open_stamp(d) for d in adj.index]
        stamps = pd.Series(opens, index=adj.index)
        if "period1" in query:
            lo, hi = int(query["period1"]), int(query["period2"])
            keep = (stamps >= lo) & (stamps < hi)
        else:
            n = {"1d": 1, "5d": 5}.get(query.get("range", "1d"), 1)
            keep = pd.Series(False, index=adj.index)
            keep.iloc[-n:] = True
        rows = adj.loc[keep.to_numpy()]
        adj_rows = adjclose.loc[keep.to_numpy()]
        ts = [int(t) for t in stamps.loc[keep.to_numpy()]]
        opens_, highs, lows, closes, volumes, adjs = (
            list(rows["open"]), list(rows["high"]), list(rows["low"]),
            list(rows["close"]), [int(v) for v in rows["volume"]], list(adj_rows),
        )  # fmt: skip
        last_price = float(adj["close"].iloc[-1])
        last_time = int(nyse().session_close(adj.index[-1]).timestamp())
        if symbol in self.partial:  # today's bar, still trading
            day = nyse().next_open(nyse().session_close(self.today)).normalize().tz_localize(None)
            t = _open_stamp(day)
            if "period1" not in query or int(query["period1"]) <= t < int(query["period2"]):
                price = self.partial[symbol]
                ts.append(t)
                opens_.append(last_price)
                highs.append(max(last_price, price))
                lows.append(min(last_price, price))
                closes.append(price)
                volumes.append(123456)
                adjs.append(price)
            last_price, last_time = self.partial[symbol], t + 3600
        if symbol in self.empty:
            ts, opens_, highs, lows, closes, volumes, adjs = [], [], [], [], [], [], []
        events = self._events(symbol, rows, keep)
        result: dict[str, object] = {
            "meta": {
                "currency": "USD",
                "symbol": ticker,
                "exchangeName": "NMS",
                "fullExchangeName": "NasdaqGS",
                "instrumentType": "INDEX" if ticker.startswith("^") else "EQUITY",
                "firstTradeDate": _open_stamp(adj.index[0]),
                "regularMarketTime": last_time,
                "hasPrePostMarketData": True,
                "gmtoffset": -14400,
                "timezone": "EDT",
                "exchangeTimezoneName": NY,
                "regularMarketPrice": last_price,
                "chartPreviousClose": float(adj["close"].iloc[0]),
                "priceHint": 2,
                "dataGranularity": query.get("interval", "1d"),
                "range": query.get("range", ""),
                "validRanges": [
                    "1d",
                    "5d",
                    "1mo",
                    "3mo",
                    "6mo",
                    "1y",
                    "2y",
                    "5y",
                    "10y",
                    "ytd",
                    "max",
                ],
            },
            "timestamp": ts,
            "indicators": {
                "quote": [
                    {"open": opens_, "high": highs, "low": lows, "close": closes, "volume": volumes}
                ],
                "adjclose": [{"adjclose": adjs}],
            },
        }
        if events:
            result["events"] = events
        if not ts:
            result.pop("timestamp")
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return Reply(200, {"chart": {"result": [result], "error": None}})

    def _events(
        self, symbol: str, rows: pd.DataFrame, keep: pd.Series
    ) -> dict[str, dict[str, dict[str, float | int | str]]]:
        """Dividends and splits of the rows served, as Yahoo lists them (split-adjusted)."""
        events: dict[str, dict[str, dict[str, float | int | str]]] = {}
        for day, amount in rows["dividend"].items():
            if amount:
                t = _open_stamp(day)
                events.setdefault("dividends", {})[str(t)] = {"amount": float(amount), "date": t}
        raw = self.truth.upto(symbol, self.today).loc[keep.to_numpy()]
        for day, factor in raw["split"].items():
            if factor != 1.0:
                t = _open_stamp(day)
                events.setdefault("splits", {})[str(t)] = {
                    "date": t,
                    "numerator": float(factor),
                    "denominator": 1.0,
                    "splitRatio": f"{factor:g}:1",
                }
        return events

    def hourly(self, ticker: str, symbol: str, query: dict[str, str]) -> Reply:
        """Hourly bars (stamped at their start, 9:30 ... 15:30) walking from each session's
        open to its close, with the ``tradingPeriods`` yfinance needs for intraday data."""
        adj = self.truth.split_adjusted(symbol, self.today)
        lo, hi = int(query["period1"]), int(query["period2"])
        cal = nyse()
        ts: list[int] = []
        o: list[float] = []
        h: list[float] = []
        low: list[float] = []
        c: list[float] = []
        v: list[int] = []
        periods = []
        for day, row in adj.iterrows():
            open_, close = cal.session_open(day), cal.session_close(day)
            if not (lo <= int(open_.timestamp()) < hi):
                continue
            starts = list(pd.date_range(open_, close, freq="h", inclusive="left"))
            path = np.linspace(row["open"], row["close"], len(starts) + 1)
            for k, start in enumerate(starts):
                ts.append(int(start.timestamp()))
                o.append(float(path[k]))
                c.append(float(path[k + 1]))
                h.append(float(max(path[k], path[k + 1])))
                low.append(float(min(path[k], path[k + 1])))
                v.append(100_000)
            periods.append(
                [{"timezone": "EDT", "start": int(open_.timestamp()),
                  "end": int(close.timestamp()), "gmtoffset": -14400}]
            )  # fmt: skip
        meta = {
            "currency": "USD",
            "symbol": ticker,
            "instrumentType": "EQUITY",
            "exchangeTimezoneName": NY,
            "timezone": "EDT",
            "gmtoffset": -14400,
            "regularMarketPrice": c[-1] if c else 0.0,
            "regularMarketTime": ts[-1] if ts else 0,
            "dataGranularity": "1h",
            "range": "",
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
            "tradingPeriods": periods,
        }
        result = {
            "meta": meta,
            "timestamp": ts,
            "indicators": {"quote": [{"open": o, "high": h, "low": low, "close": c, "volume": v}]},
        }
        return Reply(200, {"chart": {"result": [result], "error": None}})


def _open_stamp(day: pd.Timestamp) -> int:
    """Yahoo stamps a daily bar at the session's open (epoch seconds)."""
    return int(nyse().session_open(day).timestamp())
