"""Webull OpenAPI replies read into snapshots (field names of the SDK's ``NOrderItem``,
``AccountPositionsInfo``, ``OrderHistory`` and ``PaginatedResult`` models, snake_case)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from tradewind.brokers.errors import MalformedReply
from tradewind.brokers.wire import BrokerOrder
from tradewind.domain.orders import ClientOrderId, OrderStatus, OrderType, Side

STATUS_MAP: dict[str, OrderStatus] = {
    "SUBMITTED": OrderStatus.NEW,
    "PARTIAL_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELLED": OrderStatus.CANCELED,
    "FAILED": OrderStatus.REJECTED,
}
"""Webull order status (SDK ``trade/common/order_status.py``) -> tradewind (else ``unknown``)."""


def qty_text(quantity: float) -> str:
    """A quantity as Webull takes it (``"10"``, ``"0.5"``)."""
    return f"{quantity:.6f}".rstrip("0").rstrip(".")


def items(reply: Any) -> list[Any]:
    """A list reply, or the ``data`` list of a paginated one."""
    if isinstance(reply, list):
        return reply
    if isinstance(reply, dict) and isinstance(reply.get("data"), list):
        return list(reply["data"])
    raise MalformedReply("Webull's reply is not a list")


def order_items(reply: Any) -> list[dict[str, Any]]:
    """The order items of an order-detail reply or of a page of them."""
    histories = reply if isinstance(reply, list) else None
    if histories is None and isinstance(reply, dict):
        histories = reply["data"] if isinstance(reply.get("data"), list) else [reply]
    if histories is None:
        raise MalformedReply("Webull's order reply is not an object")
    out: list[dict[str, Any]] = []
    for h in histories:
        if not isinstance(h, dict) or not isinstance(h.get("orders"), list):
            raise MalformedReply("Webull's order reply has no 'orders' list")
        out.extend(o for o in h["orders"] if isinstance(o, dict))
    return out


def number(value: Any, what: str) -> float:
    """``value`` as a float, or :class:`MalformedReply` naming ``what``."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise MalformedReply(f"Webull sent {what} {value!r}, not a number") from None
    if out != out:
        raise MalformedReply(f"Webull sent {what} NaN")
    return out


def _time(item: dict[str, Any], *names: str) -> datetime | None:
    """The first of ``names`` present: epoch milliseconds or an ISO-8601 time, as UTC."""
    for name in names:
        value = item.get(name)
        if value in (None, ""):
            continue
        try:
            if isinstance(value, int | float) or str(value).isdigit():
                return datetime.fromtimestamp(float(value) / 1000.0, UTC)
            ts = pd.Timestamp(str(value))
        except (ValueError, OverflowError):
            raise MalformedReply(f"Webull sent {name} {value!r}, not a time") from None
        return (
            ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        ).to_pydatetime()
    return None


def _fees(item: dict[str, Any]) -> float:
    total = 0.0
    commission = item.get("commission")
    if isinstance(commission, dict):
        total += number(commission.get("amount", 0) or 0, "commission")
    for fee in item.get("fees") or []:
        if isinstance(fee, dict):
            total += number(fee.get("amount", 0) or 0, "fee")
    return total


def order(item: dict[str, Any]) -> BrokerOrder:
    """A snapshot of one Webull order item (fields of the SDK's ``NOrderItem``)."""
    cid = item.get("client_order_id")
    side = str(item.get("side", "")).upper()
    if not cid or side not in ("BUY", "SELL") or not item.get("symbol"):
        raise MalformedReply(f"Webull's order {cid!r} lacks client_order_id, side or symbol")
    raw = str(item.get("status", ""))
    filled = number(item.get("filled_quantity") or 0, "filled_quantity")
    created = _time(item, "place_time_at", "place_time") or datetime.now(UTC)
    updated = _time(item, "filled_time_at", "filled_time") or created
    limit = item.get("limit_price")
    return BrokerOrder(
        client_order_id=ClientOrderId(str(cid)),
        broker_order_id=str(item.get("order_id") or ""),
        symbol=str(item["symbol"]),
        side=Side.BUY if side == "BUY" else Side.SELL,
        quantity=number(item.get("total_quantity", item.get("quantity")), "total_quantity"),
        status=STATUS_MAP.get(raw, OrderStatus.UNKNOWN),
        filled_quantity=filled,
        average_price=number(item.get("filled_price") or 0, "filled_price") if filled else 0.0,
        created_at=created,
        updated_at=updated,
        order_type=OrderType.LIMIT if item.get("order_type") == "LIMIT" else OrderType.MARKET,
        limit_price=number(limit, "limit_price") if limit not in (None, "") else None,
        fees=_fees(item),
        message=raw if raw in ("FAILED", "CANCELLED") else "",
        raw_status=raw,
    )
