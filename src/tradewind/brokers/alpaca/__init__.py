"""Alpaca (``alpaca-py``), paper and live: ``broker.name: alpaca``.

Install with ``pip install "tradewind[alpaca]"`` (``make install`` does). Credentials come from
``ALPACA_API_KEY`` and ``ALPACA_SECRET_KEY``; ``broker.paper_trading`` picks the paper or the
live host (their keys differ).
"""

from tradewind.brokers.alpaca.wire import STATUS_MAP, AlpacaWire

__all__ = ["STATUS_MAP", "AlpacaWire"]
