"""Discord: notices as webhook messages with embeds, one colour per severity.

Wire format (https://discord.com/developers/docs/resources/webhook#execute-webhook):
``POST {api}/webhooks/{id}/{token}?wait=true`` with a JSON body ``{"content", "embeds",
"username", "allowed_mentions"}``. With ``wait=true`` Discord answers ``200`` with the created
message only once it is saved (without it a message that is not saved returns no error), so a
notice is marked sent only after Discord kept it. ``allowed_mentions: {"parse": []}`` keeps a
symbol or a reason from pinging anyone.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
content 2000 characters, 10 embeds per message, title 256, description 4096, 25 fields of
name 256 / value 1024, footer 2048, and 6000 characters over all embeds of a message.

Rate limits (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit):
a 429 carries ``retry_after`` (seconds, a float) in its JSON body and a ``Retry-After`` header.

httpx rather than apprise: the dispatcher needs the status, the 429's ``retry_after`` and
"accepted or not" for every request to decide what to mark sent and when to retry; apprise
answers a boolean and sleeps through rate limits itself. A base URL and an injected transport
also make the channel testable against a loopback server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from tradewind.config.notify_secrets import Webhook
from tradewind.notify.channel import clean
from tradewind.notify.http import post_json
from tradewind.notify.layout import Section, largest_fit, sections
from tradewind.notify.notice import Notice, severity_rank

CONTENT_MAX = 2000
EMBEDS_MAX = 10
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBEDS_TOTAL_MAX = 6000
MARGIN = 0.95
"""Share of each limit used: a little room for counting differences (UTF-16 code units)."""
FIT_CAP = 100

COLOURS = {
    "debug": 0x95A5A6,
    "info": 0x3498DB,
    "warning": 0xF1C40F,
    "error": 0xE67E22,
    "critical": 0xE74C3C,
}


def _cut(text: str, limit: int) -> str:
    limit = int(limit * MARGIN)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(notices: Sequence[Notice]) -> dict[str, Any]:
    """The webhook body for ``notices`` (one notice: a full embed; several: a digest)."""
    if len(notices) == 1:
        n = notices[0]
        return _body(_cut(n.one_line, CONTENT_MAX), [_embed(n)])
    parts = sections(notices, DESCRIPTION_MAX * MARGIN)
    head = f"{len(notices)} updates: " + ", ".join(p.label for p in _distinct(parts))
    return _body(_cut(head, CONTENT_MAX), [_digest(p) for p in parts])


def _body(content: str, embeds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "username": "tradewind",
        "content": content,
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    }


def _embed(n: Notice) -> dict[str, Any]:
    embed: dict[str, Any] = {"title": _cut(n.title, TITLE_MAX), "color": COLOURS[n.severity]}
    if n.text:
        embed["description"] = _cut(n.text, DESCRIPTION_MAX)
    if n.fields:
        embed["fields"] = [
            {
                "name": _cut(k, FIELD_NAME_MAX),
                "value": _cut(v or "-", FIELD_VALUE_MAX),
                "inline": len(v) <= 40,
            }
            for k, v in n.fields[:FIELDS_MAX]
        ]
    if n.context:
        embed["footer"] = {"text": _cut(n.context, FOOTER_MAX)}
    if n.ts is not None:
        embed["timestamp"] = n.ts.isoformat()
    return embed


def _digest(p: Section) -> dict[str, Any]:
    worst = max(p.severities, key=severity_rank)
    return {
        "title": _cut(p.heading, TITLE_MAX),
        "description": _cut("\n".join(f"• {line}" for line in p.lines), DESCRIPTION_MAX),
        "color": COLOURS[worst],
    }


def _distinct(parts: Sequence[Section]) -> list[Section]:
    seen: dict[str, Section] = {}
    for p in parts:
        seen.setdefault(p.label, p)
    return list(seen.values())


def embed_chars(body: dict[str, Any]) -> int:
    """Characters Discord counts against the 6000 limit of a message's embeds."""
    total = 0
    for e in body["embeds"]:
        total += len(e.get("title", "")) + len(e.get("description", ""))
        total += len(e.get("footer", {}).get("text", ""))
        for f in e.get("fields", ()):
            total += len(f["name"]) + len(f["value"])
    return total


def fits(body: dict[str, Any]) -> bool:
    """Whether ``body`` is within Discord's per-message limits."""
    return (
        len(body["embeds"]) <= EMBEDS_MAX
        and embed_chars(body) <= EMBEDS_TOTAL_MAX * MARGIN
        and len(body["content"]) <= CONTENT_MAX
    )


class DiscordChannel:
    """Sends notices to one Discord webhook.

    Parameters
    ----------
    webhook
        The webhook's id and token (from ``DISCORD_WEBHOOK_URL``).
    api_base
        Discord's API root (``notifications.discord.api_base``).
    timeout
        Seconds allowed for each of connect, write and read of a request.
    secrets
        Values masked in every message (all configured credentials).
    transport
        An httpx transport (tests); the network otherwise.
    """

    name = "discord"

    def __init__(
        self,
        webhook: Webhook,
        api_base: str,
        *,
        timeout: float,
        secrets: Sequence[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = f"{api_base.rstrip('/')}/webhooks/{webhook.id}/{webhook.token}"
        self._secrets = tuple(secrets) + (webhook.token,)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False
        )

    def fit(self, notices: Sequence[Notice]) -> int:
        """How many of ``notices`` fit in one webhook message (at least 1)."""
        return largest_fit(len(notices), lambda k: fits(render(notices[:k])), FIT_CAP)

    def send(self, notices: Sequence[Notice]) -> None:
        """Post ``notices`` as one message; raise :class:`DeliveryError` unless Discord kept it."""
        body = render(notices)
        body = _masked(body, self._secrets)
        post_json(
            self._client,
            self._url,
            body,
            service="Discord",
            params={"wait": "true"},
            rate_limit=_discord_retry_after,
            refusal=_discord_refusal,
        )

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


def _masked(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return clean(value, secrets)
    if isinstance(value, list):
        return [_masked(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v, secrets) for k, v in value.items()}
    return value


def _discord_retry_after(response: httpx.Response, body: Any) -> float | None:
    """``retry_after`` of the JSON body, else the ``Retry-After`` header (seconds)."""
    if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
        return float(body["retry_after"])
    header = response.headers.get("Retry-After")
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


def _discord_refusal(status: int, body: Any) -> str:
    """What a 4xx from Discord means and what to do."""
    detail = body.get("message") if isinstance(body, dict) else None
    said = f" ({detail})" if detail else ""
    if status in (401, 403, 404):
        return (
            f"Discord answered {status}{said}: the webhook was deleted or DISCORD_WEBHOOK_URL is "
            "wrong; create a webhook (Server Settings > Integrations > Webhooks) and update "
            "DISCORD_WEBHOOK_URL"
        )
    return f"Discord refused the message ({status}{said})"
