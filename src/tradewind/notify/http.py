"""One JSON request to a notification service, its outcome sorted into the delivery errors.

httpx's own exceptions are grouped as its module docstring draws them: ``TimeoutException``
(no answer in time) and other ``TransportError`` (no connection) mean nothing came back, which
is transient; a response with an error status is judged by its status. No message here ever
contains the URL (it carries the webhook or bot token).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from tradewind.notify.channel import RateLimited, RejectedDelivery, TransientDeliveryError

RetryAfter = Callable[[httpx.Response, Any], float | None]
Refusal = Callable[[int, Any], str]
DEFAULT_RATE_LIMIT_WAIT = 5.0
"""Seconds to wait after a 429 that says nothing about how long."""


def post_json(
    client: httpx.Client,
    url: str,
    body: Mapping[str, Any],
    *,
    service: str,
    rate_limit: RetryAfter,
    refusal: Refusal,
    params: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Any:
    """POST ``body``; return the decoded answer (None if empty) when the status is 2xx.

    ``timeout`` replaces the client's limits for this request (a long poll).

    Raises
    ------
    RateLimited
        429, with the wait the service asked for.
    TransientDeliveryError
        Timeout, connection failure, 5xx, or another unexpected status.
    RejectedDelivery
        Another 4xx: the request itself is refused (``refusal`` words it).
    """
    try:
        response = client.post(
            url,
            json=dict(body),
            params=dict(params or {}),
            timeout=httpx.Timeout(timeout) if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
    except httpx.TimeoutException as exc:
        raise TransientDeliveryError(
            f"{service} did not answer in time ({type(exc).__name__})"
        ) from None
    except httpx.TransportError as exc:
        raise TransientDeliveryError(
            f"could not reach {service} ({type(exc).__name__}: {_reason(exc)})"
        ) from None
    return judge(response, service=service, rate_limit=rate_limit, refusal=refusal)


def judge(
    response: httpx.Response, *, service: str, rate_limit: RetryAfter, refusal: Refusal
) -> Any:
    """The decoded body of a 2xx ``response``; a :class:`DeliveryError` otherwise."""
    body = _decoded(response)
    status = response.status_code
    if 200 <= status < 300:
        return body
    if status == 429:
        wait = rate_limit(response, body)
        raise RateLimited(
            f"{service} rate limit (429): retry after {wait if wait is not None else '?'} s",
            status=status,
            retry_after=wait if wait is not None else DEFAULT_RATE_LIMIT_WAIT,
        )
    if 400 <= status < 500:
        raise RejectedDelivery(refusal(status, body), status=status)
    raise TransientDeliveryError(f"{service} answered {status}", status=status)


def _decoded(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    """The exception's words without anything URL-like."""
    text = str(exc) or type(exc).__name__
    return " ".join(w for w in text.split() if "://" not in w and "/bot" not in w)[:200]
