"""Webull's official OpenAPI (trading v3 paths) as a :class:`~tradewind.brokers.wire.BrokerWire`.

Calls (all through the SDK's ``TradeClient``, which signs each request with HMAC-SHA256):

=====================================  =========================================================
tradewind                              SDK call (path)
=====================================  =========================================================
place                                  ``order_v3.place_order`` (POST /trading/orders/place)
get                                    ``order_v3.get_order_detail`` (GET /trading/orders/get)
cancel                                 ``order_v3.cancel_order`` (POST /trading/orders/cancel)
open_orders                            ``order_v3.list_order_open`` (GET
                                       /trading/orders/open-orders/list, paginated)
positions                              ``account_v2.get_account_position`` (GET
                                       /trading/assets/positions/list)
account                                ``account_v2.get_account_balance`` (GET
                                       /trading/assets/balances/get)
account id (when not configured)       ``account_v2.get_account_list`` (GET /trading/accounts/list)
clock                                  none: Webull has no market-clock call; the NYSE calendar
=====================================  =========================================================

Webull reports cumulative fills per order (``filled_quantity``, ``filled_price``); individual
executions are listed for Hong Kong accounts only, so fills are derived by the fill journal.
Statuses map through ``replies.STATUS_MAP``. A repeated ``client_order_id`` is refused with an
error code ending in ``PLACE_ORDER_REPEAT`` (reported from the sandbox as HTTP 417): the first
submission arrived, and the order is looked up. The SDK does not expose a 429's
``Retry-After``: tradewind waits :data:`RATE_LIMIT_WAIT` seconds (Webull's documented windows
are 30 s for 10 calls on order queries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tradewind.brokers.errors import BrokerAuthError, MalformedReply, MarketClosed, RateLimited
from tradewind.brokers.webull.replies import items, order, order_items, qty_text
from tradewind.brokers.webull.replies import number as _number
from tradewind.brokers.webull.sdk import api_client
from tradewind.brokers.wire import AccountSnapshot, BrokerOrder, DuplicateClientOrderId, MarketClock
from tradewind.domain.errors import ConfigError, OrderRejected, TransientBrokerError
from tradewind.domain.orders import ClientOrderId, OrderRequest, OrderType, Side

PRODUCTION_HOST = "api.webull.com"
"""The production trading host (the SDK's own table)."""
TEST_HOST = "us-openapi-alb.uat.webullbroker.com"
"""The US test environment's host (Webull's Java SDK ``UatDefaultHost.API_US`` and the
Trading API docs); Webull has announced moves of its sandbox hosts, so ``broker.base_url``
can override it."""
RATE_LIMIT_WAIT = 3.0
log = logging.getLogger(__name__)

_AUTH_FIX = (
    "check WEBULL_APP_KEY and WEBULL_APP_SECRET (the test environment and production have "
    "different keys; broker.paper_trading picks {host}) and that the OpenAPI application is "
    "approved in your Webull account"
)


class WebullWire:
    """Webull's OpenAPI through the official SDK (see the module docstring).

    Parameters
    ----------
    app_key, app_secret
        The application's credentials (never logged).
    paper
        Test environment (True) or production.
    timeout
        Deadline of each HTTP request, seconds.
    token_dir
        Where the SDK keeps its access token (next to the database).
    account_id
        The account to trade; None: the only account the application sees.
    base_url
        Another host than Webull's (``scheme://host[:port]``).
    now
        Wall clock for the NYSE-calendar market clock.
    """

    name = "webull"

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        paper: bool,
        timeout: float,
        token_dir: Path,
        account_id: str | None = None,
        base_url: str | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.paper = paper
        self.host = base_url or (TEST_HOST if paper else PRODUCTION_HOST)
        self._key, self._secret = app_key, app_secret
        self._base_url = base_url
        self._timeout = timeout
        self._token_dir = token_dir
        self._account_id = account_id
        self._now = now or (lambda: datetime.now(UTC))
        self._trade: Any = None

    # --- connection ------------------------------------------------------------------------
    @property
    def trade(self) -> Any:
        """The SDK's ``TradeClient`` (built on first use; building it calls the broker)."""
        if self._trade is None:
            from webull.trade.trade_client import TradeClient

            client = api_client(
                self._key,
                self._secret,
                host=TEST_HOST if self.paper else PRODUCTION_HOST,
                base_url=self._base_url,
                timeout=self._timeout,
                token_dir=self._token_dir,
            )
            log.info(
                "connecting to Webull at %s; if Webull asks for a token approval in the Webull "
                "app, approve it there (tradewind waits up to 5 minutes)",
                self.host,
            )
            self._trade = self._do(lambda: TradeClient(client))
        return self._trade

    def account_id(self) -> str:
        """The configured account, or the only one the application sees."""
        if self._account_id:
            return self._account_id
        reply = self._json(lambda: self.trade.account_v2.get_account_list())
        accounts = items(reply)
        ids = [str(a.get("account_id", "")) for a in accounts if isinstance(a, dict)]
        ids = [i for i in ids if i]
        if len(ids) != 1:
            shown = ", ".join("****" + i[-4:] for i in ids) or "none"
            raise ConfigError(
                f"WEBULL_ACCOUNT_ID is not set and the Webull application sees {len(ids)} "
                f"account(s) ({shown}); set WEBULL_ACCOUNT_ID to the one to trade"
            )
        self._account_id = ids[0]
        return ids[0]

    # --- BrokerWire ------------------------------------------------------------------------
    def place(self, request: OrderRequest) -> BrokerOrder | None:
        """Place one equity order (answered with ids only: the caller looks it up)."""
        order: dict[str, Any] = {
            "client_order_id": request.client_order_id,
            "combo_type": "NORMAL",
            "symbol": request.symbol,
            "instrument_type": "EQUITY",
            "market": "US",
            "side": "BUY" if request.side is Side.BUY else "SELL",
            "order_type": "LIMIT" if request.order_type is OrderType.LIMIT else "MARKET",
            "quantity": qty_text(request.quantity),
            "entrust_type": "QTY",
            "support_trading_session": "CORE",
            "time_in_force": "DAY",
        }
        if request.order_type is OrderType.LIMIT and request.limit_price is not None:
            order["limit_price"] = f"{request.limit_price:.2f}"
        account = self.account_id()
        reply = self._json(
            lambda: self.trade.order_v3.place_order(account, [order]),
            placing=request.client_order_id,
        )
        if not isinstance(reply, dict) or not reply.get("client_order_id", reply.get("order_id")):
            raise MalformedReply(
                f"{request.client_order_id}: Webull's answer to the order names no order"
            )
        return None

    def get(self, client_order_id: ClientOrderId) -> BrokerOrder | None:
        """The order with our id, or None when Webull does not know it."""
        account = self.account_id()
        try:
            reply = self._json(
                lambda: self.trade.order_v3.get_order_detail(account, client_order_id),
                lookup=True,
            )
        except _NotFound:
            return None
        if reply is None or reply == {}:
            return None
        found = [o for o in order_items(reply) if o.get("client_order_id") == client_order_id]
        if not found:
            return None
        return order(found[0])

    def cancel(self, client_order_id: ClientOrderId) -> None:
        """Ask Webull to cancel (an order already final is left as it is)."""
        account = self.account_id()
        try:
            self._json(
                lambda: self.trade.order_v3.cancel_order(account, client_order_id), lookup=True
            )
        except (_NotFound, OrderRejected):
            return

    def open_orders(self) -> list[BrokerOrder]:
        """Every open order (all pages)."""
        account = self.account_id()
        out: list[BrokerOrder] = []
        key: str | None = None
        for _ in range(100):
            page = self._json(
                lambda k=key: self.trade.order_v3.list_order_open(account, pagination_key=k)  # type: ignore[misc]
            )
            for item in order_items(page):
                out.append(order(item))
            key = page.get("pagination_key") if isinstance(page, dict) else None
            if not key:
                return out
        raise MalformedReply("Webull's open orders did not end after 100 pages")

    def positions(self) -> dict[str, float]:
        """Equity positions (non-zero)."""
        account = self.account_id()
        reply = self._json(lambda: self.trade.account_v2.get_account_position(account))
        out: dict[str, float] = {}
        for p in items(reply):
            if not isinstance(p, dict) or p.get("instrument_type", "EQUITY") != "EQUITY":
                continue
            symbol = p.get("symbol")
            if not isinstance(symbol, str) or not symbol:
                raise MalformedReply("Webull sent a position without a symbol")
            qty = _number(p.get("quantity"), f"{symbol} position quantity")
            if qty != 0:
                out[symbol] = out.get(symbol, 0.0) + qty
        return out

    def account(self) -> AccountSnapshot:
        """Cash (USD) and net liquidation value."""
        account = self.account_id()
        reply = self._json(lambda: self.trade.account_v2.get_account_balance(account))
        if not isinstance(reply, dict):
            raise MalformedReply("Webull's balance reply is not an object")
        cash = reply.get("total_cash_balance")
        for asset in reply.get("account_currency_assets") or []:
            if isinstance(asset, dict) and asset.get("currency") == "USD":
                cash = asset.get("cash_balance", cash)
        equity = reply.get("total_net_liquidation_value", reply.get("total_asset"))
        return AccountSnapshot(
            account_id=account,
            cash=_number(cash, "cash balance"),
            equity=_number(equity, "net liquidation value"),
            paper=self.paper,
            currency=str(reply.get("total_asset_currency") or "USD"),
        )

    def clock(self) -> MarketClock:
        """The NYSE calendar's view of now (Webull has no market-clock call)."""
        from tradewind.calendar import nyse

        cal = nyse()
        now = pd.Timestamp(self._now())
        return MarketClock(
            cal.is_open(now),
            cal.next_open(now).to_pydatetime(),
            cal.next_close(now).to_pydatetime(),
        )

    # --- errors ----------------------------------------------------------------------------
    def _do(self, call: Callable[[], Any], placing: str | None = None, lookup: bool = False) -> Any:
        from webull.core.exception.exceptions import ClientException, ServerException

        try:
            return call()
        except ServerException as exc:
            raise self._mapped(exc, placing, lookup) from None
        except ClientException as exc:
            code = str(exc.error_code)
            if "TOKEN" in code:
                raise BrokerAuthError(
                    f"Webull's access token is not usable ({code}: {exc.error_msg}); approve "
                    "the token in the Webull app when asked (the SDK waits up to 5 minutes), "
                    f"then start again; {_AUTH_FIX.format(host=self.host)}"
                ) from None
            raise TransientBrokerError(f"cannot reach Webull at {self.host} ({code})") from None
        except ValueError as exc:  # the SDK's own .json() on a reply it could not read
            raise MalformedReply(f"Webull's reply could not be read ({exc})") from None

    def _json(
        self, call: Callable[[], Any], placing: str | None = None, lookup: bool = False
    ) -> Any:
        response = self._do(call, placing, lookup)
        try:
            return response.json()
        except ValueError as exc:
            raise MalformedReply(f"Webull's reply is not JSON ({exc})") from None

    def _mapped(self, exc: Any, placing: str | None, lookup: bool) -> Exception:
        status = int(exc.http_status or 0)
        code = str(exc.error_code or "")
        said = f"Webull answered HTTP {status} {code}: {exc.error_msg}"
        if status == 429:
            return RateLimited(said, RATE_LIMIT_WAIT)
        if placing is not None and code.endswith("PLACE_ORDER_REPEAT"):
            return DuplicateClientOrderId(said)
        if status in (401, 403):
            return BrokerAuthError(f"{said}; " + _AUTH_FIX.format(host=self.host))
        if lookup and (status == 404 or "NOT_FOUND" in code or "NOT_EXIST" in code):
            return _NotFound(said)
        if status >= 500 or status == 0:
            return TransientBrokerError(said)
        text = f"{placing}: {said}" if placing else said
        if "MARKET_CLOSED" in code or "market is closed" in str(exc.error_msg).lower():
            return MarketClosed(text)
        return OrderRejected(text)


class _NotFound(Exception):  # noqa: N818 - internal signal
    """Webull does not know the order."""
