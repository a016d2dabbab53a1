"""Broker errors, grouped by what the caller does next, with the mapping every adapter follows.

::

    TradewindError
    ├── ConfigError
    │   └── BrokerAuthError        credentials missing, refused, or for the other environment:
    │                              refuse to start; the message names the variable and the fix
    ├── TransientBrokerError       retry with backoff; an order is looked up by client id first
    │   ├── RateLimited            HTTP 429: wait ``retry_after`` seconds, then retry
    │   └── MalformedReply         the broker answered something unreadable: the request may or
    │                              may not have taken effect, so it is treated like a timeout
    └── OrderRejected              record and alert; never retried blindly
        └── MarketClosed           refused because the market is closed

How broker answers map (the README's table repeats this):

=====================================  ==================================================
broker answer                          tradewind
=====================================  ==================================================
timeout, connection refused/reset      ``TransientBrokerError`` (order: lookup by client id)
HTTP 5xx                               ``TransientBrokerError``
HTTP 429                               ``RateLimited`` (waits ``Retry-After``, then retries)
HTTP 401 / 403 on credentials          ``BrokerAuthError`` (a ``ConfigError``)
repeated client order id               not an error: the existing order is looked up and
(Alpaca 422 40010001, Webull           returned ("already submitted")
``..._PLACE_ORDER_REPEAT``)
other HTTP 4xx on an order             ``OrderRejected`` (``MarketClosed`` when it says so)
unparseable or incomplete reply        ``MalformedReply`` (transient: looked up, never resent
                                       blindly)
status the adapter does not know       order status ``unknown`` (settled by reconciliation)
=====================================  ==================================================
"""

from __future__ import annotations

from tradewind.domain.errors import ConfigError, OrderRejected, TransientBrokerError


class BrokerAuthError(ConfigError):
    """The broker refused the credentials (or they are missing): nothing may trade.

    Parameters
    ----------
    message
        What the broker said and which environment variables to check.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, source="the broker")


class RateLimited(TransientBrokerError):
    """The broker answered HTTP 429.

    Parameters
    ----------
    message
        What was refused.
    retry_after
        Seconds the broker asked to wait (its ``Retry-After`` header; 1 when absent).
    """

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MalformedReply(TransientBrokerError):
    """The broker's reply could not be read (bad JSON, a missing field, a wrong type)."""


class MarketClosed(OrderRejected):
    """The broker refused an order because the market is closed."""
