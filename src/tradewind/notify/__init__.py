"""Notifications: Discord and Telegram from the persisted outbox, and Telegram commands.

The pieces, in the order a notification meets them:

* :mod:`~tradewind.notify.notice`: what a notification says (:class:`Notice`), stored in the
  outbox as JSON in the transaction of what it reports;
* :mod:`~tradewind.notify.events`, :mod:`~tradewind.notify.compose`: notices for engine and
  service events, fills, rebalances, regime changes and the daily summary;
* :mod:`~tradewind.notify.routing`: which channel sends which notice (``notify_*`` switches;
  halts and errors always);
* :mod:`~tradewind.notify.dispatcher`: delivery from the outbox (batching, spacing, 429s,
  retries, halts first);
* :mod:`~tradewind.notify.discord`, :mod:`~tradewind.notify.telegram`: the wire formats;
* :mod:`~tradewind.notify.commands`: ``/status``, ``/positions``, ``/regime``, ``/daily``,
  ``/halt`` from the configured Telegram chat;
* :mod:`~tradewind.notify.runtime`: the threads that run all this beside the service.
"""

from tradewind.notify.channel import (
    Channel,
    DeliveryError,
    LogChannel,
    RateLimited,
    RejectedDelivery,
    TransientDeliveryError,
)
from tradewind.notify.commands import CommandBackend, TelegramCommands
from tradewind.notify.compose import DailySummary, RebalanceFacts
from tradewind.notify.dispatcher import DeliveryPolicy, Dispatcher, Outbox
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.routing import route, wants
from tradewind.notify.runtime import Notifier, active_channels, build_channels

__all__ = [
    "Channel",
    "CommandBackend",
    "DailySummary",
    "DeliveryError",
    "DeliveryPolicy",
    "Dispatcher",
    "LogChannel",
    "Notice",
    "Notifier",
    "Outbox",
    "RateLimited",
    "RebalanceFacts",
    "RejectedDelivery",
    "TelegramCommands",
    "TransientDeliveryError",
    "active_channels",
    "build_channels",
    "event_notice",
    "route",
    "wants",
]
