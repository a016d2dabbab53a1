"""Webull's official OpenAPI (``webull-openapi-python-sdk``): ``broker.name: webull``.

Install with ``pip install "tradewind[webull]"`` (``make install`` does). Credentials come from
``WEBULL_APP_KEY`` and ``WEBULL_APP_SECRET`` (an approved OpenAPI application; the test
environment has its own keys) and optionally ``WEBULL_ACCOUNT_ID``; ``broker.paper_trading``
(with ``WEBULL_PAPER_TRADING`` agreeing) picks the test or the production host.
"""

from tradewind.brokers.webull.replies import STATUS_MAP
from tradewind.brokers.webull.wire import PRODUCTION_HOST, TEST_HOST, WebullWire

__all__ = ["PRODUCTION_HOST", "STATUS_MAP", "TEST_HOST", "WebullWire"]
