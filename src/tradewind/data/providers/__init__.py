"""Network market-data providers, each behind :class:`~tradewind.data.providers.base.Provider`.

==========  =========================================  ========================================
provider    serves                                     needs
==========  =========================================  ========================================
yfinance    daily and hourly bars, latest price, VIX   nothing (Yahoo's public chart API)
alpaca      daily and hourly bars, latest trade        ``ALPACA_API_KEY``, ``ALPACA_SECRET_KEY``
webull      daily and hourly bars, snapshots           ``WEBULL_APP_KEY``, ``WEBULL_APP_SECRET``
fred        VIX (``VIXCLS``)                           ``FRED_API_KEY``
finnhub     latest price (quotes)                      ``FINNHUB_API_KEY``
==========  =========================================  ========================================

:func:`build_provider` builds one by name, importing its SDK only then; a provider whose
credentials or SDK are missing is reported (a reason string) rather than built, so a route can
skip it with an event instead of failing at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tradewind.config.secrets import Secrets
from tradewind.data.providers.base import Provider

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

EXTRA = {
    "yfinance": "yfinance",
    "alpaca": "alpaca",
    "webull": "webull",
    "finnhub": "finnhub",
}
"""The pip extra that installs each provider's SDK (``pip install 'tradewind[feeds]'``: all)."""


def build_provider(
    name: str, cfg: TradewindConfig, secrets: Secrets, cache_root: Path
) -> Provider | str:
    """The provider ``name`` for ``cfg``, or why it cannot be used (missing key or SDK)."""
    data = cfg.data
    try:
        if name == "yfinance":
            from tradewind.data.providers.yahoo import YahooProvider

            return YahooProvider(data.yfinance, cache_root / "_sdk" / "yfinance")
        if name == "fred":
            from tradewind.data.providers.fred import FredProvider

            key = secrets.fred_api_key
            if key is None or not key.get_secret_value():
                return "FRED_API_KEY is not set (free key: https://fredaccount.stlouisfed.org)"
            return FredProvider(data.fred, key)
        if name == "alpaca":
            from tradewind.data.providers.alpaca import AlpacaProvider

            api, secret = secrets.alpaca_api_key, secrets.alpaca_secret_key
            if api is None or secret is None:
                return "ALPACA_API_KEY and ALPACA_SECRET_KEY are not both set"
            return AlpacaProvider(data.alpaca, api, secret)
        if name == "webull":
            from tradewind.data.providers.webull import WebullProvider

            app, secret = secrets.webull_app_key, secrets.webull_app_secret
            if app is None or secret is None:
                return "WEBULL_APP_KEY and WEBULL_APP_SECRET are not both set"
            return WebullProvider(data.webull, app, secret, cache_root / "_sdk" / "webull")
        if name == "finnhub":
            from tradewind.data.providers.finnhub import FinnhubProvider

            key = secrets.finnhub_api_key
            if key is None or not key.get_secret_value():
                return "FINNHUB_API_KEY is not set"
            return FinnhubProvider(data.finnhub, key)
    except ImportError as exc:
        extra = EXTRA.get(name, "feeds")
        return f"its SDK is not installed ({exc.name}); run pip install 'tradewind[{extra}]'"
    return f"unknown provider {name!r}"
