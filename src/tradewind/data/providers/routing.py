"""A ``requests`` session that sends every request to one base URL (a mirror or a test server).

Some clients hard-code their service's hosts (``yfinance`` calls ``query1/query2.finance.yahoo
.com`` and ``fc.yahoo.com``) but accept a session. Mounting :class:`RoutedAdapter` on a session
keeps the client's own requests (paths, parameters, cookies, crumbs) and only changes where they
go: ``https://query2.finance.yahoo.com/v8/finance/chart/AAPL?...`` is sent to
``{base}/v8/finance/chart/AAPL?...``. The response keeps the URL the client asked for, so its
cookie handling works as against the real service. This is how ``data.yfinance.url`` points
yfinance at a mirror, and how the tests point it at a server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class RoutedAdapter(HTTPAdapter):
    """An adapter that rewrites each request's scheme and host to ``base_url``'s.

    Parameters
    ----------
    base_url
        ``http://host:port`` (a path prefix is kept before the request's path).
    timeout
        Applied to every request that sets none (``requests`` has no session-wide timeout).
    """

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        super().__init__()
        self.base = urlsplit(base_url.rstrip("/"))
        self.timeout = timeout
        self.sent: list[str] = []
        """The URLs as the client asked for them (the original hosts), in order."""

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send ``request`` to the base URL; the response reports the original URL."""
        original = request.url or ""
        self.sent.append(original)
        parts = urlsplit(original)
        routed = request.copy()
        routed.url = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path + parts.path, parts.query, "")
        )
        routed.headers["Host"] = self.base.netloc
        response = super().send(
            routed,
            stream=stream,
            timeout=timeout if timeout is not None else self.timeout,
            verify=verify,
            cert=cert,
            proxies={},
        )
        response.url = original
        response.request = request
        return response


class RecordingSession(requests.Session):
    """A ``requests`` session that remembers the status of its last response.

    Some clients (yfinance) turn an HTTP error into "no data"; the status tells a server error
    (retry later) from a refusal.
    """

    last_status: int | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """As ``requests.Session.request``, recording the response's status."""
        self.last_status = None
        response = super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]
        self.last_status = response.status_code
        return response


def routed_session(base_url: str, timeout: float | None = None) -> RecordingSession:
    """A session whose every request goes to ``base_url`` (see the module docstring).

    Proxy variables are ignored (``trust_env`` off): the base URL is where requests go.
    """
    session = RecordingSession()
    session.trust_env = False
    adapter = RoutedAdapter(base_url, timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
