"""A fake Webull OpenAPI (US trading, v3 paths) on loopback, verifying every request's signature.

Sources:

* Paths, methods, ``x-version`` and parameters: ``webull-openapi-python-sdk`` 3.0.4,
  ``webull/trade/request/v3/*.py`` (place ``/trading/orders/place``, detail
  ``/trading/orders/get``, cancel ``/trading/orders/cancel``, open orders
  ``/trading/orders/open-orders/list``) and ``webull/trade/request/v2/*.py`` (accounts
  ``/trading/accounts/list``, balance ``/trading/assets/balances/get``, positions
  ``/trading/assets/positions/list``); the client's start-up call ``GET /openapi/config``
  (``webull/core/http/initializer/config/bean/query_config_request.py``).
* Signature: ``webull/core/auth/composer/default_signature_composer.py`` (HMAC-SHA256 over the
  path, the sorted lower-cased ``x-app-key``, ``x-timestamp``, ``x-signature-version``,
  ``x-signature-algorithm``, ``x-signature-nonce`` and ``host`` headers plus the query, then the
  upper-case SHA-256 of the compact JSON body; key ``app_secret + "&"``; percent-encoded).
  The host signed is the endpoint given to ``add_endpoint`` (a bare host).
* Reply shapes: Webull's Java SDK models (``trade/response/v3/OrderHistory.java``,
  ``NOrderItem.java``, ``TradeOrderResponse.java``, ``AccountBalanceInfo.java``,
  ``AccountAssetInfo.java``, ``AccountPositionsInfo.java``, ``Account.java``,
  ``PaginatedResult.java``) in snake_case; statuses ``SUBMITTED``, ``PARTIAL_FILLED``,
  ``FILLED``, ``CANCELLED``, ``FAILED`` (``webull/trade/common/order_status.py``).
* Errors ``{"error_code": ..., "message": ...}`` (parsed by ``webull/core/client.py``); a
  repeated client order id is HTTP 417 ``OAUTH_OPENAPI_TRADE_PLACE_ORDER_REPEAT``
  (BROKER_FACTS.md, from reports of the sandbox). The codes for an unknown order
  (``ORDER_NOT_FOUND``, HTTP 404), a closed market (``TRADE_MARKET_CLOSED``) and a refused order
  (``INSUFFICIENT_BUYING_POWER``, HTTP 400) are assumptions of this fake: Webull does not
  publish them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote

from exchange import Closed, Duplicate, Exchange, FakeOrder, Rejected
from fakeserver import FakeServer, Reply

APP_KEY, APP_SECRET, ACCOUNT = "wb-test-app-key", "wb-test-app-secret", "ACCT0000TEST42"
HOST = "127.0.0.1"
PAGE = 2
STATUS = {
    "open": "SUBMITTED",
    "partial": "PARTIAL_FILLED",
    "filled": "FILLED",
    "canceled": "CANCELLED",
    "rejected": "FAILED",
}
SIGNED = (
    "x-app-key",
    "x-timestamp",
    "x-signature-version",
    "x-signature-algorithm",
    "x-signature-nonce",
)


def expected_signature(
    path: str, query: dict[str, str], headers: dict[str, str], body: bytes
) -> str:
    """The signature the SDK must have sent (see the module docstring)."""
    params = {k: headers.get(k, "") for k in SIGNED}
    params["host"] = HOST
    for k, v in query.items():
        params[k] = f"{params[k]}&{v}" if k in params else v
    text = path + "&" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    if body:
        text += "&" + hashlib.sha256(body).hexdigest().upper()
    digest = hmac.new((APP_SECRET + "&").encode(), quote(text, safe="").encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _error(status: int, code: str, message: str) -> Reply:
    return status, {}, {"error_code": code, "message": message}


def item_json(o: FakeOrder) -> dict[str, Any]:
    """An order item as in ``NOrderItem``."""
    return {
        "client_order_id": o.cid,
        "order_id": o.oid,
        "symbol": o.symbol,
        "side": o.side.upper(),
        "status": STATUS[o.status],
        "order_type": o.order_type.upper(),
        "instrument_type": "EQUITY",
        "entrust_type": "QTY",
        "support_trading_session": "CORE",
        "time_in_force": "DAY",
        "total_quantity": f"{o.qty:g}",
        "filled_quantity": f"{o.filled:g}",
        "remain_quantity": f"{o.qty - o.filled:g}",
        "filled_price": f"{o.avg:.4f}" if o.filled else "0",
        "limit_price": f"{o.limit:g}" if o.limit else None,
        "place_time_at": str(int(o.created.timestamp() * 1000)),
        "filled_time_at": str(int(o.updated.timestamp() * 1000)) if o.filled else None,
        "fees": [{"type": "REGULATORY", "amount": f"{o.fees:.2f}", "currency": "USD"}]
        if o.fees
        else [],
    }


def history_json(o: FakeOrder) -> dict[str, Any]:
    """An order as in ``OrderHistory``."""
    return {"client_order_id": o.cid, "combo_type": "NORMAL", "orders": [item_json(o)]}


class WebullApi:
    """The fake's endpoints over ``ex`` (one method per path)."""

    def __init__(self, ex: Exchange, *, token_check: bool = False) -> None:
        self.ex = ex
        self.token_check = token_check
        self.table = {
            ("GET", "/openapi/config"): self.config,
            ("GET", "/trading/accounts/list"): self.accounts,
            ("POST", "/trading/orders/place"): self.place,
            ("GET", "/trading/orders/get"): self.detail,
            ("POST", "/trading/orders/cancel"): self.cancel,
            ("GET", "/trading/orders/open-orders/list"): self.open_orders,
            ("GET", "/trading/assets/positions/list"): self.positions,
            ("GET", "/trading/assets/balances/get"): self.balance,
        }

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        """Verify the signature, then dispatch."""
        if headers.get("x-app-key") != APP_KEY:
            return _error(401, "INVALID_APP_KEY", "app key not found")
        if headers.get("x-signature-algorithm") != "HMAC-SHA256" or headers.get(
            "x-signature"
        ) != expected_signature(path, query, headers, body):
            return _error(401, "INVALID_SIGNATURE", "signature mismatch")
        if self.token_check and path.startswith("/openapi/auth/token"):
            return 200, {}, {"token": "tok-1", "expires": 1999999999999, "status": "NORMAL"}
        if path.startswith("/trading/") and query.get("account_id", ACCOUNT) != ACCOUNT:
            return _error(403, "ACCOUNT_NOT_AUTHORIZED", "account not authorized")
        handler = self.table.get((method, path))
        if handler is None:
            return _error(404, "NOT_FOUND", f"no route {method} {path}")
        return handler(query, body)

    def config(self, query: dict[str, str], body: bytes) -> Reply:
        return 200, {}, {"token_check_enabled": self.token_check}

    def accounts(self, query: dict[str, str], body: bytes) -> Reply:
        return (
            200,
            {},
            [
                {
                    "account_id": ACCOUNT,
                    "account_number": "5MV00001",
                    "account_type": "CASH",
                    "account_class": "INDIVIDUAL_CASH",
                    "account_label": "Individual Cash",
                }
            ],
        )

    def place(self, query: dict[str, str], body: bytes) -> Reply:
        data = json.loads(body)
        if data.get("account_id") != ACCOUNT:
            return _error(403, "ACCOUNT_NOT_AUTHORIZED", "account not authorized")
        order = data["new_orders"][0]
        if len(str(order["client_order_id"])) > 32:
            return _error(400, "INVALID_PARAMETER", "client_order_id longer than 32")
        try:
            o = self.ex.submit(
                str(order["client_order_id"]),
                str(order["symbol"]),
                str(order["side"]).lower(),
                float(order["quantity"]),
                str(order["order_type"]).lower(),
                float(order["limit_price"]) if order.get("limit_price") else None,
            )
        except Duplicate:
            return _error(417, "OAUTH_OPENAPI_TRADE_PLACE_ORDER_REPEAT", "order repeat")
        except Rejected as exc:
            return _error(400, "INSUFFICIENT_BUYING_POWER", str(exc))
        except Closed:
            return _error(400, "TRADE_MARKET_CLOSED", "the market is closed")
        return 200, {}, {"client_order_id": o.cid, "order_id": o.oid}

    def detail(self, query: dict[str, str], body: bytes) -> Reply:
        o = self.ex.orders.get(query.get("client_order_id", ""))
        return (200, {}, history_json(o)) if o else _error(404, "ORDER_NOT_FOUND", "no order")

    def cancel(self, query: dict[str, str], body: bytes) -> Reply:
        o = self.ex.cancel(str(json.loads(body)["client_order_id"]))
        if o is None:
            return _error(404, "ORDER_NOT_FOUND", "no order")
        return 200, {}, {"client_order_id": o.cid, "order_id": o.oid}

    def open_orders(self, query: dict[str, str], body: bytes) -> Reply:
        orders = self.ex.open_orders()
        start = int(query.get("pagination_key") or 0)
        more = start + PAGE < len(orders)
        return (
            200,
            {},
            {
                "data": [history_json(o) for o in orders[start : start + PAGE]],
                "pagination_key": str(start + PAGE) if more else None,
            },
        )

    def positions(self, query: dict[str, str], body: bytes) -> Reply:
        ex = self.ex
        return (
            200,
            {},
            [
                {
                    "position_id": f"P-{s}",
                    "symbol": s,
                    "currency": "USD",
                    "instrument_type": "EQUITY",
                    "quantity": f"{q:g}",
                    "cost_price": f"{ex.prices[s]:.2f}",
                    "last_price": f"{ex.prices[s]:.2f}",
                    "market_value": f"{q * ex.prices[s]:.2f}",
                }
                for s, q in sorted(ex.positions.items())
            ],
        )

    def balance(self, query: dict[str, str], body: bytes) -> Reply:
        ex = self.ex
        value = sum(q * ex.prices[s] for s, q in ex.positions.items())
        return (
            200,
            {},
            {
                "total_asset_currency": "USD",
                "total_cash_balance": f"{ex.cash:.2f}",
                "total_market_value": f"{value:.2f}",
                "total_net_liquidation_value": f"{ex.cash + value:.2f}",
                "account_currency_assets": [
                    {
                        "currency": "USD",
                        "cash_balance": f"{ex.cash:.2f}",
                        "market_value": f"{value:.2f}",
                        "buying_power": f"{ex.cash:.2f}",
                    }
                ],
            },
        )


def serve(ex: Exchange, *, token_check: bool = False) -> FakeServer:
    """A running fake Webull OpenAPI for ``ex``."""
    return FakeServer(ex, WebullApi(ex, token_check=token_check).route)
