"""Alpaca's trading API through ``alpaca-py``'s ``TradingClient``, as a
:class:`~tradewind.brokers.wire.BrokerWire`.

What the SDK does not do, done here:

* **Deadlines.** ``TradingClient`` calls ``requests`` with no timeout, so a hung connection
  would block the service forever. Its session is given a default timeout
  (``broker.timeout_seconds``); the SDK offers no parameter for it.
* **Retries.** The SDK retries HTTP 429 and 504 on every method, POST included, after a fixed
  3 s and ignoring ``Retry-After``. Its retries are turned off (``_retry = 0``, again no
  parameter): a 429 is retried by :mod:`tradewind.brokers.ratelimit` after ``Retry-After``, a
  504 on a submit is a transient error, and the order manager looks the order up by client id
  before anything is sent again.
* **Repeated client order id.** HTTP 422 with code 40010001 ("client_order_id must be unique")
  means the first submission arrived: :class:`DuplicateClientOrderId`, then a lookup.

Alpaca's order statuses map onto tradewind's through :data:`STATUS_MAP` (the README shows it);
a status not in the map becomes ``unknown`` and is settled by reconciliation.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, QueryOrderStatus, TimeInForce
from alpaca.trading.models import Clock, Position, TradeAccount
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.requests import GetOrdersRequest, LimitOrderRequest, MarketOrderRequest
from pydantic import ValidationError

from tradewind.brokers.alpaca import activities
from tradewind.brokers.errors import (
    BrokerAuthError,
    MalformedReply,
    MarketClosed,
    RateLimited,
)
from tradewind.brokers.wire import (
    AccountSnapshot,
    BrokerOrder,
    DuplicateClientOrderId,
    MarketClock,
)
from tradewind.domain.cash import CashActivity
from tradewind.domain.errors import OrderRejected, TransientBrokerError
from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderStatus, OrderType, Side

DUPLICATE_CODE = 40010001
"""Alpaca's error code for a repeated ``client_order_id`` (HTTP 422)."""

STATUS_MAP: dict[str, OrderStatus] = {
    "new": OrderStatus.NEW,
    "accepted": OrderStatus.NEW,
    "pending_new": OrderStatus.NEW,
    "accepted_for_bidding": OrderStatus.NEW,
    "held": OrderStatus.NEW,
    "pending_review": OrderStatus.NEW,
    "pending_replace": OrderStatus.NEW,
    "stopped": OrderStatus.NEW,
    "suspended": OrderStatus.NEW,
    "done_for_day": OrderStatus.NEW,
    "calculated": OrderStatus.FILLED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "pending_cancel": OrderStatus.PENDING_CANCEL,
    "canceled": OrderStatus.CANCELED,
    "replaced": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
}
"""Alpaca order status -> tradewind order status (anything else: ``unknown``)."""

_AUTH_FIX = (
    "check ALPACA_API_KEY and ALPACA_SECRET_KEY in the environment or .env; paper and live "
    "accounts have different keys, and broker.paper_trading picks the host ({host})"
)


class _DeadlineSession(requests.Session):
    """A ``requests`` session whose every call has a timeout unless one is given."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


class AlpacaWire:
    """Alpaca through ``alpaca-py`` (see the module docstring).

    Parameters
    ----------
    api_key, secret_key
        The account's keys (never logged).
    paper
        Paper (True) or live account.
    timeout
        Deadline of each HTTP request, seconds.
    base_url
        Another host than Alpaca's (a proxy, a local test server).
    """

    name = "alpaca"

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        paper: bool,
        timeout: float,
        base_url: str | None = None,
    ) -> None:
        self.paper = paper
        self.client = TradingClient(api_key, secret_key, paper=paper, url_override=base_url)
        # No constructor parameter exists for either: see the module docstring.
        self.client._session = _DeadlineSession(timeout)
        self.client._retry = 0
        self.host = str(self.client._base_url)

    # --- BrokerWire ------------------------------------------------------------------------
    def place(self, request: OrderRequest) -> BrokerOrder | None:
        """POST /v2/orders with our client order id."""
        side = OrderSide.BUY if request.side is Side.BUY else OrderSide.SELL
        common: dict[str, Any] = {
            "symbol": request.symbol,
            "qty": request.quantity,
            "side": side,
            "time_in_force": TimeInForce.DAY,
            "client_order_id": request.client_order_id,
        }
        try:
            data: MarketOrderRequest | LimitOrderRequest
            if request.order_type is OrderType.LIMIT:
                data = LimitOrderRequest(limit_price=request.limit_price, **common)
            else:
                data = MarketOrderRequest(**common)
        except (ValidationError, ValueError) as exc:
            raise OrderRejected(
                f"{request.client_order_id}: Alpaca cannot take it: {exc}"
            ) from None
        reply = self._do(lambda: self.client.submit_order(data), placing=request.client_order_id)
        return _order(reply)

    def get(self, client_order_id: ClientOrderId) -> BrokerOrder | None:
        """GET /v2/orders:by_client_order_id (None on 404)."""
        try:
            reply = self._do(lambda: self.client.get_order_by_client_id(client_order_id))
        except _NotFound:
            return None
        return _order(reply)

    def cancel(self, client_order_id: ClientOrderId) -> None:
        """DELETE /v2/orders/{id} (the id found by client order id)."""
        found = self.get(client_order_id)
        if found is None:
            return
        try:
            self._do(lambda: self.client.cancel_order_by_id(found.broker_order_id))
        except (_NotFound, OrderRejected):  # gone, or final meanwhile: nothing to cancel
            return

    def open_orders(self) -> list[BrokerOrder]:
        """GET /v2/orders?status=open (up to 500)."""
        query = GetOrdersRequest(status=QueryOrderStatus.OPEN, limit=500)
        reply = self._do(lambda: self.client.get_orders(query))
        if not isinstance(reply, list):
            raise MalformedReply("Alpaca's open orders are not a list")
        return [_order(o) for o in reply]

    def positions(self) -> dict[str, float]:
        """GET /v2/positions."""
        reply = self._do(self.client.get_all_positions)
        if not isinstance(reply, list):
            raise MalformedReply("Alpaca's positions are not a list")
        out: dict[str, float] = {}
        for p in reply:
            if not isinstance(p, Position):
                raise MalformedReply("Alpaca sent a position it could not read")
            qty = _number(p.qty, "position qty")
            if _text(p.side) == "short" and qty > 0:
                qty = -qty
            if qty != 0:
                out[p.symbol] = qty
        return out

    def account(self) -> AccountSnapshot:
        """GET /v2/account."""
        acct = self._do(self.client.get_account)
        if not isinstance(acct, TradeAccount):
            raise MalformedReply("Alpaca's account reply could not be read")
        return AccountSnapshot(
            account_id=str(acct.account_number),
            cash=_number(acct.cash, "account cash"),
            equity=_number(acct.equity, "account equity"),
            paper=self.paper,
            trading_blocked=bool(acct.trading_blocked or acct.account_blocked),
            currency=acct.currency or "USD",
        )

    def clock(self) -> MarketClock:
        """GET /v2/clock."""
        clock = self._do(self.client.get_clock)
        if not isinstance(clock, Clock):
            raise MalformedReply("Alpaca's clock reply could not be read")
        return MarketClock(clock.is_open, _utc(clock.next_open), _utc(clock.next_close))

    # --- ActivityWire (tradewind.brokers.activities) -------------------------------------
    def cash_activities(self, after: datetime) -> list[CashActivity]:
        """GET /v2/account/activities: dividends and interest after ``after``, oldest first
        (:mod:`tradewind.brokers.alpaca.activities`)."""
        entries = self._do(lambda: activities.list_activities(self.client.get, after))
        found = [activities.parse(e) for e in entries]
        return [a for a in found if a is not None]

    # --- errors ----------------------------------------------------------------------------
    def _do(self, call: Any, placing: str | None = None) -> Any:
        """Run an SDK call, mapping its failures (see :mod:`tradewind.brokers.errors`)."""
        try:
            return call()
        except APIError as exc:
            raise self._mapped(exc, placing) from None
        except requests.Timeout as exc:
            raise TransientBrokerError(f"Alpaca did not answer in time ({exc})") from None
        except requests.JSONDecodeError as exc:  # also a RequestException: before it
            raise MalformedReply(f"Alpaca's reply is not JSON ({exc})") from None
        except requests.RequestException as exc:
            raise TransientBrokerError(f"cannot reach Alpaca at {self.host} ({exc})") from None
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            raise MalformedReply(f"Alpaca's reply could not be read: {exc}") from None

    def _mapped(self, exc: APIError, placing: str | None) -> Exception:
        status = exc.status_code or 0
        code, message = _error_body(str(exc))
        said = f"Alpaca answered HTTP {status}" + (f" {code}" if code else "") + f": {message}"
        if status == 429:
            return RateLimited(said, _retry_after(exc))
        if status == 404:
            return _NotFound(said)
        if placing is not None and status == 422 and code == DUPLICATE_CODE:
            return DuplicateClientOrderId(said)
        if status == 401 or (status == 403 and placing is None):
            return BrokerAuthError(f"{said}; " + _AUTH_FIX.format(host=self.host))
        if status >= 500 or status == 0:
            return TransientBrokerError(said)
        if placing is None and status in (400, 409, 422):  # e.g. "order is not cancelable"
            return OrderRejected(said)
        if placing is not None:
            text = f"{placing}: {said}"
            return (
                MarketClosed(text)
                if "market" in message.lower() and "closed" in message.lower()
                else OrderRejected(text)
            )
        return MalformedReply(said)


class _NotFound(Exception):  # noqa: N818 - internal signal
    """HTTP 404."""


def _error_body(text: str) -> tuple[int | str | None, str]:
    try:
        body = json.loads(text)
    except ValueError:
        return None, text[:200]
    if not isinstance(body, dict):
        return None, text[:200]
    return body.get("code"), str(body.get("message", text[:200]))


def _retry_after(exc: APIError) -> float:
    response = exc.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _number(value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise MalformedReply(f"Alpaca sent {what} {value!r}, not a number") from None
    if out != out:  # NaN
        raise MalformedReply(f"Alpaca sent {what} NaN")
    return out


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: Any) -> str:
    """An SDK enum's value (or the plain string)."""
    return str(getattr(value, "value", value))


def _order(reply: Any) -> BrokerOrder:
    """A snapshot of Alpaca's order reply."""
    if not isinstance(reply, AlpacaOrder):
        raise MalformedReply("Alpaca's order reply could not be read")
    raw = _text(reply.status)
    side_text = _text(reply.side)
    kind = _text(reply.type)
    if side_text not in ("buy", "sell") or reply.symbol is None or reply.qty is None:
        raise MalformedReply(f"Alpaca's order {reply.client_order_id} lacks side, symbol or qty")
    created = _utc(reply.submitted_at or reply.created_at) or datetime.now(UTC)
    updated = _utc(reply.filled_at or reply.updated_at) or created
    filled = _number(reply.filled_qty or 0, "filled_qty")
    return BrokerOrder(
        client_order_id=ClientOrderId(reply.client_order_id),
        broker_order_id=str(reply.id),
        symbol=reply.symbol,
        side=Side(side_text),
        quantity=_number(reply.qty, "qty"),
        status=STATUS_MAP.get(raw, OrderStatus.UNKNOWN),
        filled_quantity=filled,
        average_price=_number(reply.filled_avg_price or 0, "filled_avg_price") if filled else 0.0,
        created_at=created,
        updated_at=updated,
        order_type=OrderType.LIMIT if kind == "limit" else OrderType.MARKET,
        limit_price=_number(reply.limit_price, "limit_price") if reply.limit_price else None,
        message=raw if raw in ("rejected", "canceled", "expired") else "",
        raw_status=raw,
    )
