"""A fake Alpaca trading API (v2) on loopback, for alpaca-py's ``TradingClient``.

Paths, query parameters and JSON shapes are those ``alpaca-py`` 0.44 sends and parses
(``alpaca/trading/client.py`` methods ``submit_order``, ``get_order_by_client_id``,
``get_orders``, ``cancel_order_by_id``, ``get_all_positions``, ``get_account``, ``get_clock``;
models ``alpaca/trading/models.py`` ``Order``, ``Position``, ``TradeAccount``, ``Clock``), and
Alpaca's API reference (https://docs.alpaca.markets/reference/postorder and neighbours):
authentication by the ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers (401
``{"code": 40110000, ...}`` otherwise); a repeated ``client_order_id`` is HTTP 422
``{"code": 40010001, "message": "client_order_id must be unique"}`` (BROKER_FACTS.md);
insufficient buying power HTTP 403 ``{"code": 40310000, ...}``; an unknown order 404
``{"code": 40410000, ...}``.

Account activities (``GET /v2/account/activities``, what the exchange booked without a fill) as
https://docs.alpaca.markets/reference/getaccountactivities-1 queries them (``activity_types``
comma-separated, ``after``, ``direction``, ``page_size`` at most 100, ``page_token`` the last id
of the previous page) and https://docs.alpaca.markets/docs/account-activities shows them ("Sample
NTA": ``activity_type``, ``id`` as ``<time>::<uuid>``, ``date``, ``net_amount``, ``symbol``,
``qty`` and ``per_share_amount`` as strings).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange import CashEntry, Closed, Duplicate, Exchange, FakeOrder, Rejected
from fakeserver import FakeServer, Reply

KEY, SECRET = "PKTEST-KEY", "test-secret"
STATUS = {
    "open": "new",
    "partial": "partially_filled",
    "filled": "filled",
    "canceled": "canceled",
    "rejected": "rejected",
}


def _error(status: int, code: int, message: str) -> Reply:
    return status, {}, {"code": code, "message": message}


def order_json(o: FakeOrder) -> dict[str, Any]:
    """An order as Alpaca's ``GET /v2/orders/{id}`` returns it."""
    return {
        "id": o.oid,
        "client_order_id": o.cid,
        "created_at": o.created.isoformat(),
        "updated_at": o.updated.isoformat(),
        "submitted_at": o.created.isoformat(),
        "filled_at": o.updated.isoformat() if o.status == "filled" else None,
        "expired_at": None,
        "canceled_at": o.updated.isoformat() if o.status == "canceled" else None,
        "failed_at": None,
        "replaced_at": None,
        "replaced_by": None,
        "replaces": None,
        "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
        "symbol": o.symbol,
        "asset_class": "us_equity",
        "notional": None,
        "qty": f"{o.qty:g}",
        "filled_qty": f"{o.filled:g}",
        "filled_avg_price": f"{o.avg:.6f}" if o.filled else None,
        "order_class": "",
        "order_type": o.order_type,
        "type": o.order_type,
        "side": o.side,
        "time_in_force": "day",
        "limit_price": f"{o.limit:g}" if o.limit else None,
        "stop_price": None,
        "status": STATUS[o.status],
        "extended_hours": False,
        "legs": None,
        "trail_percent": None,
        "trail_price": None,
        "hwm": None,
    }


def activity_json(a: CashEntry) -> dict[str, Any]:
    """A non-trade activity as Alpaca's ``GET /v2/account/activities`` lists it."""
    out: dict[str, Any] = {
        "activity_type": a.activity_type,
        "id": a.activity_id,
        "date": a.on,
        "net_amount": f"{a.amount:.2f}",
        "description": "",
        "status": "executed",
    }
    if a.symbol is not None:
        out |= {"symbol": a.symbol, "cusip": "037833100", "qty": f"{a.qty or 0:g}"}
    if a.per_share is not None:
        out["per_share_amount"] = f"{a.per_share:g}"
    return out


class AlpacaApi:
    """The fake's endpoints over ``ex`` (one method per path)."""

    def __init__(self, ex: Exchange) -> None:
        self.ex = ex
        self.table = {
            ("POST", "/v2/orders"): self.place,
            ("GET", "/v2/orders:by_client_order_id"): self.by_client_id,
            ("GET", "/v2/orders"): self.orders,
            ("GET", "/v2/positions"): self.positions,
            ("GET", "/v2/account"): self.account,
            ("GET", "/v2/clock"): self.clock,
            ("GET", "/v2/account/activities"): self.activities,
        }

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        """Authenticate, then dispatch."""
        if headers.get("apca-api-key-id") != KEY or headers.get("apca-api-secret-key") != SECRET:
            return _error(401, 40110000, "request is not authorized")
        if method == "DELETE" and path.startswith("/v2/orders/"):
            return self.cancel(path.rsplit("/", 1)[1])
        handler = self.table.get((method, path))
        if handler is None:
            return _error(404, 40410000, f"no route {method} {path}")
        return handler(query, body)

    def place(self, query: dict[str, str], body: bytes) -> Reply:
        data = json.loads(body)
        try:
            o = self.ex.submit(
                str(data["client_order_id"]),
                str(data["symbol"]),
                str(data["side"]),
                float(data["qty"]),
                str(data["type"]),
                float(data["limit_price"]) if data.get("limit_price") else None,
            )
        except Duplicate:
            return _error(422, 40010001, "client_order_id must be unique")
        except Rejected as exc:
            return _error(403, 40310000, str(exc))
        except Closed:
            return _error(403, 40310000, "market is closed, order rejected")
        return 200, {}, order_json(o)

    def by_client_id(self, query: dict[str, str], body: bytes) -> Reply:
        o = self.ex.orders.get(query.get("client_order_id", ""))
        return (200, {}, order_json(o)) if o else _error(404, 40410000, "order not found")

    def orders(self, query: dict[str, str], body: bytes) -> Reply:
        if query.get("status") != "open":
            return _error(422, 42210000, "this fake serves status=open only")
        return 200, {}, [order_json(o) for o in self.ex.open_orders()]

    def cancel(self, oid: str) -> Reply:
        found = [o for o in self.ex.orders.values() if o.oid == oid]
        if not found:
            return _error(404, 40410000, "order not found")
        if found[0].status not in ("open", "partial"):
            return _error(422, 42210000, f"order is already in {STATUS[found[0].status]} state")
        self.ex.cancel(found[0].cid)
        return 204, {}, None

    def positions(self, query: dict[str, str], body: bytes) -> Reply:
        ex = self.ex
        return (
            200,
            {},
            [
                {
                    "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
                    "symbol": s,
                    "exchange": "NASDAQ",
                    "asset_class": "us_equity",
                    "avg_entry_price": f"{ex.prices[s]:.2f}",
                    "qty": f"{abs(q):g}",
                    "side": "long" if q > 0 else "short",
                    "market_value": f"{q * ex.prices[s]:.2f}",
                    "cost_basis": f"{q * ex.prices[s]:.2f}",
                    "current_price": f"{ex.prices[s]:.2f}",
                }
                for s, q in sorted(ex.positions.items())
            ],
        )

    def account(self, query: dict[str, str], body: bytes) -> Reply:
        ex = self.ex
        equity = ex.cash + sum(q * ex.prices[s] for s, q in ex.positions.items())
        return (
            200,
            {},
            {
                "id": "904837e3-3b76-47ec-b432-046db621571b",
                "account_number": "PA3F00TEST1",
                "status": "ACTIVE",
                "currency": "USD",
                "cash": f"{ex.cash:.2f}",
                "equity": f"{equity:.2f}",
                "buying_power": f"{ex.cash:.2f}",
                "trading_blocked": False,
                "account_blocked": False,
                "transfers_blocked": False,
                "pattern_day_trader": False,
            },
        )

    def activities(self, query: dict[str, str], body: bytes) -> Reply:
        """Non-trade activities of the asked types after ``after``, a page at a time."""
        types = set(filter(None, query.get("activity_types", "").split(",")))
        try:
            size = int(query.get("page_size", "100"))
            after = _after(query["after"]) if "after" in query else None
        except ValueError as exc:
            return _error(422, 42210000, f"invalid query: {exc}")
        if not 1 <= size <= 100:
            return _error(422, 42210000, "page_size must be between 1 and 100")
        with self.ex.lock:
            rows = [
                a
                for a in self.ex.activities
                if (not types or a.activity_type in types) and (after is None or a.created > after)
            ]
        if query.get("direction", "desc") == "desc":
            rows.reverse()
        token = query.get("page_token")
        if token:
            ids = [a.activity_id for a in rows]
            if token not in ids:
                return _error(422, 42210000, "invalid page_token")
            rows = rows[ids.index(token) + 1 :]
        return 200, {}, [activity_json(a) for a in rows[:size]]

    def clock(self, query: dict[str, str], body: bytes) -> Reply:
        t = self.ex.clock()
        return (
            200,
            {},
            {
                "timestamp": t.isoformat(),
                "is_open": self.ex.market_open,
                "next_open": (t + timedelta(hours=15)).isoformat(),
                "next_close": (t + timedelta(hours=2)).isoformat(),
            },
        )


def _after(text: str) -> datetime:
    """``after`` as Alpaca takes it: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ``."""
    t = datetime.fromisoformat(text)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t


def serve(ex: Exchange) -> FakeServer:
    """A running fake Alpaca for ``ex``."""
    return FakeServer(ex, AlpacaApi(ex).route)
