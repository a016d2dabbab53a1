"""The running notifier of a process: channels from configuration, the dispatcher thread and the
Telegram command poller.

:func:`active_channels` says which channels are on (enabled, with credentials of the right
shape; an enabled channel with a malformed credential is a :class:`ConfigError`, one without
any only logs). :class:`Notifier` runs the dispatcher (and, when Telegram commands are on, the
poller) in daemon threads, so neither a slow webhook nor a long poll ever holds up the caller;
:meth:`Notifier.stop` waits a bounded time and leaves anything unsent in the outbox for the next
start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import httpx

from tradewind.config.notifications import NotificationsSection
from tradewind.config.notify_secrets import notification_secret_problems, parse_webhook
from tradewind.config.secrets import Secrets
from tradewind.domain.errors import ConfigError
from tradewind.notify.channel import Channel
from tradewind.notify.commands import CommandBackend, StateStore, TelegramCommands
from tradewind.notify.discord import DiscordChannel
from tradewind.notify.dispatcher import DeliveryPolicy, Dispatcher, Outbox
from tradewind.notify.telegram import TelegramApi, TelegramChannel

log = logging.getLogger("tradewind.notify")


def _value(secret: object) -> str:
    getter = getattr(secret, "get_secret_value", None)
    return str(getter()).strip() if getter is not None else ""


def active_channels(n: NotificationsSection, secrets: Secrets) -> list[str]:
    """Enabled channels whose credentials are set; raises on a malformed one.

    Raises
    ------
    ConfigError
        An enabled channel's variable does not have its documented shape (named in the error).
    """
    problems, _ = notification_secret_problems(n, secrets)
    if problems:
        raise ConfigError(problems, source="environment / .env")
    out = []
    if n.discord.enabled and _value(secrets.discord_webhook_url):
        out.append("discord")
    if (
        n.telegram.enabled
        and _value(secrets.telegram_bot_token)
        and _value(secrets.telegram_chat_id)
    ):
        out.append("telegram")
    return out


def build_channels(
    n: NotificationsSection,
    secrets: Secrets,
    *,
    only: Sequence[str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, tuple[Channel, DeliveryPolicy]]:
    """The active channels (or those of ``only``), ready to send, with their policies."""
    names = active_channels(n, secrets) if only is None else list(only)
    masked = secrets.values()
    out: dict[str, tuple[Channel, DeliveryPolicy]] = {}
    if "discord" in names:
        hook = parse_webhook(_value(secrets.discord_webhook_url))
        if hook is not None:
            channel = DiscordChannel(
                hook,
                n.discord.api_base,
                timeout=n.discord.timeout_seconds,
                secrets=masked,
                transport=transport,
            )
            out["discord"] = (channel, DeliveryPolicy.from_section(n.discord))
    if "telegram" in names:
        api = telegram_api(n, secrets, transport=transport)
        channel_t = TelegramChannel(api, _value(secrets.telegram_chat_id), secrets=masked)
        out["telegram"] = (channel_t, DeliveryPolicy.from_section(n.telegram))
    return out


def telegram_api(
    n: NotificationsSection, secrets: Secrets, *, transport: httpx.BaseTransport | None = None
) -> TelegramApi:
    """A Bot API client for the configured bot."""
    return TelegramApi(
        _value(secrets.telegram_bot_token),
        n.telegram.api_base,
        timeout=n.telegram.timeout_seconds,
        transport=transport,
    )


class Worker:
    """A daemon thread calling ``step`` until stopped; ``step`` returns seconds to wait."""

    def __init__(
        self,
        name: str,
        step: Callable[[], float],
        *,
        max_wait: float = 1.0,
        stopping: threading.Event | None = None,
    ) -> None:
        self.name = name
        self._step = step
        self._max_wait = max_wait
        self.stopping = stopping or threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, grace: float) -> bool:
        """Ask the thread to stop and wait up to ``grace`` seconds; True if it ended."""
        self.stopping.set()
        if self._thread.is_alive():
            self._thread.join(grace)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                wait = self._step()
            except Exception:  # a failing notifier never stops anything else
                log.exception("%s: unexpected error; retrying", self.name)
                wait = self._max_wait
            self.stopping.wait(min(max(wait, 0.02), self._max_wait))


class Notifier:
    """Delivery (and Telegram commands) running beside a process (module docstring).

    Parameters
    ----------
    outbox
        The store: read and marked by the dispatcher, also where the command offset is kept.
    n
        The ``notifications`` section.
    secrets
        Credentials.
    backend
        What Telegram commands read and do (None: no commands).
    transport
        An httpx transport for every channel (tests).
    """

    def __init__(
        self,
        outbox: Outbox,
        n: NotificationsSection,
        secrets: Secrets,
        *,
        state: StateStore | None = None,
        backend: CommandBackend | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        channels = build_channels(n, secrets, transport=transport)
        self.dispatcher = Dispatcher(outbox, channels, secrets=secrets.values())
        self.workers: list[Worker] = []
        if channels:
            self.workers.append(Worker("tradewind-notify", self.dispatcher.pump))
        self.commands: TelegramCommands | None = None
        if (
            backend is not None
            and state is not None
            and n.telegram.commands
            and "telegram" in channels
        ):
            stopping = threading.Event()
            self.commands = TelegramCommands(
                telegram_api(n, secrets, transport=transport),
                _value(secrets.telegram_chat_id),
                backend,
                state,
                wait=n.telegram.poll_seconds,
                secrets=secrets.values(),
                stopped=stopping.is_set,
            )
            self.workers.append(
                Worker(
                    "tradewind-telegram-commands",
                    self.commands.poll_once,
                    max_wait=5.0,
                    stopping=stopping,
                )
            )

    @property
    def channels(self) -> list[str]:
        """The channels being delivered to."""
        return self.dispatcher.channels

    def start(self) -> None:
        """Start delivering (and polling for commands)."""
        for w in self.workers:
            w.start()
        if self.channels:
            log.info("notifications: delivering to %s", ", ".join(self.channels))

    def stop(self, grace: float = 2.0) -> None:
        """Send what is due within ``grace`` seconds (no batching wait), then stop; what is
        still unsent stays in the outbox for the next start."""
        deadline = time.monotonic() + grace
        self.dispatcher.flushing = True
        try:
            while self.workers and time.monotonic() < deadline and self.dispatcher.has_due():
                time.sleep(0.05)
        except Exception:  # the store may be gone: stop anyway
            log.debug("notifications: could not check the outbox while stopping", exc_info=True)
        for w in self.workers:
            w.stopping.set()
        ended = [w.stop(max(0.0, deadline - time.monotonic())) for w in self.workers]
        if all(ended):
            self.dispatcher.close()
            if self.commands is not None:
                self.commands.api.close()
        else:  # a request is still in flight: its own timeout ends it; nothing is marked
            log.info("notifications: stopped with a request still in flight (it times out)")
