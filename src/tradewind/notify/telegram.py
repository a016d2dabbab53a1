"""Telegram: notices as HTML messages from a bot to one chat, and the Bot API calls commands use.

Wire format (https://core.telegram.org/bots/api#making-requests): ``POST
{api}/bot{token}/{method}`` with a JSON body; every answer is ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code", "description", "parameters"}``.

* ``sendMessage`` (https://core.telegram.org/bots/api#sendmessage): ``chat_id``, ``text``
  (1-4096 characters after entities parsing), ``parse_mode: "HTML"``,
  ``disable_notification`` (routine messages arrive silently; warnings and worse ring).
* HTML style (https://core.telegram.org/bots/api#html-style): ``<b>``, ``<i>``, ``<code>``...;
  ``<``, ``>`` and ``&`` in text must be written ``&lt;``, ``&gt;``, ``&amp;``. A message
  Telegram cannot parse (400 "can't parse entities") is sent again as plain text.
* Flood control (https://core.telegram.org/bots/api#responseparameters): a 429 carries
  ``parameters.retry_after`` (seconds).
* ``getUpdates`` (https://core.telegram.org/bots/api#getupdates): long polling with
  ``offset`` (the last ``update_id`` + 1 confirms everything before it) and ``timeout``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import httpx

from tradewind.notify.channel import RejectedDelivery, clean
from tradewind.notify.http import post_json
from tradewind.notify.layout import largest_fit, sections
from tradewind.notify.notice import Notice, severity_rank

TEXT_MAX = 4096
MARGIN = 0.95
FIT_CAP = 100


def render(notices: Sequence[Notice], *, markup: bool = True, cut: bool = True) -> str:
    """The message text for ``notices`` (HTML, or plain text with ``markup=False``).

    A single notice is kept within Telegram's limit line by line (its text shortened, fields
    that do not fit dropped with an ellipsis), so no tag is ever cut in half. A digest takes no
    more notices than fit (:meth:`TelegramChannel.fit`); ``cut`` is its last-resort guard.
    """
    b = _bold if markup else _plain
    i = _italic if markup else _plain
    esc = _escape if markup else str
    budget = int(TEXT_MAX * MARGIN)
    if len(notices) == 1:
        n = notices[0]
        foot = " · ".join(x for x in (n.context, f"{n.ts:%Y-%m-%d %H:%M} UTC" if n.ts else "") if x)
        head, tail = b(_short(n.title, 256)), i(_short(foot, 200)) if foot else ""
        room = budget - len(head) - len(tail) - 8
        body: list[str] = []
        for k, v in n.fields:
            line = f"{esc(_short(k, 100))}: {b(_short(v, 300))}"
            if len(line) + 1 > room - 300:  # keep room for some text
                body.append("…")
                break
            body.append(line)
            room -= len(line) + 1
        if n.text:
            body.insert(0, esc(_short(n.text, max(room // 2, 50))))
        return "\n".join([head, *body, *([tail] if tail else [])])
    lines = [b(f"{len(notices)} updates")]
    for part in sections(notices, TEXT_MAX * MARGIN):
        lines.append("")
        lines.append(b(part.heading))
        lines.extend(f"• {esc(line)}" for line in part.lines)
    text = "\n".join(lines)
    return _cut(text) if cut else text


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as entities (quotes need none outside tags)."""
    return html.escape(text, quote=False)


def _bold(text: str) -> str:
    return f"<b>{_escape(text)}</b>"


def _italic(text: str) -> str:
    return f"<i>{_escape(text)}</i>"


def _plain(text: str) -> str:
    return text


def _cut(text: str) -> str:
    limit = int(TEXT_MAX * MARGIN)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if "<" in cut[cut.rfind(">") + 1 :]:  # do not leave half a tag
        cut = cut[: cut.rfind("<")]
    return cut + "…"


class TelegramApi:
    """The few Bot API methods tradewind calls, for one bot.

    Parameters
    ----------
    token
        The bot token (``TELEGRAM_BOT_TOKEN``); it travels only in the URL path.
    api_base
        Bot API root (``notifications.telegram.api_base``).
    timeout
        Seconds allowed for each of connect, write and read (a long poll adds its own wait).
    transport
        An httpx transport (tests); the network otherwise.
    """

    def __init__(
        self,
        token: str,
        api_base: str,
        *,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._root = f"{api_base.rstrip('/')}/bot{token}"
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False
        )

    def call(self, method: str, body: dict[str, Any], *, timeout: float | None = None) -> Any:
        """Call ``method``; return its ``result`` or raise a :class:`DeliveryError`."""
        answer = post_json(
            self._client,
            f"{self._root}/{method}",
            body,
            service="Telegram",
            rate_limit=_retry_after,
            refusal=_refusal,
            timeout=timeout,
        )
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            raise RejectedDelivery(f"Telegram answered without ok: {str(answer)[:200]}")
        return answer.get("result")

    def send_message(self, chat_id: str, text: str, *, silent: bool, markup: bool = True) -> Any:
        """``sendMessage`` to ``chat_id``."""
        body: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "disable_notification": silent,
            "link_preview_options": {"is_disabled": True},
        }
        if markup:
            body["parse_mode"] = "HTML"
        return self.call("sendMessage", body)

    def get_updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        """``getUpdates`` long-polling up to ``wait`` seconds for messages after ``offset``."""
        body: dict[str, Any] = {"timeout": wait, "allowed_updates": ["message"]}
        if offset is not None:
            body["offset"] = offset
        result = self.call("getUpdates", body, timeout=wait + self.timeout)
        return [u for u in result or () if isinstance(u, dict)]

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class TelegramChannel:
    """Sends notices to one Telegram chat.

    Parameters
    ----------
    api
        The bot's API client.
    chat_id
        The chat (``TELEGRAM_CHAT_ID``).
    secrets
        Values masked in every message (all configured credentials).
    """

    name = "telegram"

    def __init__(self, api: TelegramApi, chat_id: str, *, secrets: Sequence[str] = ()) -> None:
        self.api = api
        self.chat_id = chat_id
        self._secrets = tuple(secrets)

    def fit(self, notices: Sequence[Notice]) -> int:
        """How many of ``notices`` fit in one message (at least 1)."""
        limit = TEXT_MAX * MARGIN
        return largest_fit(
            len(notices), lambda k: len(render(notices[:k], cut=False)) < limit, FIT_CAP
        )

    def send(self, notices: Sequence[Notice], *, silent: bool | None = None) -> None:
        """Send ``notices`` as one message; plain text if Telegram cannot parse the HTML.
        Routine messages arrive silently unless ``silent`` says otherwise."""
        if silent is None:
            silent = max(severity_rank(n.severity) for n in notices) < severity_rank("warning")
        text = clean(render(notices), self._secrets)
        try:
            self.api.send_message(self.chat_id, text, silent=silent)
        except RejectedDelivery as exc:
            if exc.status != 400 or "parse entities" not in str(exc):
                raise
            plain = clean(render(notices, markup=False), self._secrets)
            self.api.send_message(self.chat_id, plain, silent=silent, markup=False)

    def close(self) -> None:
        """Close the bot's HTTP client."""
        self.api.close()


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    """``parameters.retry_after`` of the answer, else the ``Retry-After`` header."""
    params = body.get("parameters") if isinstance(body, dict) else None
    if isinstance(params, dict) and isinstance(params.get("retry_after"), int | float):
        return float(params["retry_after"])
    header = response.headers.get("Retry-After")
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


def _refusal(status: int, body: Any) -> str:
    """What a 4xx from the Bot API means and what to do."""
    said = body.get("description") if isinstance(body, dict) else None
    detail = f" ({said})" if said else ""
    if status in (401, 404):
        return (
            f"Telegram refused the bot token ({status}{detail}): TELEGRAM_BOT_TOKEN is wrong or "
            "was revoked; copy it again from BotFather (/mybots > API Token)"
        )
    if status == 403:
        return (
            f"the bot may not write to TELEGRAM_CHAT_ID ({status}{detail}): open a chat with the "
            "bot and send it /start, or add it to the group"
        )
    if status == 409:
        return (
            f"another program reads this bot's updates ({status}{detail}): only one tradewind "
            "process may answer commands (stop `tradewind notify run` or the other poller, or "
            "delete the bot's webhook)"
        )
    if said and "chat not found" in said:
        return (
            f"TELEGRAM_CHAT_ID is not a chat the bot knows ({status}{detail}): send the bot a "
            "message, then use the chat id getUpdates shows"
        )
    return f"Telegram refused the message ({status}{detail})"
