"""A fake of the Webull app's paper-trading endpoints, as the unofficial ``webull`` package
(0.6.1) calls them, on loopback.

Sources: the package's ``webull/endpoints.py`` (paths: ``/user/v1/login/account/v2``,
``/myaccounts/true``, ``/paper/1/acc/{id}``, ``/paper/1/acc/{id}/order?...&status=``,
``/paper/1/acc/{id}/orderop/place/{tickerId}``, ``/paper/1/acc/{id}/orderop/cancel/{orderId}``,
``/search/pc/tickers?keyword=``, ``/trading/v1/global/trade/login``) and ``webull/webull.py``
(``login`` reads ``accessToken``, ``refreshToken``, ``tokenExpireTime``, ``uuid``;
``paper_webull.get_account_id`` reads ``[0]["id"]``; ``get_current_orders`` / ``get_positions``
read ``openOrders`` / ``positions``; ``place_order`` posts ``action``, ``orderType``,
``quantity``, ``tickerId``, ``timeInForce``; ``get_ticker`` reads ``data[].symbol/tickerId``).
Each package host is served under ``/<attribute name>`` (the adapter's ``base_url``). The order
and position fields (``orderId``, ``ticker.symbol``, ``action``, ``totalQuantity``,
``filledQuantity``, ``avgFilledPrice``, ``statusStr``, ``createTime0``, ``filledTime0``,
``position``, ``usableCash``, ``netLiquidation``) are those the adapter reads; Webull does not
document this private API, so they are the package community's, not verified here against the
app.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from exchange import Closed, Exchange, FakeOrder, Rejected
from fakeserver import FakeServer, Reply

LOGIN, PASSWORD, ACCOUNT = "+1-5555550100", "pw", 777
STATUS = {
    "open": "Working",
    "partial": "Partial Filled",
    "filled": "Filled",
    "canceled": "Cancelled",
    "rejected": "Failed",
}


def _ms(order_time: Any) -> int:
    return int(order_time.timestamp() * 1000)


def order_json(o: FakeOrder, tickers: dict[str, int]) -> dict[str, Any]:
    return {
        "orderId": int(o.oid),
        "ticker": {"symbol": o.symbol, "tickerId": tickers[o.symbol]},
        "action": o.side.upper(),
        "orderType": "LMT" if o.limit else "MKT",
        "lmtPrice": f"{o.limit:g}" if o.limit else None,
        "totalQuantity": f"{o.qty:g}",
        "filledQuantity": f"{o.filled:g}",
        "avgFilledPrice": f"{o.avg:.4f}" if o.filled else "0",
        "statusStr": STATUS[o.status],
        "createTime0": _ms(o.created),
        "filledTime0": _ms(o.updated) if o.filled else None,
    }


class AppApi:
    """The fake's endpoints (one method per path)."""

    def __init__(self, ex: Exchange) -> None:
        self.ex = ex
        self.tickers = {s: 900 + i for i, s in enumerate(sorted(ex.prices))}
        self.next_id = 5000
        self.logins = 0

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Reply:
        if path.endswith("/user/v1/login/account/v2"):
            return self.login(body)
        if path.endswith("/search/pc/tickers"):
            sym = query.get("keyword", "")
            return 200, {}, {"data": [{"symbol": sym, "tickerId": self.tickers.get(sym, 0)}]}
        if headers.get("access_token") != "acc-1":
            return 403, {}, {"msg": "please log in"}
        if path.endswith("/trading/v1/global/trade/login"):
            return 200, {}, {"tradeToken": "tt-1"}
        if path.endswith("/myaccounts/true"):
            return 200, {}, [{"id": ACCOUNT}]
        base = f"/paper/1/acc/{ACCOUNT}"
        if method == "GET" and path.endswith(base):
            return self.account()
        if method == "GET" and path.endswith(base + "/order"):
            orders = sorted(self.ex.orders.values(), key=lambda o: o.created, reverse=True)
            return 200, {}, [order_json(o, self.tickers) for o in orders]
        if method == "POST" and "/orderop/place/" in path:
            return self.place(body)
        if method == "POST" and "/orderop/cancel/" in path:
            oid = path.rsplit("/", 1)[1]
            found = [o for o in self.ex.orders.values() if o.oid == oid]
            if found:
                self.ex.cancel(found[0].cid)
            return 200, {}, {}
        return 404, {}, {"msg": f"no route {method} {path}"}

    def login(self, body: bytes) -> Reply:
        data = json.loads(body)
        salted = hashlib.md5(("wl_app-a&b@!423^" + PASSWORD).encode()).hexdigest()  # noqa: S324
        if data.get("account") != LOGIN or data.get("pwd") != salted:
            return 200, {}, {"msg": "Incorrect password or username.", "code": "phone.illegal"}
        self.logins += 1
        return (
            200,
            {},
            {
                "accessToken": "acc-1",
                "refreshToken": "ref-1",
                "tokenExpireTime": "2099-01-01T00:00:00.000+0000",
                "uuid": "u-1",
            },
        )

    def account(self) -> Reply:
        ex = self.ex
        value = sum(q * ex.prices[s] for s, q in ex.positions.items())
        return (
            200,
            {},
            {
                "id": ACCOUNT,
                "usableCash": f"{ex.cash:.2f}",
                "netLiquidation": f"{ex.cash + value:.2f}",
                "positions": [
                    {"ticker": {"symbol": s, "tickerId": self.tickers[s]}, "position": f"{q:g}"}
                    for s, q in sorted(ex.positions.items())
                ],
                "openOrders": [order_json(o, self.tickers) for o in ex.open_orders()],
            },
        )

    def place(self, body: bytes) -> Reply:
        data = json.loads(body)
        symbol = {v: k for k, v in self.tickers.items()}.get(int(data["tickerId"]), "?")
        self.next_id += 1
        try:  # the app knows no client order id: every placement is a new order
            o = self.ex.submit(
                f"app-{self.next_id}",
                symbol,
                str(data["action"]).lower(),
                float(data["quantity"]),
                "limit" if data["orderType"] == "LMT" else "market",
                float(data["lmtPrice"]) if data["orderType"] == "LMT" else None,
            )
        except (Rejected, Closed) as exc:
            refused = self.ex.orders.get(f"app-{self.next_id}")
            if refused is not None:
                refused.oid = str(self.next_id)
            return 200, {}, {"msg": str(exc), "success": False}
        o.oid = str(self.next_id)
        return 200, {}, {"orderId": self.next_id}


def serve(ex: Exchange) -> tuple[FakeServer, AppApi]:
    api = AppApi(ex)
    return FakeServer(ex, api.route), api
