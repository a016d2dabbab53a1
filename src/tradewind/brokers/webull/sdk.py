"""Building the official Webull SDK's clients safely (it has sharp edges, all handled here).

* **Host and protocol.** The SDK resolves the host from its region table (production only);
  ``add_endpoint`` points it elsewhere (the test environment, or a local server). The endpoint
  is signed as the host, so it is given bare (``127.0.0.1``, never ``http://...``). Plain HTTP
  needs ``set_default_protocol_type(HTTP)``, which is process-wide and must be set before any
  request object is built: :func:`api_client` sets it every time, to what this client needs.
* **Logging.** Unless told otherwise the SDK attaches a DEBUG handler to stdout and writes
  ``./webull_trade_sdk.log`` in the working directory, with request dumps (headers, signatures)
  at ERROR level. Its ``webull`` logger is detached here (a ``NullHandler``, no propagation),
  and the SDK is told its loggers are set, so nothing reaches the user's console, tree or logs.
* **Token file.** With token checking on, the SDK writes ``conf/token.txt`` in the working
  directory; it is pointed at ``token_dir`` (next to the database) instead.
* **Proxies.** The SDK passes ``HTTP(S)_PROXY`` itself and ignores ``NO_PROXY``: for a loopback
  host both are removed from this process's environment (with a log line saying so).
* **Retries.** ``auto_retry`` stays off (it never retries a POST anyway): 429s are retried by
  :mod:`tradewind.brokers.ratelimit`, everything else by the order manager.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

REGION = "us"


def quiet_sdk_logging() -> None:
    """Detach the SDK's ``webull`` logger from everything (see the module docstring)."""
    sdk = logging.getLogger("webull")
    sdk.propagate = False
    sdk.setLevel(logging.CRITICAL)
    if not any(isinstance(h, logging.NullHandler) for h in sdk.handlers):
        sdk.addHandler(logging.NullHandler())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_client(
    app_key: str,
    app_secret: str,
    *,
    host: str,
    base_url: str | None,
    timeout: float,
    token_dir: Path,
) -> Any:
    """An ``ApiClient`` for ``host`` (or ``base_url``: ``scheme://host[:port]``).

    Returns the SDK's client, ready for ``TradeClient(...)``.
    """
    from webull.core.client import ApiClient
    from webull.core.http import protocol_type
    from webull.core.request import set_default_protocol_type

    quiet_sdk_logging()
    scheme, port = "https", 443
    if base_url is not None:
        parts = urlsplit(base_url)
        scheme = parts.scheme
        host = parts.hostname or host
        port = parts.port or (443 if scheme == "https" else 80)
    set_default_protocol_type(protocol_type.HTTPS if scheme == "https" else protocol_type.HTTP)
    if _is_loopback(host):
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            if os.environ.pop(name, None) is not None:
                log.info("%s removed for the loopback broker host (the SDK ignores NO_PROXY)", name)
    client = ApiClient(
        app_key,
        app_secret,
        REGION,
        port=port,
        timeout=timeout,
        connect_timeout=min(timeout, 10.0),
        auto_retry=False,
    )
    client.add_endpoint(REGION, host)
    token_dir.mkdir(parents=True, exist_ok=True)
    client.set_token_dir(str(token_dir))
    # The SDK's TradeClient installs stdout and file loggers unless these are set.
    client._stream_logger_set = True
    client._file_logger_set = True
    return client
