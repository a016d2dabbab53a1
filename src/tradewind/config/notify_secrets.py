"""Shape checks of the notification credentials, naming the variable and never its value.

``DISCORD_WEBHOOK_URL=notaurl`` must not pass ``tradewind config check``: a mistyped webhook
would silence every halt alert. For an enabled channel a malformed variable is a
:class:`~tradewind.domain.errors.ConfigProblem` (``config check`` exits 2, the service refuses
to start); for a disabled one it is a warning. A variable that is not set at all keeps the
older meaning (the channel only logs, with a warning). Messages describe what is wrong and
where to get the right value, and never repeat the value itself.

Shapes, from the services' documentation:

* Discord: ``https://discord.com/api/webhooks/<id>/<token>`` (also ``discordapp.com``, the
  ``ptb.`` and ``canary.`` hosts, an ``/api/v10`` version); the id is a snowflake (17 to 20
  digits). https://discord.com/developers/docs/resources/webhook#execute-webhook
* Telegram bot token: ``<bot id>:<secret>`` as BotFather prints it (digits, a colon, 30 or more
  letters, digits, ``_`` or ``-``). https://core.telegram.org/bots/api#authorizing-your-bot
* Telegram chat id: an integer (negative for groups and channels) or ``@channelusername``.
  https://core.telegram.org/bots/api#sendmessage
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tradewind.config.notifications import NotificationsSection
from tradewind.config.secrets import Secrets
from tradewind.domain.errors import ConfigProblem

_WEBHOOK = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/"
    r"(?P<id>\d{17,20})/(?P<token>[A-Za-z0-9_\-]{20,})/?$"
)
_BOT_TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_\-]{30,}$")
_CHAT_ID = re.compile(r"^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")

DISCORD_FIX = (
    "copy the URL from Discord: Server Settings > Integrations > Webhooks > Copy Webhook URL "
    "(https://discord.com/api/webhooks/<id>/<token>)"
)
TOKEN_FIX = "copy the token BotFather gave you (/mybots > API Token), <digits>:<secret>"  # noqa: S105 - advice, not a token
CHAT_FIX = (
    "the numeric id of your chat with the bot (send it a message, then open "
    "https://api.telegram.org/bot<token>/getUpdates and read message.chat.id)"
)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A Discord webhook's id and token (the token is a secret)."""

    id: str
    token: str


def parse_webhook(url: str) -> Webhook | None:
    """The id and token of a Discord webhook URL, or None when ``url`` is not one."""
    m = _WEBHOOK.match(url.strip())
    return Webhook(m["id"], m["token"]) if m else None


def webhook_problem(url: str) -> str | None:
    """What is wrong with a Discord webhook URL (None when it has the documented shape)."""
    value = url.strip()
    if _WEBHOOK.match(value):
        return None
    if not value.startswith(("https://", "http://")):
        return "is not a URL"
    if value.startswith("http://"):
        return "must use https"
    if "/api/webhooks/" not in value or "discord" not in value.split("/")[2]:
        return "is not a Discord webhook URL (no discord.com/api/webhooks/ in it)"
    return (
        "is incomplete: a webhook URL ends in /<id>/<token> (id: 17-20 digits; token: 20 or "
        "more letters, digits, _ or -)"
    )


def bot_token_problem(token: str) -> str | None:
    """What is wrong with a Telegram bot token (None when it has the documented shape)."""
    value = token.strip()
    if _BOT_TOKEN.match(value):
        return None
    if value.startswith(("http://", "https://")):
        return "is a URL, not a token"
    if ":" not in value:
        return "has no ':' (a bot token is <bot id>:<secret>)"
    return "is not a bot token (<digits>:<30 or more letters, digits, _ or ->)"


def chat_id_problem(chat_id: str) -> str | None:
    """What is wrong with a Telegram chat id (None when it has the documented shape)."""
    if _CHAT_ID.match(chat_id.strip()):
        return None
    if ":" in chat_id:
        return "looks like a bot token, not a chat id"
    return "is not a chat id (an integer such as 123456789 or -1001234567890, or @channelname)"


def notification_secret_problems(
    notifications: NotificationsSection, secrets: Secrets
) -> tuple[list[ConfigProblem], list[str]]:
    """``(problems, warnings)`` about the notification variables (see the module docstring)."""
    problems: list[ConfigProblem] = []
    warnings: list[str] = []
    checks = (
        (
            "DISCORD_WEBHOOK_URL",
            "discord",
            secrets.discord_webhook_url,
            webhook_problem,
            DISCORD_FIX,
        ),
        (
            "TELEGRAM_BOT_TOKEN",
            "telegram",
            secrets.telegram_bot_token,
            bot_token_problem,
            TOKEN_FIX,
        ),
        ("TELEGRAM_CHAT_ID", "telegram", secrets.telegram_chat_id, chat_id_problem, CHAT_FIX),
    )
    for variable, channel, value, check, fix in checks:
        if value is None or not value.get_secret_value().strip():
            continue
        wrong = check(value.get_secret_value())
        if wrong is None:
            continue
        enabled = getattr(notifications, channel).enabled
        if enabled:
            problems.append(ConfigProblem(variable, wrong, fix, joiner=" "))
        else:
            warnings.append(
                f"{variable} {wrong} (notifications.{channel} is disabled, so nothing uses it "
                f"yet); {fix}"
            )
    chat = secrets.telegram_chat_id
    if (
        notifications.telegram.enabled
        and notifications.telegram.commands
        and chat is not None
        and chat.get_secret_value().strip().startswith("@")
    ):
        warnings.append(
            "TELEGRAM_CHAT_ID is a channel username: messages go there, but commands (/status, "
            "/halt) are answered only in a chat with a numeric id"
        )
    return problems, warnings
