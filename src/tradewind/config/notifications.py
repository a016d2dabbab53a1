"""The ``notifications`` section: which channels are on, what they report and how they deliver.

Halts and errors always reach an enabled channel: ``notify_errors`` cannot be switched off while
its channel is on, and there is no switch for halts. The webhook URL, bot token and chat id come
from the environment (:mod:`tradewind.config.secrets`); their shapes are checked by
:mod:`tradewind.config.notify_secrets`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator

from tradewind.config.base import Section

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ChannelSection(Section):
    """One notification channel. Its webhook or token comes from the environment."""

    enabled: bool = False
    notify_trades: bool = Field(True, description="Each fill (batched when they come together).")
    notify_regime_changes: bool = True
    notify_rebalancing: bool = Field(True, description="Rebalance started and finished.")
    notify_risk: bool = Field(
        True, description="Stops, daily-loss and drawdown warnings (halts are always sent)."
    )
    notify_errors: bool = Field(
        True, description="Data and broker errors; cannot be false while the channel is on."
    )
    notify_service: bool = Field(True, description="Service start, stop and restart.")
    notify_daily_summary: bool = Field(True, description="The summary after each close.")
    min_interval_seconds: float = Field(
        1.0, ge=0, le=3600, description="Minimum spacing between messages (rate limit)."
    )
    batch_seconds: float = Field(
        5.0,
        ge=0,
        le=3600,
        description="How long a routine message waits for others to share its message; "
        "halts never wait.",
    )
    timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="Hard limit on one request to the service."
    )
    api_base: str = Field(
        "", description="The service's API root (tests, self-hosted Bot API servers)."
    )

    @field_validator("notify_errors")
    @classmethod
    def _errors_stay_on(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and info.data.get("enabled"):
            raise ValueError(
                "cannot be false while the channel is enabled: halts and errors are always "
                "sent; remove notify_errors (or set enabled: false to silence the channel)"
            )
        return value

    @field_validator("api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                f"must be an http(s) URL such as https://discord.com/api, was {value!r}"
            )
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError(
                f"must use https (plain http only to 127.0.0.1/localhost), was {value!r}: the "
                "token travels in the URL"
            )
        return value.rstrip("/")


class DiscordSection(ChannelSection):
    """The Discord channel: a webhook (``DISCORD_WEBHOOK_URL``)."""

    api_base: str = Field(
        "https://discord.com/api",
        description="Discord's API root; the webhook's id and token come from the URL.",
    )


class TelegramSection(ChannelSection):
    """The Telegram channel: a bot (``TELEGRAM_BOT_TOKEN``) writing to one chat
    (``TELEGRAM_CHAT_ID``), which may also send commands."""

    api_base: str = Field(
        "https://api.telegram.org", description="Bot API root (or a local Bot API server)."
    )
    commands: bool = Field(
        True,
        description="Answer /status, /positions, /regime, /daily and /halt from the chat.",
    )
    poll_seconds: int = Field(
        25, ge=1, le=50, description="Long-polling wait of getUpdates (seconds)."
    )


class NotificationsSection(Section):
    """Discord and Telegram channels (``notifications:``)."""

    discord: DiscordSection = Field(default_factory=DiscordSection)
    telegram: TelegramSection = Field(default_factory=TelegramSection)
    include_replays: bool = Field(
        False,
        description="Also notify for history replays (--replay, tradewind demo); off so a demo "
        "never floods a real channel.",
    )
