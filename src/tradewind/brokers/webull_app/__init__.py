"""The Webull app's paper account through the unofficial ``webull`` package (``paper_webull``):
``broker.name: webull_app``. **Best-effort, paper only, opt-in.**

The unofficial package logs in with the app's email and password (``WEBULL_EMAIL``,
``WEBULL_PASSWORD``; ``WEBULL_TRADE_PIN`` for the trade token), which breaks whenever Webull
changes its login (captcha, MFA, HTTP 403), and it has no client order id. Its top-level module
is ``webull``, the same as the official SDK's, so it lives in its own environment:
``make venv-webull-app`` builds ``.venv-webull-app`` with ``tradewind[webull-app]``.
"""

from tradewind.brokers.webull_app.wire import STATUS_MAP, WebullAppWire

__all__ = ["STATUS_MAP", "WebullAppWire"]
