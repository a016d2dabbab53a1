"""The channel protocol, the delivery error tree, and the log channel.

::

    DeliveryError            the channel did not accept the message (nothing was marked sent)
    ├── RateLimited              429: wait ``retry_after`` seconds, then retry
    ├── TransientDeliveryError   timeout, connection refused, 5xx: retry with backoff
    └── RejectedDelivery         4xx (bad URL, bad token, bad payload): retrying the same
                                 request will not help; a person must fix the setting

A channel renders a list of notices as one message (:meth:`Channel.fit` says how many of them
fit in one) and sends it with a hard timeout; it returns only once the service accepted the
message, and raises otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from tradewind.logsetup import redact
from tradewind.notify.notice import Notice

log = logging.getLogger("tradewind.notify")


class DeliveryError(Exception):
    """A message was not accepted by its channel.

    Parameters
    ----------
    message
        What happened, without any URL or token.
    status
        The HTTP status, when a response came back.
    retry_after
        Seconds the service asked us to wait (429).
    """

    permanent = False

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RateLimited(DeliveryError):
    """429 Too Many Requests: retry after ``retry_after`` seconds."""


class TransientDeliveryError(DeliveryError):
    """Timeout, network failure or server error: retry with backoff."""


class RejectedDelivery(DeliveryError):
    """The service refused the request itself (4xx): a setting must be fixed."""

    permanent = True


class Channel(Protocol):
    """A notification channel (Discord, Telegram, the log)."""

    name: str

    def fit(self, notices: Sequence[Notice]) -> int:
        """How many of ``notices`` (from the first) fit in one message (at least 1)."""
        ...

    def send(self, notices: Sequence[Notice]) -> None:
        """Send ``notices`` as one message; return once accepted, raise :class:`DeliveryError`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class LogChannel:
    """Writes notices to the log (``logs/trading.log``): the channel of last resort."""

    name = "log"

    def __init__(self, max_batch: int = 50) -> None:
        self.max_batch = max_batch

    def fit(self, notices: Sequence[Notice]) -> int:
        """Up to ``max_batch`` notices per log line group."""
        return max(1, min(len(notices), self.max_batch))

    def send(self, notices: Sequence[Notice]) -> None:
        """Log each notice at its severity."""
        for n in notices:
            level = logging.getLevelName(n.severity.upper())
            log.log(level if isinstance(level, int) else logging.WARNING, "%s", n.one_line)

    def close(self) -> None:
        """Nothing to release."""


def clean(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret value and credential-shaped string masked."""
    return redact(text, secrets)


def clean_notice(notice: Notice, secrets: Sequence[str]) -> Notice:
    """``notice`` with secrets masked in every text it carries (defence in depth: the store
    already masks what it writes)."""
    return Notice(
        kind=notice.kind,
        category=notice.category,
        severity=notice.severity,
        title=clean(notice.title, secrets),
        text=clean(notice.text, secrets),
        fields=tuple((clean(k, secrets), clean(v, secrets)) for k, v in notice.fields),
        line=clean(notice.line, secrets),
        ts=notice.ts,
        context=clean(notice.context, secrets),
    )
