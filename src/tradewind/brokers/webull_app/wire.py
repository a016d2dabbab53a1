"""The app's paper account (``webull.paper_webull``) as a
:class:`~tradewind.brokers.wire.BrokerWire`, with idempotency emulated.

The unofficial API has no client order id (each order gets a random ``serialId``), so a retry
after a timeout, or a restart after a crash between the order reaching Webull and its answer,
could place the order twice. This wire emulates what Alpaca and the OpenAPI do natively:

1. the request is written to a small SQLite file (``<db>.webull_app-orders.db``) before it is
   sent, and Webull's ``orderId`` is added to it right after Webull answers;
2. **before any placement**, and for any lookup of a request whose ``orderId`` is missing (the
   process died between Webull's acceptance and its answer), the open orders and the most
   recent orders are searched for one with the same symbol, side and quantity placed at or
   after the request (within :data:`MATCH_WINDOW`), not mapped to another id and not failed; one
   found is adopted instead of placing again (a failed order moved nothing, so placing again
   after one cannot duplicate a position).

This is best-effort: two identical orders for the same symbol within the window cannot be told
apart, and a field renamed by Webull breaks it. Stops cannot be held at the broker on this
route: every stop is emulated by tradewind's risk manager. Whole shares only.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tradewind.brokers.errors import BrokerAuthError, MalformedReply
from tradewind.brokers.wire import AccountSnapshot, BrokerOrder, DuplicateClientOrderId, MarketClock
from tradewind.domain.errors import ConfigError, OrderRejected, TransientBrokerError
from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side

MATCH_WINDOW = timedelta(minutes=30)
STATUS_MAP: dict[str, OrderStatus] = {
    "Working": OrderStatus.NEW,
    "Pending": OrderStatus.NEW,
    "Partial Filled": OrderStatus.PARTIALLY_FILLED,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELED,
    "Failed": OrderStatus.REJECTED,
}
"""The app's order ``statusStr`` -> tradewind (anything else: ``unknown``)."""


class WebullAppWire:
    """The app's paper account (see the module docstring).

    Parameters
    ----------
    email, password, trade_pin
        The app's login (never logged).
    timeout
        Deadline of each request, seconds (the package's own ``timeout``).
    map_path
        The client-id -> order-id map file.
    base_url
        One address standing in for every host of the package (``broker.base_url``: a proxy,
        a local test server), each under ``/<attribute name>`` (``/base_paper_url/...``).
    state_dir
        Where the package's device-id file goes (default: the working directory).
    """

    name = "webull_app"

    def __init__(
        self,
        email: str,
        password: str,
        *,
        trade_pin: str | None,
        timeout: float,
        map_path: str | Path = ":memory:",
        base_url: str | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self._email, self._password, self._pin = email, password, trade_pin
        self._timeout = timeout
        self._base_url = base_url
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._client: Any = None
        self._logged_in = False
        self._package = _paper_webull()  # refuse at once in an environment without it
        self._map = sqlite3.connect(str(map_path), isolation_level=None, timeout=30.0)
        self._map.execute(
            "CREATE TABLE IF NOT EXISTS app_orders (client_order_id TEXT PRIMARY KEY, "
            "order_id TEXT UNIQUE, symbol TEXT NOT NULL, side TEXT NOT NULL, "
            "quantity REAL NOT NULL, created_at TEXT NOT NULL)"
        )

    # --- session ---------------------------------------------------------------------------
    @property
    def wb(self) -> Any:
        """The logged-in ``paper_webull`` client."""
        if self._client is None:
            self._client = self._new_client()
        if not self._logged_in:
            client = self._client
            client.timeout = self._timeout
            result = self._guard(lambda: client.login(self._email, self._password))
            if not isinstance(result, dict) or "accessToken" not in result:
                said = result.get("msg", result) if isinstance(result, dict) else result
                raise BrokerAuthError(
                    f"the Webull app refused the login ({said}); check WEBULL_EMAIL / "
                    "WEBULL_PASSWORD, log in once in the app on this device (captcha, MFA), "
                    "or use the official OpenAPI (broker.name: webull)"
                )
            if self._pin and not self._guard(lambda: client.get_trade_token(self._pin)):
                raise BrokerAuthError("the Webull app refused WEBULL_TRADE_PIN; check it")
            if self._guard(client.get_account_id) is None:
                raise BrokerAuthError("the Webull app shows no paper account for this login")
            self._logged_in = True
        return self._client

    def _new_client(self) -> Any:
        """A ``paper_webull`` whose device-id file (``did.bin``, written in the working
        directory by its constructor) goes to ``state_dir``, pointed at ``base_url`` if set."""
        paper_webull = self._package
        if self._state_dir is not None:
            self._state_dir.mkdir(parents=True, exist_ok=True)
        previous = Path.cwd()
        try:  # the package offers no other way to place did.bin (nor its token files)
            if self._state_dir is not None:
                os.chdir(self._state_dir)
            client = paper_webull()
        finally:
            os.chdir(previous)
        if self._base_url is not None:  # every host of the package, under one address
            for attr in list(vars(client._urls)):
                if attr.startswith("base_"):
                    setattr(client._urls, attr, f"{self._base_url}/{attr}")
        return client

    # --- BrokerWire ------------------------------------------------------------------------
    def place(self, request: OrderRequest) -> BrokerOrder | None:
        """Place a paper order, unless one matching it is already there (adopted instead)."""
        cid = request.client_order_id
        if self._order_id(cid) is not None or self._adopt(request) is not None:
            raise DuplicateClientOrderId(f"{cid}: already placed (matched on the app)")
        quantity = int(round(request.quantity))
        if abs(quantity - request.quantity) > 1e-9 or quantity <= 0:
            raise OrderRejected(f"{cid}: the app route trades whole shares only")
        self._intend(request)
        limit = request.order_type is OrderType.LIMIT
        reply = self._guard(
            lambda: self.wb.place_order(
                stock=request.symbol,
                price=float(request.limit_price or 0.0),
                action="BUY" if request.side is Side.BUY else "SELL",
                orderType="LMT" if limit else "MKT",
                enforce="DAY",
                quant=quantity,
                outsideRegularTradingHour=False,
            )
        )
        order_id = reply.get("orderId") if isinstance(reply, dict) else None
        if not order_id:
            said = reply.get("msg", reply) if isinstance(reply, dict) else reply
            raise OrderRejected(f"{cid}: the Webull app refused the order ({said})")
        self._remember(request, str(order_id))
        return None

    def get(self, client_order_id: ClientOrderId) -> BrokerOrder | None:
        """The order mapped to our id (or matched and then mapped), None if none is there."""
        order_id = self._order_id(client_order_id)
        if order_id is None:
            request = self._intended(client_order_id)
            order_id = self._adopt(request) if request is not None else None
        if order_id is None:
            return None
        for item in self._orders():
            if str(item.get("orderId")) == order_id:
                return _order(item, client_order_id)
        return None

    def cancel(self, client_order_id: ClientOrderId) -> None:
        """Cancel the mapped order."""
        order_id = self._order_id(client_order_id)
        if order_id is not None:
            self._guard(lambda: self.wb.cancel_order(order_id))

    def open_orders(self) -> list[BrokerOrder]:
        """Open paper orders (those tradewind mapped carry our id, the others Webull's)."""
        ids = dict(
            self._map.execute(
                "SELECT order_id, client_order_id FROM app_orders WHERE order_id IS NOT NULL"
            )
        )
        out = []
        for item in self._guard(self.wb.get_current_orders) or []:
            oid = str(item.get("orderId"))
            out.append(_order(item, ClientOrderId(ids.get(oid, f"app-{oid}"))))
        return out

    def positions(self) -> dict[str, float]:
        """Paper positions."""
        out: dict[str, float] = {}
        for p in self._guard(self.wb.get_positions) or []:
            symbol = (p.get("ticker") or {}).get("symbol")
            if not symbol:
                raise MalformedReply("the app sent a position without a symbol")
            out[str(symbol)] = float(p.get("position", 0))
        return {s: q for s, q in out.items() if q}

    def account(self) -> AccountSnapshot:
        """The paper account's cash and value."""
        acct: Any = self._guard(self.wb.get_account)
        if not isinstance(acct, dict):
            raise MalformedReply("the app's paper account reply is not an object")
        try:
            return AccountSnapshot(
                account_id=str(acct.get("id", self.wb._account_id)),
                cash=float(acct["usableCash"]),
                equity=float(acct.get("netLiquidation") or acct["usableCash"]),
                paper=True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedReply(f"the app's paper account lacks {exc}") from None

    def clock(self) -> MarketClock:
        """The NYSE calendar (the app route has no clock call)."""
        import pandas as pd

        from tradewind.calendar import nyse

        now = pd.Timestamp.now(tz="UTC")
        cal = nyse()
        return MarketClock(
            cal.is_open(now),
            cal.next_open(now).to_pydatetime(),
            cal.next_close(now).to_pydatetime(),
        )

    # --- idempotency emulation ---------------------------------------------------------------
    def _order_id(self, cid: str) -> str | None:
        row = self._map.execute(
            "SELECT order_id FROM app_orders WHERE client_order_id = ?", (cid,)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def _intend(self, request: OrderRequest) -> None:
        """Write the request down (no order id yet) before it is sent."""
        self._map.execute(
            "INSERT OR IGNORE INTO app_orders VALUES (?, NULL, ?, ?, ?, ?)",
            (
                request.client_order_id,
                request.symbol,
                request.side.value,
                request.quantity,
                request.created_at.astimezone(UTC).isoformat(),
            ),
        )

    def _intended(self, cid: str) -> OrderRequest | None:
        row = self._map.execute(
            "SELECT symbol, side, quantity, created_at FROM app_orders WHERE "
            "client_order_id = ? AND order_id IS NULL",
            (cid,),
        ).fetchone()
        if row is None:
            return None
        from tradewind.domain.types import Symbol

        return OrderRequest(
            ClientOrderId(cid),
            Symbol(str(row[0])),
            Side(str(row[1])),
            float(row[2]),
            datetime.fromisoformat(str(row[3])),
        )

    def _remember(self, request: OrderRequest, order_id: str) -> None:
        self._intend(request)
        self._map.execute(
            "UPDATE app_orders SET order_id = ? WHERE client_order_id = ?",
            (order_id, request.client_order_id),
        )

    def _orders(self) -> list[dict[str, Any]]:
        current = self._guard(self.wb.get_current_orders) or []
        recent = self._guard(lambda: self.wb.get_history_orders(status="All", count=50)) or []
        return [o for o in [*current, *recent] if isinstance(o, dict)]

    def _adopt(self, request: OrderRequest) -> str | None:
        """An unmapped app order matching ``request`` (adopted: mapped to its id), or None."""
        mapped = {
            str(r[0])
            for r in self._map.execute("SELECT order_id FROM app_orders WHERE order_id IS NOT NULL")
        }
        since = request.created_at.astimezone(UTC) - timedelta(seconds=5)
        for item in self._orders():
            oid = str(item.get("orderId"))
            placed = _ms(item.get("createTime0"))
            if oid in mapped or placed is None or not since <= placed <= since + MATCH_WINDOW:
                continue
            if STATUS_MAP.get(str(item.get("statusStr"))) is OrderStatus.REJECTED:
                continue  # a failed order moved nothing: placing again cannot duplicate
            if (
                (item.get("ticker") or {}).get("symbol") == request.symbol
                and str(item.get("action")) == request.side.value.upper()
                and abs(float(item.get("totalQuantity", 0)) - request.quantity) < 1e-9
            ):
                self._remember(request, oid)
                return oid
        return None

    def _guard(self, call: Any) -> Any:
        import requests

        try:
            return call()
        except requests.Timeout as exc:
            raise TransientBrokerError(f"the Webull app did not answer in time ({exc})") from None
        except requests.RequestException as exc:
            raise TransientBrokerError(f"cannot reach the Webull app's servers ({exc})") from None
        except ValueError as exc:  # the package's .json() on a non-JSON reply
            raise MalformedReply(f"the Webull app's reply could not be read ({exc})") from None


def _paper_webull() -> Any:
    """The unofficial package's ``paper_webull`` class, or :class:`ConfigError` saying how to
    get the environment that has it (``.venv`` has the official SDK under the same name)."""
    try:
        from webull import paper_webull
    except ImportError:
        raise ConfigError(
            "broker.name: webull_app needs the unofficial 'webull' package, which cannot share "
            "an environment with the official SDK; run `make venv-webull-app` and start "
            "tradewind from .venv-webull-app/bin/tradewind"
        ) from None
    return paper_webull


def _ms(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value) / 1000.0, UTC)
    except (TypeError, ValueError):
        return None


def _order(item: dict[str, Any], cid: ClientOrderId) -> BrokerOrder:
    raw = str(item.get("statusStr", item.get("status", "")))
    action = str(item.get("action", "")).upper()
    symbol = (item.get("ticker") or {}).get("symbol")
    if action not in ("BUY", "SELL") or not symbol:
        raise MalformedReply(f"the app's order {item.get('orderId')} lacks action or symbol")
    created = _ms(item.get("createTime0")) or datetime.now(UTC)
    filled = float(item.get("filledQuantity", 0) or 0)
    return BrokerOrder(
        client_order_id=cid,
        broker_order_id=str(item.get("orderId")),
        symbol=str(symbol),
        side=Side.BUY if action == "BUY" else Side.SELL,
        quantity=float(item.get("totalQuantity", 0)),
        status=STATUS_MAP.get(raw, OrderStatus.UNKNOWN),
        filled_quantity=filled,
        average_price=float(item.get("avgFilledPrice", 0) or 0) if filled else 0.0,
        created_at=created,
        updated_at=_ms(item.get("filledTime0")) or created,
        order_type=OrderType.LIMIT if item.get("orderType") == "LMT" else OrderType.MARKET,
        limit_price=float(item.get("lmtPrice") or 0) or None,
        message=raw if raw in ("Failed", "Cancelled") else "",
        raw_status=raw,
    )
