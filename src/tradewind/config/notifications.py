"""The ``notifications`` section: which channels are on and what they report."""

from __future__ import annotations

from pydantic import Field

from tradewind.config.base import Section


class ChannelSection(Section):
    """One notification channel. Its webhook or token comes from the environment."""

    enabled: bool = False
    notify_trades: bool = True
    notify_regime_changes: bool = True
    notify_rebalancing: bool = True
    notify_risk: bool = Field(True, description="Warnings, halts and stops.")
    notify_errors: bool = True
    min_interval_seconds: float = Field(
        1.0, ge=0, le=3600, description="Minimum spacing between messages (rate limit)."
    )


class NotificationsSection(Section):
    """Discord and Telegram channels (``notifications:``)."""

    discord: ChannelSection = Field(default_factory=ChannelSection)
    telegram: ChannelSection = Field(default_factory=ChannelSection)
